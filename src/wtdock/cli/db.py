"""`wtdock db ...`: each ticket's own database in the shared Postgres."""

from __future__ import annotations

from typing import Annotated

import typer

from wtdock.cli.common import context
from wtdock.cli.output import echo, emit, table

app = typer.Typer(help="Per-ticket databases in the shared Postgres.", no_args_is_help=True,
                  epilog="\b\nExample:\n  wtdock db list")
Json = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]


@app.command()
def snapshot(ctx: typer.Context, json: Json = False) -> None:
    """Refresh the template that new ticket databases are cloned from, from the base database.

    Sessions on the base database are closed for the moment of the copy; apps reconnect.
    Tickets that already have a database keep it as it is.

    \b
    Example:
      wtdock db snapshot
    """
    from wtdock.ops.databases import snapshot as run_snapshot

    made = run_snapshot(context(ctx))
    if json:
        emit("db snapshot", made)
        return
    echo(f"template {made.template} now copies {made.base} "
         f"(closed {made.closed_sessions} session(s) on {made.base} for the copy)")


@app.command("list")
def list_(ctx: typer.Context, json: Json = False) -> None:
    """The base, the template and every ticket database, with sizes.

    \b
    Example:
      wtdock db list --json
    """
    from wtdock.ops.databases import list_databases

    rows = list_databases(context(ctx))
    if json:
        emit("db list", {"databases": rows})
        return
    table([[r.name, r.role, r.ticket or "-", f"{r.size_mb} MB" if r.size_mb is not None else "missing"]
           for r in rows], headers=["DATABASE", "ROLE", "TICKET", "SIZE"])


@app.command()
def reset(
    ctx: typer.Context,
    ticket: Annotated[str, typer.Argument(help="Ticket name.", metavar="TICKET")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask.")] = False,
    json: Json = False,
) -> None:
    """Drop a ticket's database and clone it again from the template.

    \b
    Example:
      wtdock db reset feat-02 --yes
    """
    from wtdock.ops.databases import reset as run_reset
    from wtdock.ops.records import find_record

    wctx = context(ctx)
    record = find_record(wctx, ticket)
    if not yes:
        typer.confirm(f"Drop {record.database} and clone it again from the template?", abort=True)
    name = run_reset(wctx, record)
    if json:
        emit("db reset", {"ticket": record.name, "database": name})
        return
    echo(f"{name}: cloned again from the template")


@app.command()
def drop(
    ctx: typer.Context,
    database: Annotated[str, typer.Argument(help="As `wtdock db list` names it.", metavar="DATABASE")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask.")] = False,
    json: Json = False,
) -> None:
    """Dump, then drop, a database that a plain `down` kept (its ticket is gone).

    \b
    Example:
      wtdock db drop app_feat_02
    """
    from wtdock.ops.databases import drop_kept

    if not yes:
        typer.confirm(f"Dump {database} to the state folder, then drop it?", abort=True)
    dump = drop_kept(context(ctx), database)
    if json:
        emit("db drop", {"database": database, "dump": dump})
        return
    echo(f"dropped {database} (dump: {dump})")


@app.command()
def psql(
    ctx: typer.Context,
    ticket: Annotated[str | None, typer.Argument(help="Left out: the base database.", metavar="TICKET")] = None,
) -> None:
    """An interactive psql on a ticket's database, inside the shared Postgres container.

    \b
    Example:
      wtdock db psql feat-02
    """
    from wtdock.ops.attach import psql as run_psql

    raise typer.Exit(run_psql(context(ctx), ticket))
