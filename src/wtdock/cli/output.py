"""Rendering results: aligned tables for people, JSON for programs. Nothing else prints."""

from __future__ import annotations

import dataclasses
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import typer

from wtdock.errors import BuildFailedError, ServiceFailedError, ToolError, WtdockError


def echo(text: str = "") -> None:
    typer.echo(text)


def progress(text: str) -> None:
    typer.echo(f"wtdock: {text}", err=True)


JSON_VERSION = 1  # of the envelope and every command's fields; bumped only when a field goes or changes


def envelope(command: str, fields: Any) -> dict[str, Any]:
    """``{"wtdock": 1, "command": "up", ...fields}``: what every `--json` prints."""
    plain = _plain(fields)
    body = plain if isinstance(plain, dict) else {"result": plain}
    return {"wtdock": JSON_VERSION, "command": command, **body}


def emit(command: str, fields: Any) -> None:
    """A command's result as JSON on stdout, in the versioned envelope."""
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


def json_error(command: str, err: WtdockError) -> None:
    """Under `--json` an error is JSON too, on stdout (the exit code is unchanged)."""
    echo(json.dumps({"wtdock": JSON_VERSION, "command": command, "error": error_fields(err)}, indent=2))


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
    """Columns padded to their widest cell; the last column is not padded."""
    allrows = [list(headers)] + [list(r) for r in rows] if headers else [list(r) for r in rows]
    if not allrows:
        return
    widths = [max(len(r[i]) for r in allrows) for i in range(len(allrows[0]) - 1)]
    for row in allrows:
        cells = [cell.ljust(widths[i]) for i, cell in enumerate(row[:-1])] + [row[-1]]
        echo((indent + "  ".join(cells)).rstrip())


def error(err: WtdockError) -> None:
    """One line, the details indented under it, then the hint. More under WTDOCK_DEBUG=1."""
    out = sys.stderr
    print(f"wtdock: error: {err.message}", file=out)
    for line in err.details:
        print(f"  {line}", file=out)
    if err.hint:
        print(f"  hint: {err.hint}", file=out)
    if isinstance(err, ToolError) and os.environ.get("WTDOCK_DEBUG") == "1":
        if err.command:
            print(f"  command: {' '.join(err.command)}", file=out)
        for line in err.stderr.splitlines():
            print(f"  | {line}", file=out)
