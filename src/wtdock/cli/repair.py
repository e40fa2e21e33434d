"""`wtdock repair`: rebuild the registry from the containers, worktrees and databases."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from wtdock.cli.common import context
from wtdock.cli.output import echo, emit

if TYPE_CHECKING:
    from wtdock.ops.repair import FoundTicket, RepairResult


def repair(ctx: typer.Context, json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Rebuild a lost, emptied or corrupt registry (.wtdock/state.json) from the engine's labels, the
    tickets' worktrees and the databases' comments. Adds only; a corrupt file is moved aside first.

    \b
    Example:
      wtdock repair --json
    """
    from wtdock.ops.repair import repair as run_repair

    result = run_repair(context(ctx))
    if json:
        emit("repair", result)
    else:
        _show(result)


def _show(result: RepairResult) -> None:
    if result.moved_aside:
        echo(f"moved the unreadable {result.state_file} aside to {result.moved_aside}")
    for found in result.added:
        echo(f"found   ticket {found.name} ({', '.join(found.sources)}): {_holds(found)}")
    for name in result.known:
        echo(f"known   ticket {name} (already in the registry)")
    for name in result.databases:
        echo(f"found   database {name}")
    if result.shared_ports:
        echo("found   shared ports " + ", ".join(f"{k}={v}" for k, v in sorted(result.shared_ports.items())))
    for line in result.skipped:
        echo(f"skipped {line}")
    if not (result.added or result.databases or result.shared_ports):
        echo(f"nothing to add: {result.state_file} knows every ticket the engine and git know")


def _holds(found: FoundTicket) -> str:
    parts = [f"repos {', '.join(found.repos) or 'none'}"]
    if found.ports:
        parts.append("ports " + ", ".join(f"{k}={v}" for k, v in sorted(found.ports.items())))
    if found.redis_db is not None:
        parts.append(f"Redis {found.redis_db}")
    if found.database:
        parts.append(f"database {found.database}")
    return "; ".join(parts)
