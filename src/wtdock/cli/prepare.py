"""Commands about preparing services: setup (again) and trust."""

from __future__ import annotations

from typing import Annotated

import typer

from wtdock.cli.common import context
from wtdock.cli.output import echo, emit

Json = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def setup(
    ctx: typer.Context,
    ticket: Annotated[str, typer.Argument(help="Ticket name.", metavar="TICKET")],
    service: Annotated[str | None, typer.Argument(help="Only this service.", metavar="SERVICE")] = None,
    force: Annotated[bool, typer.Option("--force", help="Run even where the inputs did not change.")] = False,
    json: Json = False,
) -> None:
    """Run a ticket's setup commands again (where their inputs changed, or all with --force).

    \b
    Example:
      wtdock setup feat-02 api --force
    """
    from wtdock.ops.setup import setup as run_setup

    result = run_setup(context(ctx), ticket, service, force=force)
    if json:
        emit("setup", result)
        return
    for done in result.prepared:
        copied = f" (dependencies copied from {done.copied_from})" if done.copied_from else ""
        echo(f"{done.service}: setup {done.setup}{copied}")
    if result.restarted:
        echo(f"restarted: {', '.join(result.restarted)}")


def trust(
    ctx: typer.Context,
    show: Annotated[bool, typer.Option("--show", help="Print the commands; trust nothing.")] = False,
) -> None:
    """Trust the setup and migrate commands of a wtdock.yaml committed in a repo.

    \b
    Example:
      wtdock trust --show, then wtdock trust
    """
    from wtdock.ops import trust as trusting
    from wtdock.yamlio import dump

    ws = context(ctx).ws
    commands = trusting.commands(ws.config)
    if show or not commands:
        echo(dump(commands).rstrip() if commands else f"{ws.config_file} runs no setup or migrate commands")
        return
    if not trusting.needs_trust(ws):
        echo(f"{ws.config_file} is not committed in a repo: its commands are yours, trusted already")
        return
    digest = trusting.trust(ws)
    echo(f"trusted the commands of {ws.config_file} ({digest[:12]}); a change to them asks again")
