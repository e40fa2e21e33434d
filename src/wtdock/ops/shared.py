"""The shared-services project: up (idempotent), status, connection settings, down."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from wtdock import engine, gitops, ports, yamlio
from wtdock.errors import NotFoundError, RefusedError, UnavailableError
from wtdock.files import private_dir, write_atomic
from wtdock.ops import builds, network
from wtdock.ops.context import Context
from wtdock.ops.drift import StartReason, fingerprints, start_reason
from wtdock.ops.ownership import check_project_is_ours
from wtdock.ops.prepare import Target, needs_preparing, prepare
from wtdock.ops.secrets import postgres_password
from wtdock.plan import shared as shared_plan
from wtdock.plan.compose import display_host
from wtdock.plan.connections import (
    SHARED_PREFIX,
    DataSpace,
    connection_env,
    events_url,
    host_addresses,
    postgres_url,
    redis_url,
)
from wtdock.plan.dependencies import one_off
from wtdock.plan.model import LABEL_TICKET, LABEL_WORKSPACE, Checkout, ProjectPlan, SharedAllocations
from wtdock.registry import State
from wtdock.workspace import Workspace

MAX_PORT_RETRIES = 5


@dataclass(frozen=True)
class SharedService:
    name: str
    state: str
    health: str | None
    host_port: int | None
    url: str | None
    branch: str | None = None
    address: str | None = None  # on the workspace network


@dataclass(frozen=True)
class SharedStatus:
    workspace: str
    project: str
    network: str
    action: str
    services: tuple[SharedService, ...]


def compose_file(ws: Workspace) -> Path:
    return ws.shared_dir / "compose.yaml"


def shared_up(ctx: Context) -> SharedStatus:
    """Start the shared project, or do nothing when it already runs healthy from the same file."""
    ws = ctx.ws
    with ctx.lock("shared"):
        network.ensure_network(ctx)
        avoid: set[int] = set()
        first: StartReason | None = None  # a retry finds the containers the first try made: not news
        prepared = False
        for _ in range(MAX_PORT_RETRIES):
            # Looked at again on every attempt: a failed one may have left some of our containers
            # started, holding ports that are ours to keep, not taken by someone else.
            running = _containers(ws)
            check_project_is_ours(ws, ws.shared_project, running)
            ours = {p for c in running for p in c.published}
            plan, _ = _render(ctx, ours, avoid)
            services = plan.compose["services"]
            rebuilt = builds.ensure_images(ctx, plan.project, compose_file(ws), services, force=False)
            reason = start_reason(running, services, ctx.registry.read().shared.rendered) or (
                builds.rebuilt_reason(rebuilt)
            )
            if reason is None:
                return shared_status(ctx, action=first.outcome if first else "already up")
            first = chosen = first or reason
            ctx.say(f"shared: {reason}; starting {plan.project}")
            try:
                if not prepared:
                    _prepare_instances(ctx, plan)
                    prepared = True
                engine.compose_up(plan.project, compose_file(ws), ws.config.wait_timeout,
                                  on_status=ctx.on_status)
            except engine.PortConflictError as err:
                ctx.say(f"shared: port {err.port} was taken meanwhile; choosing another")
                avoid.add(err.port)
                continue
            with ctx.registry.update() as state:
                state.shared.rendered = fingerprints(services)
            return shared_status(ctx, action=chosen.outcome)
        raise UnavailableError(f"{ws.shared_project}: host ports kept being taken while starting; giving up")


def _prepare_instances(ctx: Context, plan: ProjectPlan) -> None:
    """Setup and migrations of the shared instances: against the base database, so it is migrated
    before a ticket's database is copied from it. Postgres and the rest start first."""
    ws = ctx.ws
    instances = [n for n in shared_plan.shared_instances(ws) if needs_preparing(ws.config, n)]
    if not instances:
        return
    infra = [s for s in plan.compose["services"] if s not in shared_plan.shared_instances(ws)]

    def start_infra() -> None:
        if infra:
            engine.compose_up(ws.shared_project, compose_file(ws), ws.config.wait_timeout, services=infra,
                              on_status=ctx.on_status)

    primary = _primary_checkouts(ws)
    checkouts = {n: primary[ws.config.services[n].repo].path for n in instances}
    file = compose_file(ws).with_name("compose.run.yaml")
    write_atomic(file, yamlio.dump(one_off(plan.compose), shared_plan.header(ws)))
    images = {n: str(plan.compose["services"][n].get("image", "")) for n in instances}
    target = Target("shared", None, ws.shared_project, file, checkouts, images)
    prepare(ctx, target, instances, before_commands=start_infra)


def render_shared(ctx: Context) -> str:
    """Write the shared project's compose file without starting anything (for review, or for
    `docker compose config`) and return its text; recorded host ports count as ours."""
    with ctx.lock("shared"):
        return _render(ctx, set(ctx.registry.read().shared.ports.values()), set())[1]


def ensure_compose_file(ctx: Context) -> Path:
    """The shared compose file, written first if no `shared up` has written it yet, or again if
    someone emptied or garbled it (see records.ensure_file)."""
    file = compose_file(ctx.ws)
    if file.exists() and (problem := yamlio.compose_problem(file, ctx.ws.shared_project)):
        ctx.say(f"{problem}; written again from the registry")
    elif file.exists():
        return file
    render_shared(ctx)
    return file


def _render(ctx: Context, ours: set[int], avoid: set[int]) -> tuple[ProjectPlan, str]:
    """Assign host ports (recorded ones stay while free), plan, and write the compose file."""
    ws = ctx.ws
    wants = _wanted_ports(ws)
    with ctx.registry.update() as state:
        held = _ticket_ports(state)

        def free(port: int) -> bool:
            return port not in avoid and (port in ours or ports.port_is_free(ws.config.bind, port))

        state.shared.ports = ports.assign(wants, state.shared.ports, held, free)
        network.assign_shared_addresses(ws, state, list(wants))
        allocations = SharedAllocations(
            ports=dict(state.shared.ports),
            postgres_password=postgres_password(ctx),
            addresses=dict(state.shared.addresses),
        )
    checkouts = _primary_checkouts(ws)
    images = builds.image_tags(ws, checkouts, shared_plan.shared_instances(ws))
    plan = shared_plan.plan_shared(ws, ctx.templates, allocations, checkouts, ctx.user, images=images)
    text = yamlio.dump(plan.compose, shared_plan.header(ws))
    private_dir(ws.shared_dir)
    write_atomic(compose_file(ws), text)
    return plan, text


def _wanted_ports(ws: Workspace) -> dict[str, ports.Want]:
    cfg = ws.config.shared
    wants: dict[str, ports.Want] = {}

    def want(key: str, port: int, exact: bool, where: str) -> None:
        # A port the user set is taken as is; a default one moves up to the next free port.
        wants[key] = ports.Want(range(port, port + 1 if exact else min(port + 100, 65536)), where)

    if cfg.postgres.enabled:
        want("postgres", cfg.postgres.host_port, "host_port" in cfg.postgres.model_fields_set,
             "shared.postgres.host_port")
    if cfg.redis.enabled:
        want("redis", cfg.redis.host_port, "host_port" in cfg.redis.model_fields_set, "shared.redis.host_port")
    if cfg.events.enabled:
        want(cfg.events.engine, cfg.events.preferred_port, cfg.events.host_port is not None,
             "shared.events.host_port")
    for name in shared_plan.shared_instances(ws):
        instance = ws.config.services[name].shared
        assert instance is not None  # noqa: S101 - shared_instances() selected these
        want(name, instance.host_port, True, f"services.{name}.shared.host_port")
    return wants


def _ticket_ports(state: State) -> dict[int, str]:
    return {port: f"ticket {t.name}" for t in state.tickets.values() for port in t.ports.values()}


def _primary_checkouts(ws: Workspace) -> dict[str, Checkout]:
    found: dict[str, Checkout] = {}
    for name in shared_plan.shared_instances(ws):
        repo = ws.config.services[name].repo
        if repo not in found:
            path = gitops.toplevel(ws.repo_path(repo))
            found[repo] = Checkout(repo, path, gitops.common_git_dir(path), branch=None)
    return found


def _containers(ws: Workspace) -> list[engine.ContainerInfo]:
    """Every container of the shared project, by Compose's own label: one another workspace made
    under the same project name must be seen, not filtered out."""
    return engine.containers(f"{engine.LABEL_PROJECT}={ws.shared_project}")


def shared_status(ctx: Context, action: str = "") -> SharedStatus:
    ws = ctx.ws
    state = ctx.registry.read()
    by_service = {c.service: c for c in _containers(ws) if c.labels.get(LABEL_WORKSPACE) == ws.name}
    host = display_host(ws.config.bind)
    services = []
    for name in [*shared_plan.infra_services(ws), *shared_plan.shared_instances(ws)]:
        container = by_service.get(name)
        port = state.shared.ports.get(name)
        services.append(
            SharedService(
                name=name,
                state=container.state if container else "missing",
                health=container.health if container else None,
                host_port=port,
                url=host_url(ws, name, host, port) if port else None,
                branch=_live_branch(ws, name),
                address=state.shared.addresses.get(name),
            )
        )
    return SharedStatus(ws.name, ws.shared_project, ws.network, action, tuple(services))


def _live_branch(ws: Workspace, name: str) -> str | None:
    """The branch a shared instance runs: whatever its primary checkout has checked out now."""
    svc = ws.config.services.get(name)
    return gitops.current_branch(ws.repo_path(svc.repo)) if svc is not None else None


def host_url(ws: Workspace, name: str, host: str, port: int) -> str:
    """How a tool on the host reaches a shared service (no password: for display)."""
    config, address = ws.config, f"{host}:{port}"
    if name == "postgres":
        return postgres_url(config, None, address, config.shared.postgres.database)
    if name == "redis":
        return redis_url(address, None)
    if name in ("nats", "redpanda"):
        return events_url(config, address)
    return f"http://{address}"


def shared_env(ctx: Context) -> dict[str, str]:
    """Connection settings for host tools (psql, redis-cli, a Kafka client), password included:
    the base database, Redis 0 and the shared event prefix, as the shared instances use them."""
    ws = ctx.ws
    state = ctx.registry.read()
    if not state.shared.ports:
        raise NotFoundError(f"the shared services of {ws.name} have not been started yet", hint="wtdock shared up")
    host = display_host(ws.config.bind)
    space = DataSpace(ws.config.shared.postgres.database, 0, SHARED_PREFIX)
    at = host_addresses(ws.config, host, state.shared.ports)
    env = connection_env(ws.config, ("postgres", "redis", "events"), space, postgres_password(ctx), at)
    for name in shared_plan.shared_instances(ws):
        if port := state.shared.ports.get(name):
            env[f"{name.upper().replace('-', '_')}_URL"] = f"http://{host}:{port}"
    return env


def attached_projects(ctx: Context) -> dict[str, list[str]]:
    """Running containers of other projects on the workspace network, by project."""
    found: dict[str, list[str]] = {}
    for c in _running_attached(ctx.ws):
        found.setdefault(c.project or c.name, []).append(c.service or c.name)
    return found


def _running_attached(ws: Workspace) -> list[engine.ContainerInfo]:
    if not engine.network_exists(ws.network):
        return []
    return [c for c in engine.containers(network=ws.network) if c.project != ws.shared_project and c.state == "running"]


@dataclass(frozen=True)
class StoppedProject:
    """A project `shared down --force` stopped: every running container of it, not only those on the
    workspace network (a ticket is stopped whole, never left half-running)."""

    project: str
    ticket: str | None
    services: tuple[str, ...]


@dataclass(frozen=True)
class SharedDownResult:
    workspace: str
    project: str
    stopped: tuple[StoppedProject, ...]
    volumes_removed: bool
    network: str | None  # what became of the workspace network, in words (None: there was none)


def shared_down(
    ctx: Context, *, force: bool, volumes: bool, confirm: Callable[[], None] = lambda: None
) -> SharedDownResult:
    """Stop and remove the shared containers (data volumes too with ``volumes``), then the workspace
    network once nothing at all is on it. Refuses while other projects run on the network, unless
    ``force``, which stops those projects first. ``confirm`` is asked once nothing refuses, before
    anything is touched."""
    ws = ctx.ws
    with ctx.using_shared(exclusive=True), ctx.lock("shared"):
        attached = attached_projects(ctx)
        if attached and not force:
            raise RefusedError(
                f"the shared services of {ws.name} are in use by {len(attached)} running project(s)",
                details=[f"{p}: {', '.join(sorted(s))}" for p, s in sorted(attached.items())],
                hint="stop them first (`wtdock stop TICKET`), or pass --force to stop them",
            )
        confirm()
        stopped = _stop_attached(ws) if attached else ()
        if not compose_file(ws).exists() or yamlio.compose_problem(compose_file(ws), ws.shared_project):
            _render(ctx, set(), set())
        check_project_is_ours(ws, ws.shared_project, _containers(ws))
        engine.compose_down(ws.shared_project, compose_file(ws), volumes=volumes)
        with ctx.registry.update() as state:
            state.shared.rendered = {}
            if volumes:
                state.databases.clear()  # their data went with the volume
        if volumes:
            engine.remove_project_volumes(ws.shared_project)
        gone = network.remove_if_unused(ws)
    return SharedDownResult(ws.name, ws.shared_project, stopped, volumes, gone)


def _stop_attached(ws: Workspace) -> tuple[StoppedProject, ...]:
    """Stop each project running on the network whole; a container of no project, by itself."""
    running = _running_attached(ws)
    stopped: list[StoppedProject] = []
    targets: list[engine.ContainerInfo] = []
    for project in sorted({c.project for c in running if c.project}):
        members = [c for c in engine.containers(f"{engine.LABEL_PROJECT}={project}") if c.state == "running"]
        targets += members
        ticket = next((c.labels[LABEL_TICKET] for c in members if LABEL_TICKET in c.labels), None)
        stopped.append(StoppedProject(project, ticket, tuple(sorted(c.service or c.name for c in members))))
    for c in running:
        if not c.project:
            targets.append(c)
            stopped.append(StoppedProject(c.name, None, (c.name,)))
    engine.stop_containers([c.id for c in targets])
    return tuple(stopped)
