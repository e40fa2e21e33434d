"""What every command needs: the workspace context, from --workspace or the current folder."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from wtdock.cli.output import progress

if TYPE_CHECKING:
    from wtdock.ops.context import Context


def context(ctx: typer.Context) -> Context:
    from wtdock.ops.context import Context
    from wtdock.workspace import Workspace

    root = ctx.find_root()
    explicit = (root.obj or {}).get("workspace")
    return Context(Workspace.load(explicit=explicit), say=progress)


def split_pairs(values: list[str], option: str) -> list[tuple[str, str]]:
    """``REPO=VALUE`` pairs of a repeated option."""
    pairs = []
    for value in values:
        repo, sep, rest = value.partition("=")
        if not sep or not repo or not rest:
            raise typer.BadParameter(f"expected REPO=VALUE, got {value!r}", param_hint=option)
        pairs.append((repo, rest))
    return pairs
