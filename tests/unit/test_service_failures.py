"""Naming the service that failed: the engine's container state (recorded from engine 26.1.5) read
into a ServiceFailure, its lines, and its fields under `--json`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from wtdock import engine
from wtdock.cli.output import error_fields
from wtdock.errors import ServiceFailure
from wtdock.schemas import validate


@dataclass
class RecordedContainer:
    """The part of docker-py's Container that engine reads."""

    attrs: dict[str, Any]
    labels: dict[str, str]
    name: str = "p-api-1"
    output: bytes = b""
    tails: list[int] = field(default_factory=list)

    def logs(self, tail: int) -> bytes:
        self.tails.append(tail)
        return self.output


EXITED = {"Status": "exited", "Running": False, "ExitCode": 1,
          "Health": {"Status": "unhealthy", "FailingStreak": 0, "Log": []}}
UNHEALTHY = {"Status": "running", "Running": True, "ExitCode": 0, "Health": {
    "Status": "unhealthy", "FailingStreak": 3,
    "Log": [
        {"ExitCode": 1, "Output": "first\n"},
        {"ExitCode": 1, "Output": "Traceback\nConnectionRefusedError: 111\n"},
    ],
}}
HEALTHY = {"Status": "running", "Running": True, "ExitCode": 0, "Health": {"Status": "healthy", "Log": []}}


def _container(state: dict[str, Any], output: bytes = b"") -> RecordedContainer:
    return RecordedContainer({"State": state}, {engine.LABEL_SERVICE: "api"}, output=output)


def test_an_exited_container_gives_its_exit_code_and_last_log_lines() -> None:
    container = _container(EXITED, b"loading\nNameError: name 'x' is not defined\n")
    failure = engine._failure(container)
    assert failure == ServiceFailure("api", "exited", 1, "unhealthy", None,
                                     ("loading", "NameError: name 'x' is not defined"))
    assert container.tails == [engine.LOG_TAIL]
    assert failure.summary == "api exited with code 1"
    assert failure.lines() == ["api: last 2 log line(s):", "  | loading", "  | NameError: name 'x' is not defined"]


def test_an_unhealthy_container_gives_its_healthchecks_last_output() -> None:
    failure = engine._failure(_container(UNHEALTHY))
    assert failure is not None
    assert (failure.exit_code, failure.health, failure.last_output) == (
        None, "unhealthy", "Traceback\nConnectionRefusedError: 111"
    )
    assert failure.summary == "api is unhealthy"
    assert failure.lines() == [
        "api: healthcheck said: ConnectionRefusedError: 111", "  | Traceback", "api: wrote no log lines",
    ]


def test_a_healthy_container_is_no_failure() -> None:
    assert engine._failure(_container(HEALTHY)) is None


def test_one_still_starting_when_time_ran_out() -> None:
    failure = ServiceFailure("api", "running", None, "starting", None)
    assert failure.summary == "api did not become healthy in time (health: starting)"


def test_the_json_error_carries_the_failures_fields() -> None:
    failure = ServiceFailure("api", "exited", 1, None, None, ("NameError: x",))
    err = engine.ServiceUnhealthyError("p: api exited with code 1", failure=failure, details=failure.lines())
    fields = error_fields(err)
    assert {k: fields[k] for k in ("kind", "service", "exit_code", "health", "last_output", "logs")} == {
        "kind": "service_unhealthy", "service": "api", "exit_code": 1, "health": None, "last_output": None,
        "logs": ["NameError: x"],
    }
    validate({"wtdock": 1, "command": "up", "error": fields})
