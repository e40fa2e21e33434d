"""What a ticket looks like to a user: services with URLs and branches, status, data spaces."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from wtdock import engine
from wtdock.errors import RefusedError
from wtdock.plan import fingerprint
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


@dataclass(frozen=True)
class StartReason:
    """Why a project is (re)started: what is new, what changed (by service and field), what is down."""

    kind: Literal["first start", "containers are gone", "changed", "not running"]
    changes: tuple[str, ...] = ()
    down: tuple[str, ...] = ()

    def __str__(self) -> str:
        if self.kind in ("first start", "containers are gone"):
            return self.kind
        said = [*self.changes]
        if self.down:
            said.append(f"not running or not healthy: {', '.join(self.down)}")
        return "; ".join(said)

    @property
    def outcome(self) -> str:
        """What starting for this reason did, in the words `up` prints."""
        if self.kind in ("first start", "containers are gone"):
            return "started"
        return "updated" if self.kind == "changed" else "resumed"


def start_reason(
    running: Sequence[engine.ContainerInfo],
    services: Mapping[str, Mapping[str, Any]],
    recorded: Mapping[str, Mapping[str, str]],
) -> StartReason | None:
    """Why a project must be (re)started, or None when every service runs healthy with the config
    it is planned with. Each container's config-hash label says what it runs; the fingerprints
    recorded at the last start say what changed since."""
    by_service = {c.service: c for c in running}
    if not by_service:
        return StartReason("containers are gone" if recorded else "first start")
    changed: list[str] = []
    for name, service in services.items():
        found = by_service.get(name)
        if found is None:
            if name not in recorded:
                changed.append(f"{name}: new service")
            continue
        if found.labels.get(fingerprint.LABEL_CONFIG_HASH) != fingerprint.config_hash(service):
            # With no record (state from an older wtdock, or lost) every field would look new.
            now = fingerprint.fingerprint(service)
            said = fingerprint.changes(name, recorded[name], now) if name in recorded else []
            changed.extend(said or [f"{name}: not running its current config"])
    changed.extend(f"{name}: no longer in the config" for name in sorted(set(by_service) - set(services)))
    new = {c.split(":")[0] for c in changed if c.endswith(": new service")}
    down = tuple(sorted(n for n in services if n not in new and not (n in by_service and by_service[n].up)))
    if not changed and not down:
        return None
    return StartReason("changed" if changed else "not running", tuple(changed), down)


def fingerprints(services: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, str]]:
    """What to record once a project is started with ``services``."""
    return {name: fingerprint.fingerprint(service) for name, service in services.items()}


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
