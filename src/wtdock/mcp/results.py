"""Tool answers: a result as the CLI's `--json` envelope in structured content, with a short text
for clients that show text only; an error as a tool error with the CLI's kind, message and hint."""

from __future__ import annotations

from typing import Any

from mcp.types import CallToolResult, TextContent

from wtdock.cli.output import envelope, error_envelope, error_lines
from wtdock.errors import WtdockError


def answer(command: str, fields: Any, text: str) -> CallToolResult:
    """``fields`` as `wtdock COMMAND --json` prints them (``{"wtdock": 1, "command": ..., ...}``)."""
    return CallToolResult(content=[TextContent(type="text", text=text)], structured_content=envelope(command, fields))


def failure(command: str, err: WtdockError) -> CallToolResult:
    """A tool error: the CLI's lines (message, details, hint) and its kind as text, the envelope
    `--json` prints for the error as structured content."""
    text = "\n".join([*error_lines(err), f"  kind: {err.kind} (the CLI's exit code {err.exit_code})"])
    return CallToolResult(content=[TextContent(type="text", text=text)],
                          structured_content=error_envelope(command, err), is_error=True)
