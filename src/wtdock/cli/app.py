"""The root of the CLI: global options, error rendering, and the command groups."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from wtdock import __version__
from wtdock.cli import browse, db, demo, hook, prepare, repair, rescue, shared, tickets
from wtdock.cli import init as init_cmd
from wtdock.cli import mcp as mcp_cmd
from wtdock.cli import schema as schema_cmd
from wtdock.cli.help import tidy
from wtdock.cli.output import echo, emit, error, json_error
from wtdock.errors import WtdockError

GROUPS = ("shared", "db", "rescue")
ROOT_OPTIONS_WITH_VALUES = ("-w", "--workspace")
EXAMPLES = """\b
Examples:
  wtdock up feat-02 --from front=feat/ui --from api=feat/endpoint
  wtdock ps
  wtdock open feat-02
  wtdock down feat-02"""


class WtdockGroup(TyperGroup):
    """Renders every wtdock error once, as one line plus a hint (or as JSON under `--json`), with
    its exit code."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        tidy(self)

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        ctx.meta["wtdock.args"] = list(args)
        return super().parse_args(ctx, args)

    def invoke(self, ctx: Any) -> Any:
        args = ctx.meta.get("wtdock.args", [])
        try:
            return super().invoke(ctx)
        except WtdockError as err:
            command, wants_json = _command_of(args)
            if wants_json:
                json_error(command, err)
            else:
                error(err)
            raise typer.Exit(err.exit_code) from None


def _command_of(args: list[str]) -> tuple[str, bool]:
    """The command words (`up`, `shared status`) and whether `--json` was asked, from the raw
    arguments: an error may come before the command's own options are parsed."""
    before = args[: args.index("--")] if "--" in args else args
    words, skip = [], False
    for arg in before:
        if skip or arg.startswith("-"):
            skip = arg in ROOT_OPTIONS_WITH_VALUES
            continue
        words.append(arg)
    command = " ".join(words[:2]) if words[:1] and words[0] in GROUPS else " ".join(words[:1])
    return command, "--json" in before


app = typer.Typer(
    cls=WtdockGroup,
    name="wtdock",
    help="A running copy of your multi-repo app per ticket: git worktrees + one Compose project each, "
    "sharing one Postgres, Redis and event stream.",
    no_args_is_help=True,
    epilog=EXAMPLES,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
app.add_typer(shared.app, name="shared")
app.add_typer(db.app, name="db")
app.add_typer(rescue.app, name="rescue")
app.add_typer(hook.app, name="hook")
tickets.register(app)
app.command()(repair.repair)
app.command()(prepare.setup)
app.command()(prepare.trust)
app.command()(init_cmd.init)
app.command()(schema_cmd.schema)
app.command()(demo.demo)
app.command("open")(browse.open_)
app.command()(mcp_cmd.mcp)


def _version(value: bool) -> None:
    if value:
        echo(f"wtdock {__version__}")
        raise typer.Exit


@app.callback()
def root(
    ctx: typer.Context,
    workspace: Annotated[
        str | None,
        typer.Option("--workspace", "-w", envvar="WTDOCK_WORKSPACE", help="Folder holding wtdock.yaml.",
                     metavar="PATH"),
    ] = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress on stderr (errors still print).")
    ] = False,
    version: Annotated[  # noqa: ARG001 - handled by its eager callback
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    ctx.obj = {"workspace": workspace, "quiet": quiet}


@app.command()
def doctor(
    ctx: typer.Context, json: Annotated[bool, typer.Option("--json", help="Print the checks as JSON.")] = False
) -> None:
    """Check the engine, Compose, git and the workspace config; one line each.

    \b
    Example:
      wtdock doctor --json
    """
    from wtdock.ops.doctor import doctor as run_doctor

    checks = run_doctor(Path.cwd(), ctx.obj.get("workspace"))
    if json:
        emit("doctor", {"ok": all(c.ok for c in checks), "checks": checks})
        if not all(c.ok for c in checks):
            raise typer.Exit(1)
        return
    for check in checks:
        echo(f"{'ok' if check.ok else 'problem':7}  {check.name:10}  {check.detail}")
        if check.hint and not check.ok:
            echo(f"{'':7}  {'':10}  hint: {check.hint}")
    if not all(c.ok for c in checks):
        raise typer.Exit(1)


def main() -> None:
    app()
