"""What `down` keeps of a ticket's worktrees before it removes them: no commit and no file is lost.

Run after the ticket's containers stopped (nothing writes into the worktrees any more) and before
any worktree goes. Every commit that only a worktree holds gets a rescue ref; with ``--force``, the
modified, deleted and untracked files are saved as a commit on one; ignored files are copied to
the workspace's state folder (see :mod:`wtdock.ops.rescue`). Everything is looked at first, then
kept, repo by repo; when something fails, the error says what was kept, and `down` removes nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from wtdock import gitops
from wtdock.errors import ToolError, UnavailableError, WtdockError
from wtdock.files import private_dir
from wtdock.ops import ignored
from wtdock.ops.context import Context
from wtdock.ops.rescue import MANIFEST, Item, Manifest, make_id, numbers_in_use, ref_name, rescue_dir, write_manifest
from wtdock.registry import RepoRecord, TicketRecord


@dataclass(frozen=True)
class _Plan:
    """What to keep of one worktree, found with read-only calls."""

    repo: str
    rec: RepoRecord
    commits: list[gitops.Commit]
    dirty: list[str]
    files: ignored.Selection
    first: int


@dataclass
class _Run:
    ctx: Context
    record: TicketRecord
    when: dt.datetime
    folder: Path | None = None
    items: list[Item] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)


def keep_work(ctx: Context, record: TicketRecord, *, force: bool) -> list[tuple[Item, str]]:
    """Keep what removing the ticket's worktrees would lose; returns each rescue with `down`'s line."""
    run = _Run(ctx, record, dt.datetime.now(dt.UTC))
    try:
        plans = [
            _plan(ctx, record, repo, rec, force)
            for repo, rec in record.repos.items()
            if rec.created_worktree and Path(rec.path).is_dir()
        ]
        for plan in plans:
            _keep(run, plan)
    except (WtdockError, OSError) as err:
        raise _failed(err, run) from err
    finally:
        if run.items and run.folder is not None:
            manifest = Manifest(ticket=record.name, slug=record.slug, when=_iso(run.when), items=run.items)
            write_manifest(run.folder / MANIFEST, manifest)
    return list(zip(run.items, run.lines, strict=True))


def _plan(ctx: Context, record: TicketRecord, repo: str, rec: RepoRecord, force: bool) -> _Plan:
    path = Path(rec.path)
    files = gitops.files_at_risk(path)
    selection = ignored.select(path, Path(rec.repo_path), files.ignored, dependencies=_dependency_folders(ctx, repo))
    # Only the user's own files (an `.env` too big to keep): what tools rebuild is no loss.
    if selection.left_out:
        ctx.say(f"warning: {repo}: ignored files not kept: {_few(list(selection.left_out))}")
    return _Plan(
        repo=repo,
        rec=rec,
        commits=gitops.lost_commits(path, rec.start_commit),
        dirty=[*files.changed, *files.untracked] if force else [],
        files=selection,
        first=max(numbers_in_use(ctx.ws, record.slug, repo), default=0) + 1,
    )


def _dependency_folders(ctx: Context, repo: str) -> list[str]:
    """The dependency folders of the repo's services (``dependencies``, below their workdir),
    relative to the worktree: installed again by setup, never kept."""
    found = []
    for svc in ctx.ws.config.services.values():
        if svc.repo == repo:
            # The `dependencies` key comes with per-worktree setup; a config without it has none.
            found += [str(PurePosixPath(svc.workdir) / dep) for dep in getattr(svc, "dependencies", None) or ()]
    return found


def _keep(run: _Run, plan: _Plan) -> None:
    path, n = Path(plan.rec.path), plan.first
    refs: dict[str, str] = {}
    pending: list[tuple[Item, str]] = []
    for tip in gitops.tips(plan.commits):
        rescue_id = make_id(run.record.slug, plan.repo, n)
        before = _ancestors(tip, plan.commits)
        summary = f"{tip.short} {tip.subject}" + (f" (+{before} before it)" if before else "")
        ref = ref_name(run.ctx.ws, rescue_id, "commit")
        refs[ref] = tip.sha
        pending.append((Item(id=rescue_id, repo=plan.repo, kind="commit", summary=summary, ref=ref, commit=tip.sha),
                        f"{plan.repo}: commit {summary} in rescue {rescue_id} "
                        f"(wtdock rescue restore {rescue_id} makes it a branch)"))
        n += 1
    rescue_id = make_id(run.record.slug, plan.repo, n)
    if plan.dirty and (sha := gitops.snapshot(path, _message(run, plan, rescue_id))):
        ref = ref_name(run.ctx.ws, rescue_id, "uncommitted")
        refs[ref] = sha
        summary = f"{_files(len(plan.dirty))}: {_few(plan.dirty)}"
        pending.append((Item(id=rescue_id, repo=plan.repo, kind="uncommitted", summary=summary, ref=ref, commit=sha),
                        f"{plan.repo}: uncommitted work in rescue {rescue_id} "
                        f"(wtdock rescue restore {rescue_id} --into PATH)"))
        n += 1
    if refs:
        _folder(run)  # the record of this `down` goes there, whatever else it keeps
        gitops.create_refs(path, refs)  # one transaction: all of this repo's refs, or none
        for item, line in pending:
            run.items.append(item)
            run.lines.append(line)
    if plan.files.files:
        _keep_files(run, plan, n)


def _keep_files(run: _Run, plan: _Plan, n: int) -> None:
    rescue_id = make_id(run.record.slug, plan.repo, n)
    target = _folder(run) / plan.repo
    ignored.copy(Path(plan.rec.path), plan.files.files, target)
    files = list(plan.files.files)
    run.items.append(Item(id=rescue_id, repo=plan.repo, kind="ignored files",
                          summary=f"{_files(len(files))}: {_few(files)}", files=files,
                          left_out=list(plan.files.not_kept)))
    run.lines.append(f"{plan.repo}: ignored files {_few(files)} in rescue {rescue_id} at {target} "
                     f"(wtdock rescue restore {rescue_id} --into PATH)")


def _folder(run: _Run) -> Path:
    """This `down`'s folder, ``.wtdock/rescue/<slug>/<UTC-stamp>``, made on first use (0700)."""
    if run.folder is None:
        run.ctx.ensure_state_dir()
        base = rescue_dir(run.ctx.ws) / run.record.slug / run.when.strftime("%Y%m%dT%H%M%SZ")
        folder, i = base, 1
        while folder.exists():  # two downs of one ticket in the same second
            i += 1
            folder = base.with_name(f"{base.name}-{i}")
        run.folder = private_dir(folder)
    return run.folder


def _message(run: _Run, plan: _Plan, rescue_id: str) -> str:
    head = plan.rec.branch or "a detached HEAD"
    return (
        f"wtdock rescue: uncommitted work of ticket {run.record.name}, repo {plan.repo}, {_iso(run.when)}\n\n"
        f"Saved by `wtdock down --force` before it removed the worktree {plan.rec.path}\n"
        f"(on {head}): its modified, deleted and untracked files, staged or not. Ignored files\n"
        "are not in here.\n\n"
        f"Bring it back: wtdock rescue restore {rescue_id} --into PATH\n"
    )


def _ancestors(tip: gitops.Commit, commits: list[gitops.Commit]) -> int:
    """How many of ``commits`` are ancestors of ``tip`` (kept by its ref too)."""
    by_sha = {c.sha: c for c in commits}
    seen: set[str] = set()
    todo = list(tip.parents)
    while todo:
        sha = todo.pop()
        if sha in by_sha and sha not in seen:
            seen.add(sha)
            todo.extend(by_sha[sha].parents)
    return len(seen)


def _failed(err: WtdockError | OSError, run: _Run) -> WtdockError:
    what = err.message if isinstance(err, WtdockError) else f"{err.strerror}: {err.filename}"
    name = run.record.name
    message = f"down {name}: could not keep its work ({what}); no worktree was removed"
    details = [
        *(f"kept    {line}" for line in run.lines),
        f"its containers are stopped (`wtdock up {name}` starts them again)",
    ]
    hint = f"fix that, then `wtdock down {name}` again (what was kept stays: `wtdock rescue list {name}`)"
    if isinstance(err, ToolError):
        return type(err)(message, hint=hint, details=details, command=err.command, returncode=err.returncode,
                         stdout=err.stdout, stderr=err.stderr)
    if isinstance(err, WtdockError):
        return type(err)(message, hint=hint, details=details)
    return UnavailableError(message, hint=hint, details=details)


def _iso(when: dt.datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def _files(count: int) -> str:
    return f"{count} file{'' if count == 1 else 's'}"


def _few(items: list[str], limit: int = 5) -> str:
    more = f" (+{len(items) - limit} more)" if len(items) > limit else ""
    return ", ".join(items[:limit]) + more
