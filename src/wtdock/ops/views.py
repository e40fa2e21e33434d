"""What a ticket looks like to a user: services with URLs and branches, status, data spaces."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from wtdock import engine
from wtdock.plan.dependencies import dependency_volumes
from wtdock.plan.model import LABEL_ROLE, LABEL_WORKSPACE, Checkout, SharedAllocations, TicketAllocations
from wtdock.plan.wiring import Wiring
from wtdock.registry import State, TicketRecord
from wtdock.workspace import Workspace


@dataclass(frozen=True)
class ServiceView:
    service: str
    dedicated: bool
    url: str | None
    internal_url: str | None
    host_port: int | None
    branch: str | None
    state: str | None = None
    health: str | None = None
    address: str | None = None  # on the workspace network: what the bare service name means in the ticket
    # The ticket's dependency volumes of this service (node_modules, .venv); `down` removes them.
    volumes: tuple[str, ...] = ()


@dataclass(frozen=True)
class RepoView:
    repo: str
    path: str
    branch: str | None
    exists: bool


@dataclass(frozen=True)
class TicketView:
    name: str
    slug: str
    project: str
    status: str | None
    services: tuple[ServiceView, ...]
    repos: tuple[RepoView, ...]
    database: str | None
    redis_db: int | None
    events_prefix: str | None
    # Why a ticket whose own containers run is "degraded": a shared service it uses is not running.
    problems: tuple[str, ...] = ()


def allocations(record: TicketRecord) -> TicketAllocations:
    checkouts = {
        repo: Checkout(repo, Path(r.path), Path(r.git_dir), r.branch) for repo, r in record.repos.items()
    }
    return TicketAllocations(
        name=record.name,
        slug=record.slug,
        checkouts=checkouts,
        ports=dict(record.ports),
        redis_db=record.redis_db,
        database=record.database,
        addresses=dict(record.addresses),
        choices=dict(record.choices),
        test_session=record.test.session if record.test else None,
    )


def workspace_containers(ws: Workspace) -> list[engine.ContainerInfo]:
    """Every container of the workspace, shared and tickets: one engine query."""
    return engine.containers(f"{LABEL_WORKSPACE}={ws.name}")


def ticket_view(
    ws: Workspace,
    state: State,
    record: TicketRecord,
    containers: Sequence[engine.ContainerInfo] | None = None,
) -> TicketView:
    """The ticket as the registry and (if given) the engine's containers describe it."""
    given = SharedAllocations(dict(state.shared.ports), "", dict(state.shared.addresses))
    wiring = Wiring(ws.config, given, allocations(record))
    project = ws.ticket_project(record.slug)
    mine = {c.service: c for c in containers or () if c.project == project}
    shared = {c.service: c for c in containers or () if c.labels.get(LABEL_ROLE) == "shared"}
    services = []
    for name in ws.config.services:
        end = wiring.endpoint(name)
        found = (mine if end.dedicated else shared).get(name)
        services.append(
            ServiceView(
                service=name,
                dedicated=end.dedicated,
                url=end.url,
                internal_url=end.internal_url,
                host_port=end.host_port,
                branch=end.branch,
                state=None if containers is None else (found.state if found else "missing"),
                health=found.health if found else None,
                address=end.address,
                volumes=tuple(dependency_volumes(ws.config, record.slug, name).values()) if end.dedicated else (),
            )
        )
    repos = tuple(RepoView(r, rec.path, rec.branch, Path(rec.path).is_dir()) for r, rec in record.repos.items())
    uses_events = any(
        "events" in ws.config.services[n].uses and ws.config.services[n].isolation == "ticket"
        for n in wiring.dedicated
    )
    problems = () if containers is None else _shared_problems(ws, wiring.dedicated, shared)
    status = None if containers is None else _status(services, repos)
    return TicketView(
        name=record.name,
        slug=record.slug,
        project=project,
        status="degraded" if status == "running" and problems else status,
        problems=problems,
        services=tuple(services),
        repos=repos,
        database=record.database,
        redis_db=record.redis_db,
        events_prefix=record.slug if uses_events else None,
    )


def _shared_problems(
    ws: Workspace, dedicated: frozenset[str], shared: Mapping[str, engine.ContainerInfo]
) -> tuple[str, ...]:
    """The shared services this ticket depends on that do not run healthy."""
    config = ws.config
    needed: set[str] = {
        config.shared.events.engine if u == "events" else u for n in dedicated for u in config.services[n].uses
    }
    needed |= {n for n, s in config.services.items() if n not in dedicated and s.shared is not None}
    problems = []
    for name in sorted(needed):
        found = shared.get(name)
        if found is None or not found.up:
            problems.append(f"shared {name} is {_state_of(found)}")
    return tuple(problems)


def _state_of(container: engine.ContainerInfo | None) -> str:
    if container is None:
        return "missing"
    return container.state + (f" ({container.health})" if container.health else "")


def _status(services: Sequence[ServiceView], repos: Sequence[RepoView]) -> str:
    if not all(r.exists for r in repos):
        return "missing worktree"
    own = [s for s in services if s.dedicated]
    running = sum(s.state == "running" for s in own)
    if own and running == len(own):
        return "running"
    return "stopped" if running == 0 else "partial"
