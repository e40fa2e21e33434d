"""`wtdock shared ...`: the long-lived Postgres, Redis and event stream of the workspace."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from wtdock.cli.common import context
from wtdock.cli.output import echo, emit, table

if TYPE_CHECKING:
    from wtdock.ops.shared import SharedStatus

app = typer.Typer(help="The shared services every ticket uses.", no_args_is_help=True,
                  epilog="\b\nExample:\n  wtdock shared status")
Json = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]


def _show(status: SharedStatus) -> None:
    action = f": {status.action}" if status.action else ""
    echo(f"shared services of {status.workspace}{action} (project {status.project}, network {status.network})")
    rows = [
        [s.name, s.state + (f" ({s.health})" if s.health else ""), s.url or "-", f"[{s.branch}]" if s.branch else ""]
        for s in status.services
    ]
    table(rows, indent="  ")


@app.command()
def up(ctx: typer.Context, json: Json = False) -> None:
    """Start the shared services (a no-op when they already run) and wait until healthy.

    \b
    Example:
      wtdock shared up
    """
    from wtdock.ops.shared import shared_up

    result = shared_up(context(ctx))
    if json:
        emit("shared up", result)
    else:
        _show(result)


@app.command()
def status(ctx: typer.Context, json: Json = False) -> None:
    """Each shared service with its state and host URL.

    \b
    Example:
      wtdock shared status --json
    """
    from wtdock.ops.shared import shared_status

    result = shared_status(context(ctx))
    if json:
        emit("shared status", result)
    else:
        _show(result)


@app.command()
def env(ctx: typer.Context, json: Json = False) -> None:
    """Connection URLs for host tools (psql, redis-cli, ...), password included.

    \b
    Example:
      wtdock shared env > .env.shared
    """
    from wtdock.ops.shared import shared_env

    values = shared_env(context(ctx))
    if json:
        emit("shared env", {"env": values})
    else:
        for key, value in values.items():
            echo(f"{key}={value}")


@app.command()
def down(
    ctx: typer.Context,
    force: Annotated[bool, typer.Option("--force", help="Stop running tickets first.")] = False,
    volumes: Annotated[bool, typer.Option("--volumes", help="Also delete the data volumes.")] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask before deleting data.")] = False,
    json: Json = False,
) -> None:
    """Stop and remove the shared containers (the network too, once nothing is on it); data stays unless --volumes.

    \b
    Example:
      wtdock shared down --force
    """
    from wtdock.ops.shared import shared_down

    wctx = context(ctx)

    def confirm() -> None:
        if volumes and not yes:
            typer.confirm(
                f"Delete the data volumes of {wctx.ws.shared_project} (every ticket's databases)?", abort=True
            )

    result = shared_down(wctx, force=force, volumes=volumes, confirm=confirm)
    if json:
        emit("shared down", result)
        return
    for stopped in result.stopped:
        echo(f"stopped {stopped.project}: {', '.join(stopped.services)}")
    echo(f"removed {result.project}" + (" and its data volumes" if result.volumes_removed else " (data kept)"))
    if result.network:
        echo(result.network)


@app.command()
def logs(
    ctx: typer.Context,
    service: Annotated[str | None, typer.Argument(help="One service; all when left out.", metavar="SERVICE")] = None,
    follow: Annotated[bool, typer.Option("--follow", "-f", help="Keep printing new lines.")] = False,
) -> None:
    """Logs of the shared services (or of one).

    \b
    Example:
      wtdock shared logs postgres -f
    """
    from wtdock.ops.attach import shared_logs

    raise typer.Exit(shared_logs(context(ctx), service, follow=follow))


@app.command()
def render(ctx: typer.Context) -> None:
    """Write and print the shared project's complete compose file, without starting anything.

    \b
    Example:
      wtdock shared render
    """
    from wtdock.ops.shared import render_shared

    typer.echo(render_shared(context(ctx)), nl=False)
