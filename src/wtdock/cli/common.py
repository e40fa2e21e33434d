"""What every command needs: the workspace context, from --workspace or the current folder."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import typer

from wtdock.cli.output import live_progress, progress, quiet, settle, terminal

if TYPE_CHECKING:
    from wtdock.ops.context import Context


def context(ctx: typer.Context) -> Context:
    from wtdock.ops.context import Context
    from wtdock.workspace import Workspace

    root = ctx.find_root()
    options = root.obj or {}
    ws = Workspace.load(explicit=options.get("workspace"))
    if options.get("quiet"):
        return Context(ws, say=quiet)
    if not terminal(sys.stderr):
        return Context(ws, say=progress)
    live = live_progress()
    ctx.call_on_close(settle)  # the display ends with the command, also when it fails
    return Context(ws, say=live.say, live=live)


def split_pairs(values: list[str], option: str) -> list[tuple[str, str]]:
    """``REPO=VALUE`` pairs of a repeated option."""
    pairs = []
    for value in values:
        repo, sep, rest = value.partition("=")
        if not sep or not repo or not rest:
            raise typer.BadParameter(f"expected REPO=VALUE, got {value!r}", param_hint=option)
        pairs.append((repo, rest))
    return pairs
