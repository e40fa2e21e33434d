"""`wtdock render TICKET` before the ticket's first `up`: the plan it would get, made in memory.

The registry is read, never written; no worktree, branch, database or port is made or held. The
ports are those `up` would pick now (another `up` may take them first), the checkouts are the
paths `up` would make, off each repo's base branch.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from wtdock import gitops, yamlio
from wtdock.errors import WtdockError
from wtdock.names import ticket_slug
from wtdock.ops import network
from wtdock.ops.context import Context
from wtdock.ops.secrets import password_file, read_password
from wtdock.ops.up import EngineHoldings, _assign_data, _assign_ports
from wtdock.ops.views import allocations, workspace_containers
from wtdock.ops.worktree_steps import ticket_branch
from wtdock.plan.model import ProjectPlan, SharedAllocations
from wtdock.plan.ticket import plan_ticket, preview_header
from wtdock.plan.wiring import dedicated_services, required_repos
from wtdock.registry import RepoRecord, TicketRecord, now

PASSWORD_PLACEHOLDER = "made-by-the-first-up"  # noqa: S105 - not a password: shown until one exists


def preview(ctx: Context, name: str) -> tuple[ProjectPlan, str]:
    """The compose file ``up NAME`` would write for a new ticket (no --from: each repo it needs
    gets the ticket branch off its base), as the model and as text under a preview header."""
    ws = ctx.ws
    slug = ticket_slug(name)
    state = ctx.registry.read()  # a snapshot: changed here, never written back
    record = TicketRecord(name=name, slug=slug, created_at=now())
    for repo in required_repos(ws.config, ()):
        path = ws.repo_path(repo)
        record.repos[repo] = RepoRecord(
            path=str(ws.worktree_path(slug, repo)), repo_path=str(path), git_dir=str(_git_dir(path)),
            branch=ticket_branch(ws, name), created_worktree=True, created_branch=True,
        )
    branched = set(record.repos)
    project = ws.ticket_project(slug)
    held = EngineHoldings({}, frozenset(), frozenset())
    with contextlib.suppress(WtdockError):  # no engine: the registry's account of the ports alone
        held = EngineHoldings.of(workspace_containers(ws), project)
    _assign_ports(ctx, state, record, branched, engine_held=held, avoid=set())
    _assign_data(ctx, state, record, branched, held)
    with contextlib.suppress(WtdockError):  # no network yet: addresses come with the first `up`
        network.assign_ticket_addresses(ctx, state, record, dedicated_services(ws.config, branched))
    shared = SharedAllocations(dict(state.shared.ports), _known_password(ctx), dict(state.shared.addresses))
    plan = plan_ticket(ws, ctx.templates, shared, allocations(record), ctx.user)
    return plan, yamlio.dump(plan.compose, preview_header(ws, name, slug))


def _git_dir(repo: Path) -> Path:
    """The repo's git dir as a worktree of it would mount it; its path as written when unreadable."""
    try:
        return gitops.common_git_dir(gitops.toplevel(repo))
    except WtdockError:
        return repo / ".git"


def _known_password(ctx: Context) -> str:
    """The shared Postgres password if one was made; a preview does not make one."""
    path = password_file(ctx)
    return read_password(path) if path.exists() else PASSWORD_PLACEHOLDER
