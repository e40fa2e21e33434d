"""Rendering results: tables for people (rich on a terminal, aligned plain text when piped), JSON
for programs, progress on stderr. Nothing else prints."""

from __future__ import annotations

import dataclasses
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import typer

from wtdock.errors import BuildFailedError, ServiceFailedError, ToolError, WtdockError

if TYPE_CHECKING:
    from wtdock.cli.live import LiveLines

_live: list[LiveLines] = []  # the live progress display of this command, while it runs


def terminal(stream: TextIO) -> bool:
    """Whether ``stream`` is a terminal that can take rich's output (not a pipe, not TERM=dumb)."""
    return stream.isatty() and os.environ.get("TERM") != "dumb"


def colour() -> bool:
    return not os.environ.get("NO_COLOR")  # https://no-color.org: set and not empty


def live_progress() -> LiveLines:
    """The live per-service lines on stderr, made once per command (cli/common.py asks for it only
    when stderr is a terminal)."""
    from wtdock.cli.live import LiveLines

    if not _live:
        _live.append(LiveLines(colour()))
    return _live[0]


def settle() -> None:
    """Stop the live display: what follows (a result, an error) prints below its last state."""
    for shown in _live:
        shown.stop()  # kept: a step after a result starts it again


def echo(text: str = "") -> None:
    settle()
    typer.echo(text)


def progress(text: str) -> None:
    typer.echo(f"wtdock: {text}", err=True)


def quiet(_: str) -> None:
    """`-q`: no progress (errors still print, through ``error``)."""


JSON_VERSION = 1  # of the envelope and every command's fields; bumped only when a field goes or changes


def envelope(command: str, fields: Any) -> dict[str, Any]:
    """``{"wtdock": 1, "command": "up", ...fields}``: what every `--json` prints."""
    plain = _plain(fields)
    body = plain if isinstance(plain, dict) else {"result": plain}
    return {"wtdock": JSON_VERSION, "command": command, **body}


def emit(command: str, fields: Any) -> None:
    """A command's result as JSON on stdout, in the versioned envelope."""
    import json  # here, not at the top: `--help` and completion do without it
    echo(json.dumps(envelope(command, fields), indent=2))


def error_fields(err: WtdockError) -> dict[str, Any]:
    found: dict[str, Any] = {
        "code": err.exit_code,
        "kind": err.kind,
        "message": err.message,
        "hint": err.hint,
        "details": list(err.details),
    }
    if isinstance(err, ToolError):
        found["command"] = list(err.command)
        found["returncode"] = err.returncode
        found["stderr"] = err.stderr
    if isinstance(err, ServiceFailedError) and err.failure is not None:
        failure = err.failure
        found |= {"service": failure.service, "exit_code": failure.exit_code, "health": failure.health,
                  "last_output": failure.last_output, "logs": list(failure.logs)}
    if isinstance(err, BuildFailedError):
        found |= {"service": err.service, "logs": list(err.logs)}
    return found


def error_envelope(command: str, err: WtdockError) -> dict[str, Any]:
    """``{"wtdock": 1, "command": "down", "error": {...}}``: an error as programs read it."""
    return {"wtdock": JSON_VERSION, "command": command, "error": error_fields(err)}


def json_error(command: str, err: WtdockError) -> None:
    """Under `--json` an error is JSON too, on stdout (the exit code is unchanged)."""
    import json
    echo(json.dumps(error_envelope(command, err), indent=2))


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value) if f.repr}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    return value


def table(rows: Sequence[Sequence[str]], headers: Sequence[str] | None = None, indent: str = "") -> None:
    """A rich table on a terminal; piped, columns padded to their widest cell (the last one not
    padded), the format scripts and tests read."""
    if terminal(sys.stdout) and (rows or headers):
        settle()
        _rich_table(rows, headers, indent)
        return
    allrows = [list(headers)] + [list(r) for r in rows] if headers else [list(r) for r in rows]
    if not allrows:
        return
    widths = [max(len(r[i]) for r in allrows) for i in range(len(allrows[0]) - 1)]
    for row in allrows:
        cells = [cell.ljust(widths[i]) for i, cell in enumerate(row[:-1])] + [row[-1]]
        echo((indent + "  ".join(cells)).rstrip())


# A cell's first word -> its colour on a terminal: states and statuses read at a glance.
_STYLES = {"running": "green", "healthy": "green", "stopped": "dim", "exited": "red", "unhealthy": "red",
           "degraded": "yellow", "partial": "yellow", "missing": "red", "starting": "yellow", "shared": "cyan"}


def _rich_table(rows: Sequence[Sequence[str]], headers: Sequence[str] | None, indent: str) -> None:
    from rich import box
    from rich.console import Console
    from rich.padding import Padding
    from rich.table import Table
    from rich.text import Text

    found = Table(box=box.SIMPLE_HEAD if headers else None, show_header=bool(headers), pad_edge=False,
                  header_style="bold", show_edge=False)
    for header in headers or [""] * len(rows[0]):
        found.add_column(header, overflow="fold")
    for row in rows:
        found.add_row(*(Text(cell, style=_STYLES.get(cell.split(" ", 1)[0], "")) for cell in row))
    Console(no_color=not colour(), highlight=False).print(Padding(found, (0, 0, 0, len(indent)), expand=False))


def error_lines(err: WtdockError) -> list[str]:
    """One line, the details indented under it, then the hint: what every error says (the CLI on
    stderr, `wtdock mcp` as its tool error's text)."""
    return [f"wtdock: error: {err.message}", *(f"  {line}" for line in err.details),
            *([f"  hint: {err.hint}"] if err.hint else [])]


def error(err: WtdockError) -> None:
    """``error_lines`` on stderr. More under WTDOCK_DEBUG=1."""
    settle()
    out = sys.stderr
    for line in error_lines(err):
        print(line, file=out)
    if isinstance(err, ToolError) and os.environ.get("WTDOCK_DEBUG") == "1":
        if err.command:
            print(f"  command: {' '.join(err.command)}", file=out)
        for line in err.stderr.splitlines():
            print(f"  | {line}", file=out)
