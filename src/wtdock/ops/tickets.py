"""`wtdock up`: a ticket's worktrees, ports, data spaces and running Compose project."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from wtdock import engine, gitops, ports, yamlio
from wtdock.errors import NotFoundError, RefusedError, UnavailableError, UserError
from wtdock.names import ticket_slug
from wtdock.ops import data
from wtdock.ops.context import Context
from wtdock.ops.secrets import postgres_password
from wtdock.ops.shared import shared_up
from wtdock.ops.undo import Undo
from wtdock.ops.views import TicketView, allocations, outcome, start_reason, ticket_view, workspace_containers
from wtdock.plan.connections import database_name
from wtdock.plan.model import ProjectPlan, SharedAllocations
from wtdock.plan.ticket import header, plan_ticket
from wtdock.plan.wiring import dedicated_services, needs_data_space, required_repos
from wtdock.registry import RepoRecord, State, TicketRecord, locked, now, write_atomic
from wtdock.workspace import Workspace

MAX_PORT_RETRIES = 10
Mode = Literal["from", "checkout", "worktree"]
MODES: tuple[Mode, ...] = ("from", "checkout", "worktree")


@dataclass(frozen=True)
class RepoRequest:
    """``--from REPO=REF``, ``--checkout REPO=BRANCH`` or ``--worktree REPO=PATH``."""

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


@dataclass(frozen=True)
class UpResult:
    ticket: TicketView
    action: str
    notices: tuple[str, ...]


def up(ctx: Context, name: str, requests: Sequence[RepoRequest] = ()) -> UpResult:
    """Create or resume a ticket. Idempotent: an existing ticket keeps its worktrees and ports and
    only what is stopped or changed is (re)started."""
    ws = ctx.ws
    slug = ticket_slug(name)
    by_repo = _index_requests(ws, requests)
    notices: list[str] = []
    with ctx.lock(f"ticket-{slug}"):
        existing = ctx.registry.read().ticket(slug)
        if existing is not None and existing.name != name:
            raise UserError(
                f"ticket name {name!r} maps to {slug!r}, which ticket {existing.name!r} already uses",
                hint=f"use {existing.name!r}, or pick another name",
            )
        if existing is not None:
            _check_worktrees_exist(existing)
        steps = _plan_steps(ctx, name, slug, existing=existing, by_repo=by_repo, notices=notices)
        shared_up(ctx)
        undo = Undo(ctx.say)
        try:
            record = _reserve(ctx, name, slug, steps, undo)
            record = _make_worktrees(ctx, record, steps, undo)
            data.ensure_ticket_database(ctx, record, undo)
            action = _start(ctx, record, created=existing is None, undo=undo)
        except BaseException:
            undo.run()
            raise
        undo.clear()
        state = ctx.registry.read()
        view = ticket_view(ws, state, state.tickets[slug], workspace_containers(ws))
    return UpResult(view, action, tuple(notices))


def _check_worktrees_exist(record: TicketRecord) -> None:
    """A worktree deleted by hand cannot be bind-mounted: say so, not what the engine says."""
    gone = [f"{repo} ({rec.path})" for repo, rec in record.repos.items() if not Path(rec.path).is_dir()]
    if gone:
        raise NotFoundError(
            f"ticket {record.name}: the worktree of {', '.join(gone)} is gone",
            hint=f"`wtdock down {record.name}` clears the rest (branches are kept), then `wtdock up` makes it again",
        )


def _index_requests(ws: Workspace, requests: Sequence[RepoRequest]) -> dict[str, RepoRequest]:
    by_repo: dict[str, RepoRequest] = {}
    for req in requests:
        if req.repo not in ws.config.repos:
            raise NotFoundError(
                f"--{req.mode} {req.repo}=...: no repo {req.repo!r} in {ws.config_file}",
                hint=f"repos: {', '.join(ws.config.repos) or 'none defined'}",
            )
        if req.repo in by_repo:
            raise UserError(f"repo {req.repo!r} is given twice (--from, --checkout, --worktree)")
        by_repo[req.repo] = req
    return by_repo


def _plan_steps(
    ctx: Context,
    name: str,
    slug: str,
    *,
    existing: TicketRecord | None,
    by_repo: dict[str, RepoRequest],
    notices: list[str],
) -> list[Step]:
    """Check every repo, ref and branch with read-only git calls: a bad one fails here, before
    anything is made."""
    ws = ctx.ws
    have = existing.repos if existing else {}
    for repo, asked in by_repo.items():
        if repo in have:
            _same_as_recorded(name, repo, asked, have[repo])
    branched = set(have) | set(by_repo)
    steps = []
    for repo in required_repos(ws.config, branched):
        if repo in have:
            continue
        repo_path = gitops.toplevel(ws.repo_path(repo))
        git_dir = gitops.common_git_dir(repo_path)
        path = ws.worktree_path(slug, repo)
        req = by_repo.get(repo)
        branch = ws.config.branch.format(ticket=name)
        if req is not None and req.mode == "worktree":
            steps.append(_adopt(repo, repo_path, git_dir, req.value))
        elif req is not None and req.mode == "checkout":
            _check_checkout(repo, repo_path, req.value)
            steps.append(Step(repo, repo_path, git_dir, path, req.value, None))
        else:
            start = req.value if req else ws.config.repos[repo].base
            gitops.check_branch_name(repo_path, branch)
            if gitops.branch_exists(repo_path, branch):
                if req is not None:
                    raise UserError(
                        f"branch {branch!r} already exists in repo {repo}",
                        hint=f"--checkout {repo}={branch} uses it as it is",
                    )
                _check_checkout(repo, repo_path, branch)
                notices.append(f"{repo}: reusing existing branch {branch}")
                steps.append(Step(repo, repo_path, git_dir, path, branch, None))
                continue
            if blocker := gitops.blocking_branch(repo_path, branch):
                raise UserError(
                    f"branch {branch!r} cannot be created in repo {repo}: branch {blocker!r} exists",
                    hint="git keeps branches as paths; pick another ticket name, or change `branch` in wtdock.yaml",
                )
            if gitops.resolve_commit(repo_path, start) is None:
                what = f"--from {repo}={start}" if req else f"base branch {start!r} (repos.{repo}.base)"
                raise NotFoundError(f"{what}: no such branch, tag or commit in {repo_path}")
            steps.append(Step(repo, repo_path, git_dir, path, branch, start))
    return steps


def _same_as_recorded(name: str, repo: str, req: RepoRequest, rec: RepoRecord) -> None:
    same = {
        "from": rec.created_branch and rec.start_point == req.value,
        "checkout": not rec.created_branch and rec.branch == req.value,
        "worktree": Path(req.value).resolve() == Path(rec.path).resolve(),
    }[req.mode]
    if not same:
        raise RefusedError(
            f"ticket {name} already has repo {repo} at {rec.path} on branch {rec.branch}",
            hint=f"`wtdock down {name}` first to change it, or leave out --{req.mode} {repo}=...",
        )


def _check_checkout(repo: str, repo_path: Path, branch: str) -> None:
    gitops.check_branch_name(repo_path, branch)
    if not gitops.branch_exists(repo_path, branch):
        raise NotFoundError(f"--checkout {repo}={branch}: no such branch in {repo_path}")
    for wt in gitops.worktrees(repo_path):
        if wt.branch == branch:
            raise UserError(
                f"branch {branch!r} of repo {repo} is already checked out at {wt.path}",
                hint=f"adopt that worktree with --worktree {repo}={wt.path}",
            )


def _adopt(repo: str, repo_path: Path, git_dir: Path, value: str) -> Step:
    path = Path(value).expanduser().resolve()
    found = gitops.worktrees(repo_path)
    match = next((w for w in found if w.path.resolve() == path), None)
    if match is None:
        raise NotFoundError(f"--worktree {repo}={value}: not a worktree of {repo_path}")
    if match is found[0]:
        raise UserError(f"--worktree {repo}={value}: that is the repo's primary checkout, not a worktree")
    return Step(repo, repo_path, git_dir, path, match.branch, None, adopt=True)


def _reserve(ctx: Context, name: str, slug: str, steps: list[Step], undo: Undo) -> TicketRecord:
    """Create the registry entry (if new) and give the ticket its ports and data spaces."""
    with ctx.registry.update() as state:
        record = state.tickets.get(slug)
        created = record is None
        if record is None:
            record = TicketRecord(name=name, slug=slug, created_at=now())
            state.tickets[slug] = record
        branched = set(record.repos) | {s.repo for s in steps}
        _assign_ports(ctx, state, record, branched, avoid=set())
        _assign_data(ctx, state, record, branched)
    if created:
        undo.push(f"registry entry of {name}", lambda: _forget(ctx, slug))
    return record


def _forget(ctx: Context, slug: str) -> None:
    with ctx.registry.update() as state:
        state.tickets.pop(slug, None)


def _assign_ports(ctx: Context, state: State, record: TicketRecord, branched: set[str], avoid: set[int]) -> None:
    ws = ctx.ws
    wants = {}
    for svc in dedicated_services(ws.config, branched):
        span = ws.config.services[svc].host_ports
        if span is not None:
            wants[svc] = ports.Want(range(span.first, span.last + 1), f"services.{svc}.host_ports")
    held = {p: f"ticket {t.name}" for t in state.tickets.values() if t.slug != record.slug for p in t.ports.values()}
    held |= dict.fromkeys(state.shared.ports.values(), "the shared services")
    project = ws.ticket_project(record.slug)
    ours = {p for c in engine.containers(f"com.docker.compose.project={project}") for p in c.published}

    def free(port: int) -> bool:
        return port not in avoid and (port in ours or ports.port_is_free(ws.config.bind, port))

    record.ports = ports.assign(wants, record.ports, held, free)


def _assign_data(ctx: Context, state: State, record: TicketRecord, branched: set[str]) -> None:
    config = ctx.ws.config
    needs_db, needs_redis = needs_data_space(config, dedicated_services(config, branched))
    if needs_db and record.database is None:
        record.database = database_name(config.shared.postgres.database, record.slug)
    if needs_redis and record.redis_db is None:
        used = {t.redis_db for t in state.tickets.values()}
        # 0 stays with the shared instance.
        free = next((n for n in range(1, config.shared.redis.databases) if n not in used), None)
        if free is None:
            raise UnavailableError(
                f"all {config.shared.redis.databases - 1} Redis databases are taken by tickets",
                hint="raise shared.redis.databases in wtdock.yaml, or `wtdock down` a ticket",
            )
        record.redis_db = free


def _make_worktrees(ctx: Context, record: TicketRecord, steps: list[Step], undo: Undo) -> TicketRecord:
    ws = ctx.ws
    reason = f"wtdock: ticket {record.name} of workspace {ws.name}"
    for step in steps:
        if not step.adopt:
            # git takes its own locks, but two `worktree add`s in one repo can still trip on them.
            with locked(ws.lock_dir / f"git-{step.repo}.lock"):
                _make_ticket_folder(step.path.parent, undo)
                assert step.branch is not None  # noqa: S101 - only adopted worktrees may be detached
                gitops.add_worktree(step.repo_path, step.path, step.branch, start_point=step.start_point, reason=reason)
            if step.start_point is not None:
                undo.push(f"branch {step.branch} in {step.repo}", _deleter(step))
            undo.push(f"worktree {step.path}", _remover(step, reason))
        gitops.mark_worktree(step.path, ws.config_file)
        with ctx.registry.update() as state:
            record = state.tickets[record.slug]
            record.repos[step.repo] = RepoRecord(
                path=str(step.path),
                repo_path=str(step.repo_path),
                git_dir=str(step.git_dir),
                branch=step.branch,
                start_point=step.start_point,
                start_commit=gitops.head_commit(step.path),
                created_worktree=not step.adopt,
                created_branch=step.start_point is not None,
            )
    return ctx.registry.read().tickets[record.slug]


def _make_ticket_folder(folder: Path, undo: Undo) -> None:
    """The ticket's folder of worktrees; a failed `up` leaves no empty one behind."""
    if folder.is_dir():
        return
    folder.mkdir(parents=True)
    undo.push(f"folder {folder}", folder.rmdir)


def _deleter(step: Step) -> Callable[[], None]:
    return lambda: gitops.delete_new_branch(step.repo_path, str(step.branch))


def _remover(step: Step, reason: str) -> Callable[[], None]:
    return lambda: gitops.remove_worktree(step.repo_path, step.path, force=False, reason=reason)


def render(ctx: Context, record: TicketRecord) -> tuple[ProjectPlan, str]:
    """The ticket's complete compose file as text, from the registry and the config."""
    ws = ctx.ws
    state = ctx.registry.read()
    shared = SharedAllocations(dict(state.shared.ports), postgres_password(ctx))
    plan = plan_ticket(ws, ctx.templates, shared, allocations(record), ctx.user)
    return plan, yamlio.dump(plan.compose, header(ws, record.name))


def compose_file(ws: Workspace, slug: str) -> Path:
    return ws.ticket_dir(slug) / "compose.yaml"


def _start(ctx: Context, record: TicketRecord, *, created: bool, undo: Undo) -> str:
    """Write the compose file and bring the project up; on a port the engine says is taken,
    pick another and retry."""
    ws = ctx.ws
    project, file = ws.ticket_project(record.slug), compose_file(ws, record.slug)
    avoid: set[int] = set()
    for _ in range(MAX_PORT_RETRIES):
        plan, text = render(ctx, record)
        digest = hashlib.sha256(text.encode()).hexdigest()
        file.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(file, text)
        running = engine.containers(f"com.docker.compose.project={project}")
        reason = start_reason(running, plan.compose["services"], digest, record.rendered_hash)
        if reason is None:
            return "already running"
        ctx.say(f"{record.name}: {reason}; starting {project}")
        if created:
            undo.push(f"containers of {project}", lambda: engine.compose_down(project, file, volumes=True))
            created = False
        try:
            engine.compose_up(project, file, ws.config.wait_timeout)
        except engine.PortConflictError as err:
            if err.port not in record.ports.values():
                raise
            ctx.say(f"{record.name}: host port {err.port} is taken; choosing another")
            avoid.add(err.port)
            with ctx.registry.update() as state:
                branched = set(state.tickets[record.slug].repos)
                _assign_ports(ctx, state, state.tickets[record.slug], branched, avoid)
                record = state.tickets[record.slug]
            continue
        except engine.ServiceUnhealthyError:
            _record_hash(ctx, record.slug, digest)
            undo.clear()  # made and started: keep it, so that its logs can be read
            raise
        _record_hash(ctx, record.slug, digest)
        return outcome(reason)
    raise UnavailableError(f"{project}: host ports kept being taken while starting; giving up")


def _record_hash(ctx: Context, slug: str, digest: str) -> None:
    with ctx.registry.update() as state:
        state.tickets[slug].rendered_hash = digest
