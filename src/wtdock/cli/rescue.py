"""`wtdock rescue ...`: the commits, uncommitted work and ignored files `down` kept, and the way back."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from wtdock.cli.common import context
from wtdock.cli.output import echo, emit, table

app = typer.Typer(
    help="What `wtdock down` kept before it removed a worktree: commits, uncommitted work, ignored files.",
    no_args_is_help=True,
    epilog="\b\nExample:\n  wtdock rescue list",
)
_WORDS = {"uncommitted": "uncommitted work"}
Json = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]
RescueId = Annotated[str, typer.Argument(metavar="ID", help="As `wtdock rescue list` prints it, e.g. feat-02/api/1.")]


@app.command("list")
def list_(
    ctx: typer.Context,
    ticket: Annotated[str | None, typer.Argument(help="Only this ticket's.", metavar="TICKET")] = None,
    json: Json = False,
) -> None:
    """Every rescue: id, ticket, repo, kind, when, and what it holds.

    \b
    Example:
      wtdock rescue list feat-02
    """
    from wtdock.ops.rescue import list_rescues

    found = list_rescues(context(ctx), ticket)
    if json:
        emit("rescue list", {"rescues": found})
        return
    if not found:
        echo("nothing rescued" + (f" of ticket {ticket}" if ticket else ""))
        return
    table([[r.id, r.ticket, r.repo, r.kind, r.when, r.summary] for r in found],
          headers=["ID", "TICKET", "REPO", "KIND", "WHEN", "SUMMARY"])


@app.command()
def show(ctx: typer.Context, rescue_id: RescueId, json: Json = False) -> None:
    """A kept commit's message and the files it changes, or the ignored files kept.

    \b
    Example:
      wtdock rescue show feat-02/api/1
    """
    from wtdock.ops.rescue import show as run_show

    detail = run_show(context(ctx), rescue_id)
    if json:
        emit("rescue show", detail)
        return
    r = detail.rescue
    echo(f"{r.id}  {_WORDS.get(r.kind, r.kind)} of ticket {r.ticket}, repo {r.repo}, {r.when}")
    if r.ref:
        echo(f"ref {r.ref} (commit {r.commit})")
    echo()
    for line in detail.message.splitlines():
        echo(f"    {line}".rstrip())
    echo()
    echo("files:" if detail.files else "files: none")
    for line in detail.files:
        echo(f"  {line}")
    if detail.left_out:
        echo("not kept:")
        for line in detail.left_out:
            echo(f"  {line}")


@app.command()
def restore(
    ctx: typer.Context,
    rescue_id: RescueId,
    into: Annotated[Path | None, typer.Option("--into", help="Where uncommitted work or ignored files go "
                                              "(default: the ticket's worktree, if it exists again).",
                                              metavar="PATH")] = None,
    branch: Annotated[str | None, typer.Option("--branch", help="A commit's new branch (default "
                                               "rescue/<slug>-<repo>-<n>); uncommitted work: a branch at "
                                               "its commit instead.", metavar="BRANCH")] = None,
    json: Json = False,
) -> None:
    """Bring a rescue back: a commit as a new branch, uncommitted work as uncommitted changes, ignored
    files as copies (never over a file that exists).

    \b
    Example:
      wtdock rescue restore feat-02/api/1 --branch keep/experiment
    """
    from wtdock.ops.rescue import restore as run_restore

    done = run_restore(context(ctx), rescue_id, into=into, branch=branch)
    if json:
        emit("rescue restore", done)
        return
    r = done.rescue
    if done.branch:
        echo(f"restored {r.id} as branch {done.branch} (at {str(r.commit)[:12]})")
    elif r.kind == "uncommitted":
        echo(f"restored {r.id} into {done.into} as uncommitted changes:")
    else:
        echo(f"restored {r.id} into {done.into}: {len(done.files)} file(s) copied")
    for line in done.files:
        echo(f"  {line}")
    if done.skipped:
        echo(f"left as they were (they exist): {', '.join(done.skipped)}")
    if done.conflicts:
        echo(f"conflicts in {', '.join(done.conflicts)}: both versions are in those files, "
             "between <<<<<<< and >>>>>>> markers")
    echo(f"`wtdock rescue drop {r.id}` forgets the rescue once you no longer need it")


@app.command()
def drop(
    ctx: typer.Context,
    rescue_id: RescueId,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask.")] = False,
    json: Json = False,
) -> None:
    """Forget a rescue: its ref goes (git's gc then prunes the commit), or its copied files.

    \b
    Example:
      wtdock rescue drop feat-02/api/1 --yes
    """
    from wtdock.ops.rescue import drop as run_drop
    from wtdock.ops.rescue import find

    wctx = context(ctx)
    if not yes:
        found = find(wctx, rescue_id)
        typer.confirm(f"Drop rescue {found.id} ({found.kind}: {found.summary})? What it holds is then gone.",
                      abort=True)
    dropped = run_drop(wctx, rescue_id)
    if json:
        emit("rescue drop", {"rescue": dropped})
        return
    echo(f"dropped {dropped.id}")
