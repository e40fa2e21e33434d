"""`wtdock hook claude-code create|remove|install`: Claude Code's worktree hooks. Claude Code reads
stdout as the hook's answer, so while a hook works everything that would go there (progress,
libraries, child processes such as git and Compose) goes to stderr; its one line comes after."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from wtdock.cli.output import echo, progress, quiet

if TYPE_CHECKING:
    from wtdock.ops.context import Context

EXAMPLE = "\b\nExample:\n  wtdock hook claude-code install"
app = typer.Typer(help="Hooks other tools run.", no_args_is_help=True, rich_markup_mode=None, epilog=EXAMPLE)
claude = typer.Typer(
    help="Claude Code's WorktreeCreate / WorktreeRemove hooks: a session's worktree is a whole ticket.",
    no_args_is_help=True, rich_markup_mode=None, epilog=EXAMPLE,
)
app.add_typer(claude, name="claude-code")


@contextlib.contextmanager
def stdout_to_stderr() -> Iterator[None]:
    """Send stdout to stderr while the block runs: Python's writes, and what child processes
    inherit as file descriptor 1."""
    sys.stdout.flush()
    try:
        saved: int | None = os.dup(1)
    except OSError:
        saved = None  # no stdout at all: nothing can reach it
    if saved is not None:
        os.dup2(2, 1)
    before = sys.stdout
    sys.stdout = sys.stderr
    try:
        yield
    finally:
        sys.stderr.flush()
        sys.stdout = before
        if saved is not None:
            os.dup2(saved, 1)
            os.close(saved)


def _payload(event: str) -> str:
    from wtdock.errors import UserError
    from wtdock.ops.claude_hooks import first_object

    if sys.stdin is None or sys.stdin.isatty():
        # Run by hand: say what it wants rather than wait for input that will not come.
        raise UserError(f"{event} hook: no payload on stdin", hint="Claude Code pipes its JSON payload in; "
                        "`wtdock hook claude-code install` adds the hooks to a repo's .claude/settings.json")
    return first_object(sys.stdin)


def _context(ctx: typer.Context, start: Path) -> Context:
    from wtdock.ops.context import Context
    from wtdock.workspace import Workspace

    options = ctx.find_root().obj or {}
    ws = Workspace.load(start, explicit=options.get("workspace"))
    return Context(ws, say=quiet if options.get("quiet") else progress)


def _session_cwd(cwd: Path | None) -> Path:
    return cwd or Path(os.environ.get("CLAUDE_PROJECT_DIR") or Path.cwd())


@claude.command()
def create(ctx: typer.Context) -> None:
    """WorktreeCreate: make the ticket named by the payload's worktree name (the repo the session
    runs in branched, every repo from the workspace folder, its stack started and healthy) and print
    the absolute path of the session's worktree, nothing else.

    \b
    Example:
      echo '{"name": "feat-02", "cwd": "'$PWD'/api"}' | wtdock hook claude-code create
    """
    from wtdock.ops.claude_hooks import CREATE, parse_create
    from wtdock.ops.claude_hooks import create as run_create

    with stdout_to_stderr():
        payload = parse_create(_payload(CREATE))
        cwd = _session_cwd(payload.cwd)
        wctx = _context(ctx, cwd)
        made = run_create(wctx, payload, cwd)
        for notice in made.up.notices:
            wctx.say(f"note: {notice}")
        wctx.say(f"{made.ticket}: {made.up.action} (project {made.up.ticket.project}); worktree {made.path}")
    echo(str(made.path))


@claude.command()
def remove(ctx: typer.Context) -> None:
    """WorktreeRemove: `wtdock down` the ticket of the payload's worktree_path, with its rules: work
    no branch or remote has (uncommitted files, unpushed commits) means nothing is removed and exit 3.

    \b
    Example:
      echo '{"worktree_path": "'$PWD'/.wtdock/worktrees/feat-02/api"}' | wtdock hook claude-code remove
    """
    from wtdock.ops.claude_hooks import REMOVE, parse_remove
    from wtdock.ops.claude_hooks import remove as run_remove

    with stdout_to_stderr():
        payload = parse_remove(_payload(REMOVE))
        start = payload.worktree_path if payload.worktree_path.exists() else _session_cwd(payload.cwd)
        wctx = _context(ctx, start)
        # Claude Code may run it in the worktree it takes away: git and Compose would then fail to
        # read their current folder.
        os.chdir(wctx.ws.root)
        result = run_remove(wctx, payload)
        if result is not None:
            wctx.say(f"{result.ticket}: down")
            for line in result.removed:
                wctx.say(f"  removed {line}")
            for line in result.kept:
                wctx.say(f"  kept    {line}")


@claude.command()
def install(
    ctx: typer.Context,
    repos: Annotated[list[str], typer.Argument(help="Repos of the workspace; all when left out.",
                                               metavar="[REPO]...")] = [],  # noqa: B006
    local: Annotated[bool, typer.Option("--local", help="Write .claude/settings.local.json (kept out of git).")]
    = False,
) -> None:
    """Add the two hooks to each repo's .claude/settings.json, keeping every other setting; a hook
    already there is not added again.

    \b
    Example:
      wtdock hook claude-code install api
    """
    from wtdock.ops.claude_settings import install as run_install
    from wtdock.workspace import Workspace

    options = ctx.find_root().obj or {}
    for done in run_install(Workspace.load(explicit=options.get("workspace")), repos, local=local):
        what = f"added {' and '.join(done.added)} hooks to" if done.added else "hooks already in"
        echo(f"{done.repo}: {what} {done.file}")
