"""What `up` will make for a ticket's repos (new worktrees, checked-out branches, adopted
worktrees), checked with read-only git calls before anything is made."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from wtdock import gitops
from wtdock.errors import NotFoundError, RefusedError, UserError
from wtdock.ops.context import Context
from wtdock.plan.wiring import required_repos
from wtdock.registry import RepoRecord, TicketRecord
from wtdock.workspace import Workspace

Mode = Literal["from", "checkout", "worktree", "borrow", "detach"]
MODES: tuple[Mode, ...] = ("from", "checkout", "worktree")  # the CLI's; the others are test stacks'



@dataclass(frozen=True)
class RepoRequest:
    """``--from REPO=REF``, ``--checkout REPO=BRANCH`` or ``--worktree REPO=PATH``; for a test
    stack, ``borrow`` (REPO=PATH of a checkout, used as it is) or ``detach`` (REPO=REF, a detached
    worktree of its own)."""

    repo: str
    mode: Mode
    value: str


@dataclass(frozen=True)
class Step:
    """A worktree to make (or adopt) for a ticket, checked before anything is made."""

    repo: str
    repo_path: Path
    git_dir: Path
    path: Path
    branch: str | None
    start_point: str | None  # set: a new branch off it; None: an existing branch or worktree
    adopt: bool = False
    resumed: bool = False  # made by an `up` of this ticket that was killed before it recorded it
    borrowed: bool = False  # a test stack's view of a checkout: never marked, locked or removed
    remade: bool = False  # recorded, but `git worktree remove` took it (see `removed_by_git`): made again
    # What ``start_point`` named when it was checked: the new branch's first commit, unless the
    # start point moved meanwhile (then older: more commits count as the ticket's, never fewer).
    start_commit: str | None = None


def lock_reason(ws: Workspace, ticket: str) -> str:
    """The lock reason of the worktrees wtdock makes: it names the ticket and the workspace."""
    return f"wtdock: ticket {ticket} of workspace {ws.name}"


def lock_owner(reason: str | None) -> tuple[str, str] | None:
    """The (ticket, workspace) a lock reason of :func:`lock_reason` names, or None."""
    match = re.fullmatch(r"wtdock: ticket (\S+) of workspace (\S+)", reason or "")
    return (match.group(1), match.group(2)) if match else None


def locked_by_wtdock(reason: str | None, ws: Workspace | None = None) -> bool:
    """Whether a worktree's lock reason is one :func:`lock_reason` wrote (for ``ws``, if given)."""
    reason = reason or ""
    return reason.startswith("wtdock:") and (ws is None or reason.endswith(f" of workspace {ws.name}"))


def ticket_branch(ws: Workspace, ticket: str) -> str:
    """The branch wtdock makes for a ticket, from the config's ``branch`` pattern."""
    return ws.config.branch.format(ticket=ticket)


def check_worktrees_exist(record: TicketRecord) -> None:
    """A worktree deleted by hand cannot be bind-mounted: say so, not what the engine says."""
    gone = [
        f"{repo} ({rec.path})" for repo, rec in record.repos.items()
        if not Path(rec.path).is_dir() and not removed_by_git(rec)
    ]
    if gone:
        raise NotFoundError(
            f"ticket {record.name}: the worktree of {', '.join(gone)} is gone",
            hint=f"`wtdock down {record.name}` clears the rest (branches are kept), then `wtdock up` makes it again",
        )


def removed_by_git(rec: RepoRecord) -> bool:
    """A worktree wtdock made whose folder and git's record of it are both gone: `git worktree
    remove` took it (a `down` killed half-way), which it never does to a worktree with work in it,
    so `up` makes it again on its branch. Deleted by hand, git still has its record: refused."""
    return (
        rec.created_worktree and rec.branch is not None and not rec.borrowed and not Path(rec.path).is_dir()
        and gitops.find_worktree(Path(rec.repo_path), Path(rec.path)) is None
    )


def index_requests(ws: Workspace, requests: Sequence[RepoRequest]) -> dict[str, RepoRequest]:
    by_repo: dict[str, RepoRequest] = {}
    for req in requests:
        if not (given := f"{req.repo}={req.value}").isprintable():
            # No repo, ref, branch or worktree path holds one; a NUL would crash the git call (a
            # program passes any string: the CLI cannot send a NUL, a JSON request can).
            raise UserError(f"--{req.mode} {given!r}: it contains a control or unprintable character")
        if req.repo not in ws.config.repos:
            raise NotFoundError(
                f"--{req.mode} {req.repo}=...: no repo {req.repo!r} in {ws.config_file}",
                hint=f"repos: {', '.join(ws.config.repos) or 'none defined'}",
            )
        if req.repo in by_repo:
            raise UserError(f"repo {req.repo!r} is given twice (--from, --checkout, --worktree)")
        by_repo[req.repo] = req
    return by_repo


def check_steps(
    ctx: Context,
    name: str,
    slug: str,
    *,
    existing: TicketRecord | None,
    by_repo: dict[str, RepoRequest],
    notices: list[str],
    choices: Mapping[str, str] | None = None,
) -> list[Step]:
    """Check every repo, ref and branch with read-only git calls: a bad one fails here, before
    anything is made."""
    ws = ctx.ws
    have = existing.repos if existing else {}
    for repo in by_repo.keys() & have.keys():
        _same_as_recorded(name, repo, by_repo[repo], have[repo])
    branched = set(have) | set(by_repo)
    steps = [_remade(ctx, name, repo, rec, notices) for repo, rec in have.items() if removed_by_git(rec)]
    for repo in required_repos(ws.config, branched, choices):
        if repo in have:
            continue
        repo_path, git_dir = gitops.checkout_dirs(ws.repo_path(repo))
        path = ws.worktree_path(slug, repo)
        req = by_repo.get(repo)
        branch = ticket_branch(ws, name)
        if req is not None and req.mode in ("borrow", "detach"):
            steps.append(_test_step(Step(repo, repo_path, git_dir, path, None, None), req))
        elif (req is None or req.mode != "worktree") and (left := _left_by_killed_up(ws, name, repo_path, path)):
            wanted = req.value if req is not None and req.mode == "checkout" else branch
            taken = Step(repo, repo_path, git_dir, path, left.branch, None, resumed=True)
            steps.append(_take_over(name, taken, wanted))
            notices.append(f"{repo}: taking over the worktree an interrupted `up` made at {path}")
        elif req is not None and req.mode == "worktree":
            steps.append(_adopt(ctx, name, Step(repo, repo_path, git_dir, path, None, None, adopt=True), req.value))
        elif req is not None and req.mode == "checkout":
            _check_checkout(ctx, repo, repo_path, req.value)
            steps.append(Step(repo, repo_path, git_dir, path, req.value, None))
        else:
            gitops.check_branch_name(repo_path, branch)
            exists, blocker = gitops.branch_state(repo_path, branch)
            if exists:
                if req is not None:
                    raise UserError(
                        f"branch {branch!r} already exists in repo {repo}",
                        hint=f"--checkout {repo}={branch} uses it as it is",
                    )
                _check_checkout(ctx, repo, repo_path, branch)
                notices.append(f"{repo}: reusing existing branch {branch}")
                steps.append(Step(repo, repo_path, git_dir, path, branch, None))
                continue
            if blocker:
                raise UserError(
                    f"branch {branch!r} cannot be created in repo {repo}: branch {blocker!r} exists",
                    hint="git keeps branches as paths; pick another ticket name, or change `branch` in wtdock.yaml",
                )
            start = req.value if req else base_ref(ws, repo, repo_path)
            commit = gitops.resolve_commit(repo_path, start)
            if commit is None:
                what = f"--from {repo}={start}" if req else f"base branch {start!r} (repos.{repo}.base)"
                raise NotFoundError(f"{what}: no such branch, tag or commit in {repo_path}")
            steps.append(Step(repo, repo_path, git_dir, path, branch, start, start_commit=commit))
    return steps


def base_ref(ws: Workspace, repo: str, repo_path: Path) -> str:
    """What a new ticket branch of ``repo`` starts from: ``repos.R.base``, else the repo's own
    default branch."""
    base = ws.config.repos[repo].base or gitops.default_branch(repo_path)
    if base is None:
        raise NotFoundError(
            f"repo {repo}: cannot tell its default branch (no origin/HEAD, a detached HEAD, no main or master)",
            hint=f"set repos.{repo}.base in {ws.config_file}, or give --from {repo}=REF",
        )
    return base


def _left_by_killed_up(ws: Workspace, name: str, repo_path: Path, path: Path) -> gitops.Worktree | None:
    """A worktree at this ticket's own path, locked by wtdock for this ticket, that the registry
    does not know: an `up` killed (no undo runs on SIGKILL) between making it and recording it."""
    if not path.is_dir():
        return None
    found = gitops.find_worktree(repo_path, path)
    return found if found is not None and found.locked == lock_reason(ws, name) else None


def _remade(ctx: Context, name: str, repo: str, rec: RepoRecord, notices: list[str]) -> Step:
    repo_path, branch = Path(rec.repo_path), str(rec.branch)
    if not gitops.branch_exists(repo_path, branch):
        raise NotFoundError(f"ticket {name}: the worktree of {repo} was removed and its branch {branch!r} is gone",
                            hint=f"`wtdock down {name}` clears the rest, then `wtdock up` makes it again")
    _check_checkout(ctx, repo, repo_path, branch)
    notices.append(f"{repo}: making again the worktree an interrupted `down` removed, on {branch}")
    return Step(repo, repo_path, Path(rec.git_dir), Path(rec.path), branch, None, remade=True)


def _take_over(name: str, left: Step, wanted: str) -> Step:
    """The worktree a killed `up` left, if it is on the branch this `up` asks for."""
    if left.branch != wanted:
        git = f"git -C {left.repo_path} worktree"
        raise RefusedError(
            f"an interrupted `up` of {name} left a worktree of {left.repo} at {left.path} on "
            f"{left.branch or 'a detached HEAD'}, not on {wanted}",
            hint=f"look at it, then `{git} unlock {left.path}` and `{git} remove {left.path}`",
        )
    return left


def _same_as_recorded(name: str, repo: str, req: RepoRequest, rec: RepoRecord) -> None:
    same = {
        "from": rec.created_branch and rec.start_point == req.value,
        "checkout": not rec.created_branch and rec.branch == req.value,
        "worktree": Path(req.value).resolve() == Path(rec.path).resolve(),
        "borrow": Path(req.value).resolve() == Path(rec.path).resolve(),
        "detach": rec.branch is None and rec.start_point == req.value,
    }[req.mode]
    if not same:
        raise RefusedError(
            f"ticket {name} already has repo {repo} at {rec.path} on branch {rec.branch}",
            hint=f"`wtdock down {name}` first to change it, or leave out --{req.mode} {repo}=...",
        )


def _check_checkout(ctx: Context, repo: str, repo_path: Path, branch: str) -> None:
    gitops.check_branch_name(repo_path, branch)
    if not gitops.branch_exists(repo_path, branch):
        raise NotFoundError(f"--checkout {repo}={branch}: no such branch in {repo_path}")
    found = gitops.worktrees(repo_path)
    for wt in found:
        if wt.branch == branch:
            primary = wt is found[0]
            owner = None if primary else _owner(ctx, wt)
            if primary:
                hint = f"--from {repo}={branch} makes a new ticket branch off it"
            elif owner is not None:
                hint = f"it is the worktree of ticket {owner}; --from {repo}={branch} makes a new ticket branch off it"
            else:
                hint = f"adopt that worktree with --worktree {repo}={wt.path}"
            raise UserError(
                f"branch {branch!r} of repo {repo} is already checked out at {wt.path}"
                + (" (the repo's primary checkout)" if primary else "")
                + (f" (ticket {owner})" if owner else ""),
                hint=hint,
            )


def _adopt(ctx: Context, name: str, step: Step, value: str) -> Step:
    """A worktree someone else made; never one that is another ticket's (wtdock made it for that
    ticket, or that ticket adopted it): its `down` would delete it under this one."""
    repo = step.repo
    path = Path(value).expanduser().resolve()
    found = gitops.worktrees(step.repo_path)
    match = next((w for w in found if w.path.resolve() == path), None)
    if match is None:
        raise NotFoundError(f"--worktree {repo}={value}: not a worktree of {step.repo_path}")
    if match is found[0]:
        raise UserError(f"--worktree {repo}={value}: that is the repo's primary checkout, not a worktree")
    owner = _owner(ctx, match)
    if owner is not None and owner != name:
        raise RefusedError(
            f"--worktree {repo}={value}: that worktree belongs to ticket {owner}",
            hint=f"work in ticket {owner} (`wtdock env {owner}`), or `wtdock down {owner} --keep-worktrees` "
            "hands it over first",
        )
    return Step(repo, step.repo_path, step.git_dir, path, match.branch, None, adopt=True)


def _test_step(step: Step, req: RepoRequest) -> Step:
    """A test stack's repo: a checkout it borrows as it is on disk, or a detached worktree at a ref."""
    if req.mode == "detach":
        if gitops.resolve_commit(step.repo_path, req.value) is None:
            raise NotFoundError(f"{step.repo}={req.value}: no such branch, tag or commit in {step.repo_path}")
        return Step(step.repo, step.repo_path, step.git_dir, step.path, None, req.value)
    return _borrow(step, req.value)


def _borrow(step: Step, value: str) -> Step:
    """A checkout of the repo (its primary one or any worktree) that a test stack mounts as it is."""
    path = Path(value).resolve()
    match = next((w for w in gitops.worktrees(step.repo_path) if w.path.resolve() == path), None)
    if match is None:
        raise NotFoundError(f"{step.repo}: {value} is not a checkout of {step.repo_path}")
    return Step(step.repo, step.repo_path, step.git_dir, path, match.branch, None, adopt=True, borrowed=True)


def _owner(ctx: Context, worktree: gitops.Worktree) -> str | None:
    """The ticket a worktree belongs to: the one wtdock locked it for (in any workspace), or the one
    of this workspace that recorded it."""
    if (locked := lock_owner(worktree.locked)) is not None:
        ticket, workspace = locked
        return ticket if workspace == ctx.ws.name else f"{ticket} of workspace {workspace}"
    real = worktree.path.resolve()
    for record in ctx.registry.read().tickets.values():
        if record.test is None and any(Path(r.path).resolve() == real for r in record.repos.values()):
            return record.name
    return None
