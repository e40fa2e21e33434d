"""What a ticket looks like to a user: services with URLs and branches, status, data spaces."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from wtdock import engine
from wtdock.errors import RefusedError
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
    wiring = Wiring(ws.config, SharedAllocations(dict(state.shared.ports), ""), allocations(record))
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
            )
        )
    repos = tuple(RepoView(r, rec.path, rec.branch, Path(rec.path).is_dir()) for r, rec in record.repos.items())
    uses_events = any(
        "events" in ws.config.services[n].uses and ws.config.services[n].isolation == "ticket"
        for n in wiring.dedicated
    )
    return TicketView(
        name=record.name,
        slug=record.slug,
        project=project,
        status=None if containers is None else _status(services, repos),
        services=tuple(services),
        repos=repos,
        database=record.database,
        redis_db=record.redis_db,
        events_prefix=record.slug if uses_events else None,
    )


def _status(services: Sequence[ServiceView], repos: Sequence[RepoView]) -> str:
    if not all(r.exists for r in repos):
        return "missing worktree"
    own = [s for s in services if s.dedicated]
    running = sum(s.state == "running" for s in own)
    if own and running == len(own):
        return "running"
    return "stopped" if running == 0 else "partial"


def start_reason(
    running: Sequence[engine.ContainerInfo], services: Iterable[str], digest: str, recorded: str | None
) -> str | None:
    """Why a project must be (re)started, or None when it runs healthy from the same file."""
    missing = sorted(set(services) - {c.service for c in running if c.up})
    if digest == recorded and not missing:
        return None
    if not running:
        return "first start" if recorded is None else "containers are gone"
    if digest != recorded:
        return "the compose file changed"
    return f"not running or not healthy: {', '.join(missing)}"


def outcome(reason: str) -> str:
    """What starting for ``reason`` did, in the words `up` prints."""
    if reason in ("first start", "containers are gone"):
        return "started"
    return "resumed" if reason.startswith("not running") else f"updated ({reason})"


def check_project_is_ours(ws: Workspace, project: str, running: list[engine.ContainerInfo]) -> None:
    """Workspace ``shop`` with ticket ``a-b`` and workspace ``shop-a`` with ticket ``b`` are both
    project ``shop-a-b`` (ticket ``a-shared`` and the shared project of ``shop-a`` too): starting
    or removing one would replace the other's containers."""
    strangers = [c.labels.get(LABEL_WORKSPACE) for c in running if c.labels.get(LABEL_WORKSPACE) != ws.name]
    if strangers:
        owner = f"workspace {strangers[0]!r}" if strangers[0] else "something other than wtdock"
        raise RefusedError(
            f"Compose project {project} belongs to {owner}",
            hint=f"pick another ticket name, or another `name:` in {ws.config_file}",
        )
