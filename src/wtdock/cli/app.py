"""The root of the CLI: global options, error rendering, and the command groups."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from wtdock import __version__
from wtdock.cli import db, repair, shared, tickets
from wtdock.cli.output import echo, error
from wtdock.errors import WtdockError


class WtdockGroup(TyperGroup):
    """Renders every wtdock error once, as one line plus a hint, with its exit code."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except WtdockError as err:
            error(err)
            raise typer.Exit(err.exit_code) from None


app = typer.Typer(
    cls=WtdockGroup,
    name="wtdock",
    help="A running copy of your multi-repo app per ticket: git worktrees + one Compose project each, "
    "sharing one Postgres, Redis and event stream.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
app.add_typer(shared.app, name="shared")
app.add_typer(db.app, name="db")
tickets.register(app)
app.command()(repair.repair)


def _version(value: bool) -> None:
    if value:
        echo(f"wtdock {__version__}")
        raise typer.Exit


@app.callback()
def root(
    ctx: typer.Context,
    workspace: Annotated[
        str | None,
        typer.Option("--workspace", "-w", envvar="WTDOCK_WORKSPACE", help="Folder holding wtdock.yaml."),
    ] = None,
    version: Annotated[  # noqa: ARG001 - handled by its eager callback
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    ctx.obj = {"workspace": workspace}


@app.command()
def doctor(ctx: typer.Context) -> None:
    """Check the engine, Compose, git and the workspace config; one line each."""
    from wtdock.ops.doctor import doctor as run_doctor

    checks = run_doctor(Path.cwd(), ctx.obj.get("workspace"))
    for check in checks:
        echo(f"{'ok' if check.ok else 'problem':7}  {check.name:10}  {check.detail}")
        if check.hint and not check.ok:
            echo(f"{'':7}  {'':10}  hint: {check.hint}")
    if not all(c.ok for c in checks):
        raise typer.Exit(1)


def main() -> None:
    app()
