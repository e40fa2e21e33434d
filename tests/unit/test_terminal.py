"""Output for people: per-service progress (plain lines, or a live display), rich tables only on a
terminal, shell completion from the registry and the config, and help that reads like other CLIs'."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
import typer.main
from rich.console import Console
from typer.testing import CliRunner

from tests.unit.helpers import dump_yaml, reference_config
from wtdock.cli import output
from wtdock.cli.app import app
from wtdock.cli.live import LiveLines
from wtdock.ops.context import Context
from wtdock.registry import Registry, TicketRecord, now
from wtdock.workspace import Workspace


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    dump_yaml(reference_config("term"), tmp_path / "wtdock.yaml")
    return Workspace.load(explicit=str(tmp_path))


def test_steps_are_todays_plain_lines_without_a_live_display(ws: Workspace) -> None:
    said: list[str] = []
    ctx = Context(ws, say=said.append)
    ctx.step("api", "setup: npm ci")
    ctx.output("api", "added 12 packages")
    ctx.status("api", "starting: connection refused")  # a poll's news: live only
    ctx.done("api", "setup done")
    assert said == ["api: setup: npm ci", "  api | added 12 packages"]


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str, str]] = []

    def step(self, service: str, text: str) -> None:
        self.calls.append(("step", service, text))

    def output(self, service: str, line: str) -> None:
        self.calls.append(("output", service, line))

    def status(self, service: str, text: str) -> None:
        self.calls.append(("status", service, text))

    def done(self, service: str, text: str) -> None:
        self.calls.append(("done", service, text))


def test_steps_go_to_the_live_display_when_there_is_one(ws: Workspace) -> None:
    said: list[str] = []
    live = Recorder()
    ctx = Context(ws, say=said.append, live=live)
    ctx.step("api", "building image")
    ctx.status("api", "starting: refused")
    ctx.done("api", "built")
    assert said == []
    assert live.calls == [("step", "api", "building image"), ("status", "api", "starting: refused"),
                          ("done", "api", "built")]


def test_the_live_display_keeps_one_line_per_service() -> None:
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=100, color_system=None)
    lines = LiveLines(colour=False, console=console)
    lines.step("front", "building image wtdock/x-front:abc (first build)")
    lines.output("front", "#5 DONE 0.3s")
    lines.step("api", "setup: npm ci")
    lines.status("api", "running (healthy)")
    lines.stop()
    last = screen.getvalue().rsplit("\x1b[2K", 1)[-1]  # what the final redraw left
    assert "front building image wtdock/x-front:abc (first build)  #5 DONE 0.3s" in screen.getvalue()
    assert re.search(r"✓ api\s+running \(healthy\)", last), last


@pytest.mark.parametrize(("env", "rich"), [({}, True), ({"TERM": "dumb"}, False)])
def test_tables_are_rich_only_on_a_terminal(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], env: dict[str, str], rich: bool
) -> None:
    monkeypatch.setattr("sys.stdout.isatty", lambda: True)
    monkeypatch.setenv("TERM", env.get("TERM", "xterm"))
    monkeypatch.setenv("FORCE_COLOR", "1")
    output.table([["feat-01", "running"]], headers=["TICKET", "STATUS"])
    out = capsys.readouterr().out
    assert ("\x1b[" in out) is rich
    if not rich:
        assert out == "TICKET   STATUS\nfeat-01  running\n"


def test_no_colour_under_no_color(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("sys.stdout.isatty", lambda: True)
    monkeypatch.setenv("TERM", "xterm")
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("NO_COLOR", "1")
    output.table([["feat-01", "running"]], headers=["TICKET", "STATUS"])
    out = capsys.readouterr().out
    assert "feat-01" in out
    assert not re.search(r"\x1b\[[0-9;]*3[0-7]m", out), repr(out)  # bold may stay; colours go


def test_piped_tables_keep_their_plain_format(capsys: pytest.CaptureFixture[str]) -> None:
    output.table([["feat-01", "running"]], headers=["TICKET", "STATUS"])
    assert capsys.readouterr().out == "TICKET   STATUS\nfeat-01  running\n"


def complete(ws: Workspace, line: str) -> list[str]:
    words = line.split(" ")
    env = {"_WTDOCK_COMPLETE": "complete_bash", "COMP_WORDS": line, "COMP_CWORD": str(len(words) - 1),
           "WTDOCK_WORKSPACE": str(ws.root)}
    result = CliRunner().invoke(app, [], env=env, prog_name="wtdock")
    return result.stdout.split()


def test_completion_of_tickets_services_and_repos(ws: Workspace) -> None:
    registry = Registry(ws.registry_file, ws.lock_dir / "state.lock")
    ws.lock_dir.mkdir(parents=True, exist_ok=True)
    with registry.update() as state:
        for name in ("feat-02", "feat-01", "fix-9"):
            state.tickets[name] = TicketRecord(name=name, slug=name, created_at=now())
    assert complete(ws, "wtdock down ") == ["feat-01", "feat-02", "fix-9"]
    assert complete(ws, "wtdock db reset feat") == ["feat-01", "feat-02"]
    assert complete(ws, "wtdock exec feat-01 ") == ["front", "api"]
    assert complete(ws, "wtdock up feat-03 --from a") == ["api="]


def test_completion_outside_a_workspace_completes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    env = {"_WTDOCK_COMPLETE": "complete_bash", "COMP_WORDS": "wtdock down ", "COMP_CWORD": "2"}
    result = CliRunner().invoke(app, [], env=env, prog_name="wtdock")
    assert (result.exit_code, result.stdout.split()) == (0, [])


def _commands(group: Any, words: tuple[str, ...] = ()) -> list[list[str]]:
    found = [list(words)]
    for name, sub in getattr(group, "commands", {}).items():
        found += _commands(sub, (*words, name))
    return found


COMMANDS = _commands(typer.main.get_command(app))


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_help_has_an_example_and_readable_metavars(command: list[str]) -> None:
    shown = CliRunner().invoke(app, [*command, "--help"]).stdout
    assert "Example" in shown
    assert not re.search(r"<(str|int|path|list\[[a-z]+\])>|\{[a-z_]+\}", shown), shown


def test_usage_lines_read_like_other_clis() -> None:
    usage = CliRunner().invoke(app, ["up", "--help"]).stdout.splitlines()[0]
    assert usage == "Usage: wtdock up [OPTIONS] TICKET"
    shown = CliRunner().invoke(app, ["up", "--help"]).stdout
    for metavar in ("--from REPO=REF", "--checkout REPO=BRANCH", "--worktree REPO=PATH", "--own SERVICE"):
        assert metavar in shown
    assert CliRunner().invoke(app, ["logs", "--help"]).stdout.splitlines()[0] == (
        "Usage: wtdock logs [OPTIONS] TICKET [SERVICE]"
    )


@pytest.mark.parametrize(
    ("state", "shown"),
    [
        ({"Status": "created"}, "created"),
        ({"Status": "running"}, "running"),
        ({"Status": "exited", "ExitCode": 3}, "exited (3)"),
        ({"Status": "running", "Health": {"Status": "starting", "Log": []}}, "running (starting)"),
        ({"Status": "running", "Health": {"Status": "starting", "Log": [{"Output": "refused\nat 5432\n"}]}},
         "starting: at 5432"),
        ({"Status": "running", "Health": {"Status": "healthy", "Log": [{"Output": "ok"}]}}, "running (healthy)"),
    ],
)
def test_a_waiting_service_is_shown_by_its_state_and_last_healthcheck_line(state: dict[str, Any], shown: str) -> None:
    from wtdock.engine import _status_text

    assert _status_text(state) == shown
