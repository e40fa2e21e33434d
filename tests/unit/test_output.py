"""Rendering: aligned tables, JSON of result objects, and the one error format."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pytest

from wtdock.cli.output import emit, error, json_error, table
from wtdock.errors import EngineError, RefusedError, UserError


def test_columns_are_padded_to_the_widest_cell_but_the_last(capsys: pytest.CaptureFixture[str]) -> None:
    rows = [["front", "http://127.0.0.1:3001", "[feat-01]"], ["api", "-", "shared"]]
    table(rows, headers=["SERVICE", "URL", "WHERE"])
    assert capsys.readouterr().out == (
        "SERVICE  URL                    WHERE\n"
        "front    http://127.0.0.1:3001  [feat-01]\n"
        "api      -                      shared\n"
    )


def test_indent_and_no_trailing_spaces(capsys: pytest.CaptureFixture[str]) -> None:
    table([["api", "running", ""], ["postgres", "running (healthy)", ""]], indent="  ")
    assert capsys.readouterr().out == "  api       running\n  postgres  running (healthy)\n"


def test_an_empty_table_prints_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    table([])
    assert capsys.readouterr().out == ""


def test_headers_alone(capsys: pytest.CaptureFixture[str]) -> None:
    table([], headers=["TICKET", "STATUS"])
    assert capsys.readouterr().out == "TICKET  STATUS\n"


@dataclass(frozen=True)
class Service:
    name: str
    port: int | None
    secret: str = field(default="x", repr=False)


@dataclass(frozen=True)
class Ticket:
    name: str
    services: tuple[Service, ...]
    env: dict[str, str]


def test_json_of_result_objects_in_the_versioned_envelope(capsys: pytest.CaptureFixture[str]) -> None:
    emit("ps", {"tickets": [Ticket("feat-01", (Service("front", 3001), Service("api", None)), {"A": "1"})]})
    out = capsys.readouterr().out
    services = [{"name": "front", "port": 3001}, {"name": "api", "port": None}]
    assert json.loads(out) == {
        "wtdock": 1, "command": "ps", "tickets": [{"name": "feat-01", "services": services, "env": {"A": "1"}}]
    }
    assert out.startswith('{\n  "wtdock": 1,\n  "command": "ps",')


def test_a_result_object_gives_the_envelope_its_fields(capsys: pytest.CaptureFixture[str]) -> None:
    emit("x", Service("api", 1))
    assert json.loads(capsys.readouterr().out) == {"wtdock": 1, "command": "x", "name": "api", "port": 1}


def test_fields_hidden_from_repr_are_left_out_of_json(capsys: pytest.CaptureFixture[str]) -> None:
    emit("x", Service("api", 1, secret="hunter2"))
    assert "hunter2" not in capsys.readouterr().out


def test_an_error_under_json_is_json_on_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    json_error("down", RefusedError("ticket t has work", details=["front: ?? b.py"], hint="commit it"))
    captured = capsys.readouterr()
    assert captured.err == ""
    assert json.loads(captured.out) == {
        "wtdock": 1,
        "command": "down",
        "error": {"code": 3, "kind": "refused", "message": "ticket t has work", "hint": "commit it",
                  "details": ["front: ?? b.py"]},
    }


def test_an_error_is_one_line_then_details_then_the_hint(capsys: pytest.CaptureFixture[str]) -> None:
    error(RefusedError("ticket feat-01 has work", details=["front: M a.py", "front: ?? b.py"], hint="commit it"))
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        "wtdock: error: ticket feat-01 has work\n  front: M a.py\n  front: ?? b.py\n  hint: commit it\n"
    )


def test_an_error_without_hint(capsys: pytest.CaptureFixture[str]) -> None:
    error(UserError("no"))
    assert capsys.readouterr().err == "wtdock: error: no\n"


def tool_error() -> EngineError:
    return EngineError("compose up failed", command=["docker", "compose", "up"], stderr="line 1\nline 2")


def test_tool_output_stays_hidden_by_default(capsys: pytest.CaptureFixture[str]) -> None:
    error(tool_error())
    assert capsys.readouterr().err == "wtdock: error: compose up failed\n"


def test_tool_output_under_debug(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WTDOCK_DEBUG", "1")
    error(tool_error())
    assert capsys.readouterr().err == (
        "wtdock: error: compose up failed\n  command: docker compose up\n  | line 1\n  | line 2\n"
    )
