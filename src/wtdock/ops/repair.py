"""`wtdock repair`: rebuild a lost, emptied or corrupt registry from what the world still says.

The engine's labels (each ticket container names its ticket, service, repo, worktree, ports, Redis
number and database), the tickets' compose files (the same labels), `git worktree list` of each repo
(wtdock locks the worktrees it makes with a reason naming the ticket), each worktree's own reflog
(where it started) and the databases' comments (wtdock marks the databases it makes). Repair only
adds: tickets and databases the registry already knows stay as they are.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from wtdock import engine, gitops, yamlio
from wtdock.errors import NotFoundError, TicketNameError, UnavailableError, WtdockError
from wtdock.names import ticket_slug
from wtdock.ops.context import Context
from wtdock.ops.worktree_steps import lock_owner, ticket_branch
from wtdock.plan.compose import parse_ports_label
from wtdock.plan.model import (
    LABEL_DATABASE,
    LABEL_PORTS,
    LABEL_REDIS_DB,
    LABEL_ROLE,
    LABEL_TICKET,
    LABEL_WORKSPACE,
    LABEL_WORKTREE,
)
from wtdock.plan.wiring import choices_seen
from wtdock.registry import DatabaseRecord, RepoRecord, State, TicketRecord, now

LABEL_REPO = "dev.wtdock.repo"


@dataclass
class Evidence:
    """What the world says about one ticket."""

    name: str
    sources: set[str] = field(default_factory=set)
    worktrees: dict[str, gitops.Worktree] = field(default_factory=dict)  # locked by wtdock, by repo
    adopted: dict[str, Path] = field(default_factory=dict)  # worktree labels of other worktrees, by repo
    ports: dict[str, int] = field(default_factory=dict)
    addresses: dict[str, str] = field(default_factory=dict)  # by service, on the workspace network
    services: set[str] = field(default_factory=set)  # that ran: they tell its --own/--shared choices
    redis_db: int | None = None
    database: str | None = None
    created: int = 0


@dataclass(frozen=True)
class FoundTicket:
    name: str
    repos: tuple[str, ...]
    ports: dict[str, int]
    redis_db: int | None
    database: str | None
    sources: tuple[str, ...]


@dataclass(frozen=True)
class RepairResult:
    state_file: str
    moved_aside: str | None
    added: tuple[FoundTicket, ...]
    known: tuple[str, ...]
    databases: tuple[str, ...]
    shared_ports: dict[str, int]
    skipped: tuple[str, ...]


def evidence(ctx: Context, containers: Iterable[engine.ContainerInfo] | None = None) -> dict[str, Evidence]:
    """Every ticket of the workspace that containers, compose files or locked worktrees speak of."""
    found: dict[str, Evidence] = {}

    def of(name: str) -> Evidence:
        return found.setdefault(name, Evidence(name))

    ws = ctx.ws
    listed = containers if containers is not None else engine.containers(f"{LABEL_WORKSPACE}={ws.name}")
    for c in listed:
        if c.labels.get(LABEL_ROLE) == "ticket" and LABEL_TICKET in c.labels:
            ticket = of(c.labels[LABEL_TICKET])
            ticket.sources.add("containers")
            ticket.services.add(c.service)
            _read_labels(ticket, c.labels)
            if address := c.addresses.get(ws.network):
                ticket.addresses[c.service] = address
            ticket.created = min(ticket.created or c.created, c.created or ticket.created)
    for file in sorted((ws.state_dir / "tickets").glob("*/compose.yaml")):
        for service, labels, address in _compose_services(file):
            if LABEL_TICKET in labels:
                ticket = of(labels[LABEL_TICKET])
                ticket.sources.add("compose files")
                ticket.services.add(service)
                _read_labels(ticket, labels)
                if address:
                    ticket.addresses.setdefault(service, address)
    for repo in ws.config.repos:
        with contextlib.suppress(NotFoundError):
            for wt in gitops.worktrees(gitops.toplevel(ws.repo_path(repo)))[1:]:
                owner = lock_owner(wt.locked)
                if owner is not None and owner[1] == ws.name and wt.path.is_dir():
                    ticket = of(owner[0])
                    ticket.sources.add("worktrees")
                    ticket.worktrees[repo] = wt
    return found


def _read_labels(ticket: Evidence, labels: Mapping[str, str]) -> None:
    ticket.ports |= parse_ports_label(labels.get(LABEL_PORTS, ""))
    if (number := labels.get(LABEL_REDIS_DB, "")).isdigit():
        ticket.redis_db = int(number)
    ticket.database = labels.get(LABEL_DATABASE) or ticket.database
    if (repo := labels.get(LABEL_REPO)) and (path := labels.get(LABEL_WORKTREE)):
        ticket.adopted.setdefault(repo, Path(path))


def _compose_services(file: Path) -> list[tuple[str, dict[str, str], str | None]]:
    """Each service of a compose file wtdock wrote: its name, labels and static address on the
    workspace network; nothing from a broken file."""
    try:
        model = yamlio.load_plain(file)
    except WtdockError:
        return []
    services = model.get("services") if isinstance(model, dict) else None
    if not isinstance(services, dict):
        return []
    found = []
    for name, service in services.items():
        if isinstance(service, dict):
            shared = (service.get("networks") or {}).get("shared") or {}
            address = shared.get("ipv4_address") if isinstance(shared, dict) else None
            found.append((str(name), dict(service.get("labels") or {}), str(address) if address else None))
    return found


def repair(ctx: Context) -> RepairResult:
    """Add to the registry every ticket and database the world knows and the registry does not."""
    ws = ctx.ws
    containers = engine.containers(f"{LABEL_WORKSPACE}={ws.name}")
    found = evidence(ctx, containers)
    skipped: list[str] = []
    marks = _database_marks(ctx, skipped)
    with ctx.registry.rebuild() as (state, moved_aside):
        known = tuple(sorted(t.name for t in state.tickets.values() if t.name in found))
        added = [_add(ctx, state, ticket, marks, skipped) for name, ticket in sorted(found.items())
                 if ticket_slug_or_none(name) not in state.tickets]
        databases = _add_databases(state, marks)
        shared = _shared_ports(ctx, state, containers)
    return RepairResult(
        state_file=str(ctx.registry.path),
        moved_aside=str(moved_aside) if moved_aside else None,
        added=tuple(t for t in added if t is not None),
        known=known,
        databases=databases,
        shared_ports=shared,
        skipped=tuple(skipped),
    )


def ticket_slug_or_none(name: str) -> str | None:
    try:
        return ticket_slug(name)
    except TicketNameError:
        return None


def _add(
    ctx: Context, state: State, ticket: Evidence, marks: Mapping[str, str], skipped: list[str]
) -> FoundTicket | None:
    slug = ticket_slug_or_none(ticket.name)
    if slug is None:
        skipped.append(f"ticket {ticket.name!r}: not a valid ticket name")
        return None
    repos = {repo: _repo_record(ctx, ticket.name, repo, wt.path, wt.branch, created=True)
             for repo, wt in ticket.worktrees.items()}
    for repo, path in ticket.adopted.items():
        if repo not in repos and repo in ctx.ws.config.repos and path.is_dir():
            found = gitops.find_worktree(gitops.toplevel(ctx.ws.repo_path(repo)), path)
            if found is not None:
                repos[repo] = _repo_record(ctx, ticket.name, repo, path, found.branch, created=False)
    database = ticket.database or next((d for d, owner in marks.items() if owner == ticket.name), None)
    created = now()
    if ticket.created:
        created = dt.datetime.fromtimestamp(ticket.created, dt.UTC).isoformat(timespec="seconds")
    state.tickets[slug] = TicketRecord(
        name=ticket.name, slug=slug, created_at=created, repos=repos, ports=ticket.ports,
        addresses=ticket.addresses, redis_db=ticket.redis_db, database=database,
        choices=choices_seen(ctx.ws.config, repos, ticket.services),
    )
    if database and database not in marks and database not in state.databases:
        skipped.append(f"ticket {ticket.name}: database {database} not confirmed (its comment was not read)")
    return FoundTicket(ticket.name, tuple(repos), dict(ticket.ports), ticket.redis_db, database,
                       tuple(sorted(ticket.sources)))


def _repo_record(ctx: Context, ticket: str, repo: str, path: Path, branch: str | None, *, created: bool) -> RepoRecord:
    repo_path = gitops.toplevel(ctx.ws.repo_path(repo))
    return RepoRecord(
        path=str(path),
        repo_path=str(repo_path),
        git_dir=str(gitops.common_git_dir(repo_path)),
        branch=branch,
        start_point=None,  # not recorded anywhere but the lost registry
        start_commit=gitops.first_commit(path),
        created_worktree=created,
        created_branch=created and branch == ticket_branch(ctx.ws, ticket),
        marked=created,
    )


def _database_marks(ctx: Context, skipped: list[str]) -> dict[str, str]:
    """Database -> ticket, from the comments wtdock puts on the databases it makes."""
    from wtdock.ops.postgres import Postgres

    try:
        return Postgres(ctx).wtdock_marks(ctx.ws.name)
    except UnavailableError:
        skipped.append("databases: the shared Postgres is not running (`wtdock shared up`, then repair again)")
        return {}


def _add_databases(state: State, marks: Mapping[str, str]) -> tuple[str, ...]:
    added = []
    for name, ticket in sorted(marks.items()):
        if name not in state.databases:
            state.databases[name] = DatabaseRecord(ticket=ticket, created_at=now())
            added.append(name)
    return tuple(added)


def _shared_ports(ctx: Context, state: State, containers: Iterable[engine.ContainerInfo]) -> dict[str, int]:
    """The shared project's host ports, from its containers, when the registry lost them."""
    shared = [c for c in containers if c.project == ctx.ws.shared_project]
    if not state.shared.addresses:
        state.shared.addresses = {c.service: a for c in shared if (a := c.addresses.get(ctx.ws.network))}
    if state.shared.ports:
        return {}
    found = {c.service: c.published[0] for c in shared if c.published}
    state.shared.ports = found
    return found
