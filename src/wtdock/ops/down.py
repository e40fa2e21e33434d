"""`wtdock stop` and `wtdock down`: stop a ticket, or remove it without ever losing work."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path

from wtdock import engine, gitops
from wtdock.errors import GitError, RefusedError, WtdockError
from wtdock.faults import crash_point
from wtdock.ops import databases, guard, redis_numbers
from wtdock.ops.context import Context
from wtdock.ops.keep import keep_work
from wtdock.ops.records import ensure_file, find_record
from wtdock.ops.rescue import Item
from wtdock.ops.worktree_steps import lock_reason
from wtdock.plan.model import LABEL_DEPENDENCY, LABEL_TICKET, LABEL_WORKSPACE
from wtdock.registry import TicketRecord


@dataclass(frozen=True)
class Done:
    """One thing `down` removed or kept, as data: ``kind`` (containers, worktree, worktree metadata,
    adopted worktree, branch, database, redis, registry entry, rescue), what it is, its repo, and
    ``text``, the line `down` prints."""

    kind: str
    what: str
    text: str
    repo: str | None = None

    def __str__(self) -> str:
        return self.text


@dataclass
class DownResult:
    ticket: str
    removed: list[Done] = field(default_factory=list)
    kept: list[Done] = field(default_factory=list)
    rescues: list[Item] = field(default_factory=list)


@dataclass(frozen=True)
class StopResult:
    ticket: str
    project: str


def stop(ctx: Context, name: str) -> StopResult:
    """Stop the ticket's containers; worktrees, ports and data stay, and `up` resumes it."""
    record = find_record(ctx, name)
    with ctx.lock(f"ticket-{record.slug}"):
        project = ctx.ws.ticket_project(record.slug)
        engine.compose_stop(project, ensure_file(ctx, record))
    return StopResult(record.name, project)


def down(
    ctx: Context, name: str, *, keep_worktrees: bool, force: bool, drop_data: bool, dump: bool = True
) -> DownResult:
    """Remove a ticket: containers, then (unless kept) the worktrees wtdock made, then its registry
    entry. Refuses, listing them, when a worktree holds uncommitted changes, untracked files or
    commits no other branch or remote has, unless ``force``. Branches are always kept; before a
    worktree goes, its commits on no ref, its uncommitted work (``force``) and its ignored files
    are kept in rescues (`wtdock rescue`). ``dump``: with ``drop_data``, dump the database first
    (a test stack's throwaway data is dropped without)."""
    record = find_record(ctx, name)
    if record.test is not None:
        # A test stack's data is throwaway: `down` of a kept one (--wtdock-keep) leaves nothing either.
        drop_data, dump = True, False
    result = DownResult(record.name)
    with ctx.lock(f"ticket-{record.slug}"):
        risks = {} if keep_worktrees else guard.risks(record)
        blocking = [
            f"{repo}: {line}" for repo, risk in risks.items() for line in guard.describe(risk) if risk.blocking
        ]
        if blocking and not force:
            raise RefusedError(
                f"ticket {record.name} has work that removing its worktrees would lose",
                details=blocking,
                hint=f"commit and push it, or `wtdock down {record.name} --keep-worktrees`, "
                "or --force (it keeps every commit and uncommitted file in rescue refs)",
            )
        # Every precondition before anything is touched: a stopped shared Postgres must not be found
        # out after the containers and worktrees are gone.
        drop = databases.prepare_drop(ctx, record) if drop_data else None
        try:
            _take_down(ctx, record, result, keep_worktrees=keep_worktrees, force=force, drop=drop, keep=bool(risks),
                       dump=dump)
        except WtdockError as err:
            _note_done(err, result)
            raise
        if record.test is not None:
            # Its name is never used again. (A kept ticket's lock stays: a waiting `up` of the same
            # name holds the old file while a new one would let a third command in.)
            (ctx.ws.lock_dir / f"ticket-{record.slug}.lock").unlink(missing_ok=True)
    return result


def _take_down(
    ctx: Context, record: TicketRecord, result: DownResult, *, keep_worktrees: bool, force: bool,
    drop: databases.Drop | None, keep: bool, dump: bool,
) -> None:
    # The dump first: if it fails, nothing is removed.
    dumped = databases.dump(ctx, drop) if drop is not None and dump else None
    project = ctx.ws.ticket_project(record.slug)
    if keep:
        # Before any worktree goes; if keeping fails, nothing is removed.
        for item, line in _keep_work(ctx, record, project, force=force):
            result.rescues.append(item)
            result.kept.append(Done("rescue", item.id, line, item.repo))
        crash_point("down:kept")
    _remove_containers(ctx, record, project)
    crash_point("down:containers")
    result.removed.append(Done("containers", project, f"containers of {project}"))
    # Rebuilt by the next setup (or copied from another ticket): never the user's work.
    for volume in engine.remove_volumes(dependency_volumes_of(ctx, record)):
        result.removed.append(Done("volume", volume, f"dependency volume {volume}"))
    # Worktrees before data: if git refuses, the ticket stays whole and `down` can run again.
    _remove_worktrees(ctx, record, keep=keep_worktrees, force=force, result=result)
    crash_point("down:worktrees")
    if drop is not None:
        databases.forget(ctx, drop)
        how = f" (dump: {dumped})" if dumped else ""
        result.removed.append(Done("database", drop.database, f"database {drop.database}{how}"))
    elif record.database in ctx.registry.read().databases:
        text = f"database {record.database} (`wtdock db list`; --drop-data removes it)"
        result.kept.append(Done("database", record.database, text))
    if emptied := redis_numbers.release_redis(ctx, record.redis_db):
        result.removed.append(Done("redis", str(record.redis_db), emptied))
    with ctx.registry.update() as state:
        state.tickets.pop(record.slug, None)
    held = ", ".join(map(str, sorted(record.ports.values()))) or "none"
    result.removed.append(Done("registry entry", record.name, f"registry entry (ports {held})"))
    _tidy_folders(ctx, record)


def dependency_volumes_of(ctx: Context, record: TicketRecord) -> list[str]:
    """The ticket's dependency volumes, by the engine's labels (also those of renamed services)."""
    return engine.volumes(f"{LABEL_WORKSPACE}={ctx.ws.name}", f"{LABEL_TICKET}={record.name}", LABEL_DEPENDENCY)


def _note_done(err: WtdockError, result: DownResult) -> None:
    """Add to the error what `down` had already done when it failed (run it again to finish)."""
    if result.removed:
        err.details = (*err.details, *(f"already removed: {done}" for done in result.removed))
        err.hint = err.hint or f"fix that, then `wtdock down {result.ticket}` again finishes the job"


def _keep_work(ctx: Context, record: TicketRecord, project: str, *, force: bool) -> list[tuple[Item, str]]:
    """Stop the containers (an app writing into a worktree after its work was kept would lose what
    it wrote; stopped, not removed, so `up` resumes them if keeping fails), then keep what removing
    the worktrees would lose: commits, uncommitted files with ``force``, ignored files."""
    try:
        file = ensure_file(ctx, record)
    except (WtdockError, KeyError):
        file = None  # not renderable: `_remove_containers` removes them by label, and says so
    if file is not None:
        engine.compose_stop(project, file)
    crash_point("down:stopped")
    return keep_work(ctx, record, force=force)


def _remove_containers(ctx: Context, record: TicketRecord, project: str) -> None:
    try:
        file = ensure_file(ctx, record)
    except (WtdockError, KeyError) as err:
        # The config changed under the ticket (a repo or service renamed): its file cannot be
        # written again, but Compose's labels still find every container of the project.
        ctx.say(f"{record.name}: its compose file cannot be rendered ({err}); removing its containers by label")
        engine.remove_project(project)
        return
    engine.compose_down(project, file, volumes=True)


def _remove_worktrees(ctx: Context, record: TicketRecord, *, keep: bool, force: bool, result: DownResult) -> None:
    reason = lock_reason(ctx.ws, record.name)
    for repo, rec in record.repos.items():
        path = Path(rec.path)
        repo_path = Path(rec.repo_path)
        if not rec.created_worktree:
            # Nothing in an adopted worktree is wtdock's but the note it wrote there, if it did.
            if rec.marked and path.is_dir():
                gitops.unmark_worktree(path, ctx.ws.config_file)
            text = f"{repo}: adopted worktree {path} (not wtdock's to remove)"
            result.kept.append(Done("adopted worktree", str(path), text, repo))
        elif keep:
            with contextlib.suppress(GitError):
                gitops.unlock_worktree(repo_path, path)
            result.kept.append(Done("worktree", str(path), f"{repo}: worktree {path} (unlocked; yours now)", repo))
        elif path.is_dir():
            gitops.remove_worktree(repo_path, path, force=force, reason=reason)
            crash_point("down:worktree")
            result.removed.append(Done("worktree", str(path), f"{repo}: worktree {path}", repo))
        elif gitops.find_worktree(repo_path, path) is not None:
            # Deleted by hand: its metadata is locked (no prune drops it) and would keep the branch
            # "checked out", so a new `up` of the ticket could not use it.
            gitops.remove_worktree(repo_path, path, force=False, reason=reason)
            text = f"{repo}: metadata of the deleted worktree {path}"
            result.removed.append(Done("worktree metadata", str(path), text, repo))
        if rec.branch and (rec.created_branch or rec.created_worktree):
            result.kept.append(Done("branch", rec.branch, f"{repo}: branch {rec.branch}", repo))


def _tidy_folders(ctx: Context, record: TicketRecord) -> None:
    """Remove the ticket's now-empty folders; never anything that still holds a file."""
    ticket_dir = ctx.ws.ticket_dir(record.slug)
    (ticket_dir / "compose.yaml").unlink(missing_ok=True)
    (ticket_dir / "compose.run.yaml").unlink(missing_ok=True)
    for folder in (ticket_dir, ctx.ws.worktrees_dir / record.slug):
        with contextlib.suppress(OSError):
            folder.rmdir()
