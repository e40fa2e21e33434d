"""`wtdock up`: a ticket's worktrees, ports, data spaces and running Compose project."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wtdock import engine, gitops, ports, yamlio
from wtdock.errors import SetupError, UnavailableError, UserError
from wtdock.faults import crash_point
from wtdock.files import private_dir, write_atomic
from wtdock.locks import locked
from wtdock.names import ticket_slug
from wtdock.ops import builds, databases, network, redis_numbers
from wtdock.ops.alongside import alongside
from wtdock.ops.choices import Choice, ServiceChoice, check_own, merge_choices
from wtdock.ops.context import Context
from wtdock.ops.drift import StartReason, fingerprints, start_reason
from wtdock.ops.include import copy_included
from wtdock.ops.ownership import check_project_is_ours
from wtdock.ops.prepare import Prepared, Target, needs_preparing, prepare
from wtdock.ops.secrets import postgres_password
from wtdock.ops.shared import shared_up
from wtdock.ops.undo import Undo
from wtdock.ops.views import TicketView, allocations, ticket_view, workspace_containers
from wtdock.ops.worktree_steps import (
    RepoRequest,
    Step,
    check_steps,
    check_worktrees_exist,
    index_requests,
    lock_reason,
    ticket_branch,
)
from wtdock.plan.compose import parse_ports_label
from wtdock.plan.connections import database_name
from wtdock.plan.dependencies import one_off
from wtdock.plan.model import LABEL_PORTS, LABEL_REDIS_DB, LABEL_TICKET, ProjectPlan, SharedAllocations
from wtdock.plan.ticket import header, plan_ticket
from wtdock.plan.wiring import dedicated_services, needs_data_space, network_alias
from wtdock.registry import RepoRecord, State, TestRecord, TicketRecord, now
from wtdock.workspace import Workspace

MAX_PORT_RETRIES = 10
PORT_BLOCK = 10  # `--port-base N`: N..N+9, as orchestrators hand out blocks ($CONDUCTOR_PORT and the 9 after it)


@dataclass(frozen=True)
class UpResult:
    """What `up` did: ``action`` is started, resumed, updated or already running; ``changes`` says
    what made it (re)start, by service and field; ``notices`` what it chose on the way."""

    ticket: TicketView
    action: str
    changes: tuple[str, ...]
    notices: tuple[str, ...]
    prepared: tuple[Prepared, ...] = ()


def up(
    ctx: Context, name: str, requests: Sequence[RepoRequest] = (), asked: Sequence[ServiceChoice] = (),
    *, build: bool = False, test: TestRecord | None = None, port_base: int | None = None,
) -> UpResult:
    """Create or resume a ticket. Idempotent: an existing ticket keeps its worktrees and ports and
    only what is stopped or changed is (re)started. ``asked``: `--own/--shared` (kept with the
    ticket); ``build``: build its images even when their inputs did not change; ``test``: a new
    ticket is a throwaway test stack (ops/test_stacks.py); ``port_base``: every host port of the
    ticket in the block ``port_base`` .. ``port_base + 9`` (kept with the ticket)."""
    ws = ctx.ws
    slug = ticket_slug(name)
    by_repo = index_requests(ws, requests)
    notices: list[str] = []
    with ctx.lock(f"ticket-{slug}"):
        existing = ctx.registry.read().ticket(slug)
        if existing is not None and existing.name != name:
            raise UserError(
                f"ticket name {name!r} maps to {slug!r}, which ticket {existing.name!r} already uses",
                hint=f"use {existing.name!r}, or pick another name",
            )
        if existing is not None:
            check_worktrees_exist(existing)
        choices = merge_choices(ws.config, existing.choices if existing else {}, asked)
        check_own(ws.config, name, {*(existing.repos if existing else ()), *by_repo}, choices, asked)
        steps = check_steps(ctx, name, slug, existing=existing, by_repo=by_repo, notices=notices, choices=choices)
        with ctx.using_shared():
            shared_up(ctx)
            undo = Undo(ctx.say)
            try:
                record = _reserve(ctx, name, slug, steps, choices, undo=undo, notices=notices, test=test,
                                  port_base=port_base)
                crash_point("up:reserved")
                with alongside(*_data_spaces(ctx, existing, record, undo)):
                    record = _make_worktrees(ctx, record, steps, undo)
                try:
                    prepared, rebuilt, images = prepare_ticket(ctx, record, build=build)
                except SetupError:
                    undo.clear()  # what is made stays: the next `up` resumes at the failed step
                    raise
                action, reason = _start(ctx, record, created=existing is None, undo=undo, rebuilt=rebuilt,
                                        images=images)
            except BaseException:
                undo.run()
                raise
            undo.clear()
        state = ctx.registry.read()
        view = ticket_view(ws, state, state.tickets[slug], workspace_containers(ws))
    changes = () if reason is None else (*reason.changes, *(f"{s}: not running" for s in reason.down))
    return UpResult(view, action, changes, tuple(notices), tuple(prepared))


def _reserve(
    ctx: Context, name: str, slug: str, steps: list[Step], choices: dict[str, Choice], *, undo: Undo,
    notices: list[str], test: TestRecord | None = None, port_base: int | None = None,
) -> TicketRecord:
    """Create the registry entry (if new) and give the ticket its ports and data spaces."""
    # Read before the lock: what other tickets' containers hold changes only under their own `up`,
    # which records it in the registry (read under the lock) first.
    engine_held = EngineHoldings.of(workspace_containers(ctx.ws), ctx.ws.ticket_project(slug))
    with ctx.registry.update() as state:
        record = state.tickets.get(slug)
        before = record.model_copy(deep=True) if record is not None else None
        if record is None:
            record = TicketRecord(name=name, slug=slug, created_at=now(), test=test)
            state.tickets[slug] = record
        record.choices = choices
        if port_base is not None:
            record.port_base = port_base
        branched = set(record.repos) | {s.repo for s in steps}
        _check_aliases(ctx, state, record, branched)
        notices.extend(_assign_ports(ctx, state, record, branched, engine_held=engine_held, avoid=set()))
        _assign_data(ctx, state, record, branched, engine_held)
        network.assign_ticket_addresses(ctx, state, record, dedicated_services(ctx.ws.config, branched, choices))
    if before is None:
        undo.push(f"registry entry of {name}", lambda: _restore(ctx, slug, None), only_if_clean=True)
    elif steps or before.choices != record.choices:
        # A failed `up --from` on a running ticket leaves it as it was, not with a repo it lacks.
        undo.push(f"registry entry of {name} as it was", lambda: _restore(ctx, slug, before), only_if_clean=True)
    return record


def _data_spaces(
    ctx: Context, existing: TicketRecord | None, record: TicketRecord, undo: Undo
) -> list[Callable[[], None]]:
    """Emptying the ticket's Redis number and cloning its database: engine round trips that need
    no worktree, so they run while git makes them."""
    def clean() -> None:
        if existing is None or existing.redis_db != record.redis_db:
            redis_numbers.clean_redis(ctx, record.redis_db)

    return [clean, lambda: databases.ensure_ticket_database(ctx, record, undo)]


def _check_aliases(ctx: Context, state: State, record: TicketRecord, branched: set[str]) -> None:
    """Ticket ``x`` with service ``api-worker`` and ticket ``x-api`` with service ``worker`` would
    both be ``x-api-worker`` on the workspace network, and one would get the other's requests."""
    config = ctx.ws.config
    mine = {network_alias(record.slug, s) for s in dedicated_services(config, branched, record.choices)}
    for other in state.tickets.values():
        theirs = {network_alias(other.slug, s) for s in dedicated_services(config, other.repos, other.choices)}
        if other.slug != record.slug and (clash := mine & theirs):
            raise UserError(
                f"ticket {record.name} would share the network name {min(clash)} with ticket {other.name}",
                hint="pick another ticket name",
            )


def _restore(ctx: Context, slug: str, before: TicketRecord | None) -> None:
    with ctx.registry.update() as state:
        if before is None:
            state.tickets.pop(slug, None)
        else:
            state.tickets[slug] = before


@dataclass(frozen=True)
class EngineHoldings:
    """What the workspace's other containers hold, by the engine's own account (their labels and
    published ports): the truth when the registry was lost, emptied or edited by hand."""

    ports: dict[int, str]
    redis_dbs: frozenset[int]
    ours: frozenset[int]  # host ports this ticket's own containers publish (not taken by others)

    @classmethod
    def of(cls, containers: Sequence[engine.ContainerInfo], project: str) -> EngineHoldings:
        held: dict[int, str] = {}
        redis: set[int] = set()
        for c in containers:
            if c.project == project:
                continue
            who = f"ticket {c.labels[LABEL_TICKET]}" if LABEL_TICKET in c.labels else f"container {c.name}"
            for port in [*c.published, *parse_ports_label(c.labels.get(LABEL_PORTS, "")).values()]:
                held.setdefault(port, who)
            if (number := c.labels.get(LABEL_REDIS_DB, "")).isdigit():
                redis.add(int(number))
        ours = frozenset(p for c in containers if c.project == project for p in c.published)
        return cls(held, frozenset(redis), ours)


def _assign_ports(
    ctx: Context, state: State, record: TicketRecord, branched: set[str], *, engine_held: EngineHoldings,
    avoid: set[int],
) -> list[str]:
    """Give the ticket's services their host ports; returns a notice per recorded port that moved."""
    ws = ctx.ws
    wants = {}
    for svc in dedicated_services(ws.config, branched, record.choices):
        span = ws.config.services[svc].host_ports
        if span is not None and record.port_base is not None:
            block = range(record.port_base, record.port_base + PORT_BLOCK)
            wants[svc] = ports.Want(block, f"the ticket's --port-base {record.port_base} block")
        elif span is not None:
            wants[svc] = ports.Want(range(span.first, span.last + 1), f"services.{svc}.host_ports")
    held = dict(engine_held.ports)
    held |= {p: f"ticket {t.name}" for t in state.tickets.values() if t.slug != record.slug for p in t.ports.values()}
    held |= dict.fromkeys(state.shared.ports.values(), "the shared services")

    def free(port: int) -> bool:
        return port not in avoid and (port in engine_held.ours or ports.port_is_free(ws.config.bind, port))

    before = dict(record.ports)
    record.ports = ports.assign(wants, record.ports, held, free)
    return [
        f"{svc}: port {old} is taken; now {record.ports[svc]}"
        for svc, old in sorted(before.items())
        if svc in record.ports and record.ports[svc] != old and old in wants[svc].candidates
    ]


def _assign_data(
    ctx: Context, state: State, record: TicketRecord, branched: set[str], engine_held: EngineHoldings
) -> None:
    config = ctx.ws.config
    needs_db, needs_redis = needs_data_space(config, dedicated_services(config, branched, record.choices))
    if needs_db and record.database is None:
        record.database = database_name(config.shared.postgres.database, record.slug)
    if needs_redis and record.redis_db is None:
        # A number a live container holds is never given again, whatever the registry says: it would
        # be emptied for the new ticket under the one that uses it.
        used = {t.redis_db for t in state.tickets.values()} | engine_held.redis_dbs
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
    reason = lock_reason(ws, record.name)
    own_branch = ticket_branch(ws, record.name)
    for step in steps:
        if not step.adopt and not step.resumed:
            # git takes its own locks, but two `worktree add`s in one repo can still trip on them.
            with locked(ws.lock_dir / f"git-{step.repo}.lock"):
                _make_ticket_folder(step.path.parent, undo)
                gitops.add_worktree(step.repo_path, step.path, step.branch, start_point=step.start_point, reason=reason)
            crash_point("up:worktree")
            if step.start_point is not None and step.branch is not None:
                undo.push(f"branch {step.branch} in {step.repo}", _deleter(step))
            undo.push(f"worktree {step.path}", _remover(step, reason))
            if copied := copy_included(step.repo_path, step.path, ws.config.repos[step.repo].include):
                ctx.say(f"{record.name}: copied from {step.repo_path} (git ignores them): {', '.join(copied)}")
        marked = not step.borrowed and gitops.mark_worktree(step.path, ws.config_file, keep_existing=step.adopt)
        if marked and step.adopt:
            # An adopted worktree is the user's: a failed `up` takes back the one note it wrote there.
            undo.push(f"wtdock's note in {step.path}", _unmarker(step.path, ws.config_file))
        with ctx.registry.update() as state:
            record = state.tickets[record.slug]
            if step.remade:  # the same worktree again: its branch, start and what wtdock made stay as recorded
                record.repos[step.repo].marked = marked
                continue
            record.repos[step.repo] = RepoRecord(
                path=str(step.path),
                repo_path=str(step.repo_path),
                git_dir=str(step.git_dir),
                branch=step.branch,
                start_point=step.start_point,
                # Unknown for a taken-over worktree: then every commit of its branch counts as its work.
                start_commit=None if step.resumed else step.start_commit or gitops.head_commit(step.path),
                created_worktree=not step.adopt,
                created_branch=step.branch is not None
                and (step.start_point is not None or (step.resumed and step.branch == own_branch)),
                marked=marked,
                borrowed=step.borrowed,
            )
    return ctx.registry.read().tickets[record.slug]


def _make_ticket_folder(folder: Path, undo: Undo) -> None:
    """The ticket's folder of worktrees; a failed `up` leaves no empty one behind."""
    if folder.is_dir():
        return
    folder.mkdir(parents=True)
    undo.push(f"folder {folder}", folder.rmdir)


def _unmarker(path: Path, config_file: Path) -> Callable[[], None]:
    return lambda: gitops.unmark_worktree(path, config_file)


def _deleter(step: Step) -> Callable[[], None]:
    return lambda: gitops.delete_new_branch(step.repo_path, str(step.branch))


def _remover(step: Step, reason: str) -> Callable[[], None]:
    return lambda: gitops.remove_worktree(step.repo_path, step.path, force=False, reason=reason)


def render(ctx: Context, record: TicketRecord, images: Mapping[str, str] | None = None) -> tuple[ProjectPlan, str]:
    """The ticket's complete compose file as text, from the registry and the config. ``images``:
    the built services' tags when the caller hashed their build inputs already in this `up`."""
    ws = ctx.ws
    state = ctx.registry.read()
    shared = SharedAllocations(dict(state.shared.ports), postgres_password(ctx), dict(state.shared.addresses))
    ticket = allocations(record)
    if images is None:
        own = dedicated_services(ws.config, set(record.repos), record.choices)
        images = builds.image_tags(ws, ticket.checkouts, own)
    plan = plan_ticket(ws, ctx.templates, shared, ticket, ctx.user, images=images)
    return plan, yamlio.dump(plan.compose, header(ws, record.name, record.slug))


def compose_file(ws: Workspace, slug: str) -> Path:
    return ws.ticket_dir(slug) / "compose.yaml"


def prepare_ticket(
    ctx: Context, record: TicketRecord, services: Sequence[str] | None = None, *, force_setup: bool = False,
    migrate: bool = True, build: bool = False,
) -> tuple[list[Prepared], tuple[str, ...], dict[str, str]]:
    """The images (built where their inputs changed, or all with ``build``), then the dependency
    volumes, setup and migrations of the ticket's own services, from a compose file written for the
    purpose (without fixed addresses: see ``one_off``). Also the services whose image was rebuilt,
    and the built services' tags (hashed once per `up`: `_start` renders with them)."""
    ws = ctx.ws
    own = [s for s in dedicated_services(ws.config, set(record.repos), record.choices)
           if services is None or s in services]
    plan, _ = render(ctx, record)
    project = ws.ticket_project(record.slug)
    file = compose_file(ws, record.slug).with_name("compose.run.yaml")
    private_dir(file.parent)
    run_model = one_off(plan.compose)
    write_atomic(file, yamlio.dump(run_model, header(ws, record.name, record.slug)))
    mine = {s: v for s, v in run_model["services"].items() if s in own}
    rebuilt = builds.ensure_images(ctx, project, file, mine, force=build)
    tags = {s: str(v["image"]) for s, v in run_model["services"].items() if "build" in v}
    if not any(needs_preparing(ws.config, s) for s in own):
        return [], rebuilt, tags
    checkouts = {s: Path(record.repos[ws.config.services[s].repo].path) for s in own}
    images = {s: str(v.get("image", "")) for s, v in mine.items()}
    target = Target(record.slug, record.name, project, file, checkouts, images)
    return prepare(ctx, target, own, force_setup=force_setup, migrate=migrate), rebuilt, tags


def _start(
    ctx: Context, record: TicketRecord, *, created: bool, undo: Undo, rebuilt: tuple[str, ...] = (),
    images: Mapping[str, str] | None = None,
) -> tuple[str, StartReason | None]:
    """Write the compose file and bring the project up (``rebuilt``: services whose image
    `prepare_ticket` rebuilt under the same tag); on a port the engine says is taken, pick another
    and retry."""
    ws = ctx.ws
    project, file = ws.ticket_project(record.slug), compose_file(ws, record.slug)
    avoid: set[int] = set()
    first: StartReason | None = None  # a retry finds the containers the first try made: not news
    for _ in range(MAX_PORT_RETRIES):
        plan, text = render(ctx, record, images)
        services = plan.compose["services"]
        private_dir(file.parent)
        write_atomic(file, text)
        running = engine.containers(f"com.docker.compose.project={project}")
        check_project_is_ours(ws, project, running)
        reason = start_reason(running, services, record.rendered) or builds.rebuilt_reason(rebuilt)
        if reason is None:
            if first is None:
                return "already running", None
            _record_rendered(ctx, record.slug, services)
            return first.outcome, first
        first = chosen = first or reason
        ctx.say(f"{record.name}: {reason}; starting {project}")
        if created:
            undo.push(f"containers of {project}", lambda: engine.compose_down(project, file, volumes=True))
            created = False
        try:
            crash_point("up:compose")
            engine.compose_up(project, file, ws.config.wait_timeout, on_status=ctx.on_status)
        except engine.PortConflictError as err:
            if err.port not in record.ports.values():
                raise
            avoid.add(err.port)
            engine_held = EngineHoldings.of(workspace_containers(ws), project)
            with ctx.registry.update() as state:
                branched = set(state.tickets[record.slug].repos)
                moved = _assign_ports(
                    ctx, state, state.tickets[record.slug], branched, engine_held=engine_held, avoid=avoid
                )
                record = state.tickets[record.slug]
            for notice in moved:
                ctx.say(f"{record.name}: {notice}")
            continue
        except (engine.ServiceUnhealthyError, engine.StartTimeoutError):
            _record_rendered(ctx, record.slug, services)
            undo.clear()  # made and started: keep it, so that its logs can be read
            raise
        crash_point("up:started")
        _record_rendered(ctx, record.slug, services)
        # An older wtdock gave each ticket a network of its own, which holds one of the engine's pools.
        engine.remove_unused_project_networks(project)
        return chosen.outcome, chosen
    raise UnavailableError(f"{project}: host ports kept being taken while starting; giving up")


def _record_rendered(ctx: Context, slug: str, services: dict[str, Any]) -> None:
    with ctx.registry.update() as state:
        state.tickets[slug].rendered = fingerprints(services)
