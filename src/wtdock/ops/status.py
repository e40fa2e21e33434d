"""`wtdock ps`, `url`, `env`: tickets as the registry and one engine query describe them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from wtdock.errors import NotFoundError
from wtdock.ops.context import Context
from wtdock.ops.records import find_record
from wtdock.ops.secrets import postgres_password
from wtdock.ops.views import TicketView, ticket_view, workspace_containers
from wtdock.plan.compose import display_host
from wtdock.plan.connections import SHARED_PREFIX, DataSpace, connection_env, host_addresses
from wtdock.registry import TicketRecord
from wtdock.testing.info import TicketInfo


def ps(ctx: Context) -> list[TicketView]:
    """Every ticket with its status: the registry plus ONE label-filtered engine query."""
    state = ctx.registry.read()
    containers = workspace_containers(ctx.ws) if state.tickets else []
    return [ticket_view(ctx.ws, state, rec, containers) for rec in sorted(state.tickets.values(), key=_order)]


def _order(record: TicketRecord) -> tuple[str, str]:
    return (record.created_at, record.slug)


def view(ctx: Context, name: str | None, *, with_status: bool = False) -> TicketView:
    """A ticket by name, or, with no name, the ticket whose worktree holds the current folder."""
    record = find_record(ctx, name) if name else ticket_here(ctx, Path.cwd())
    state = ctx.registry.read()
    return ticket_view(ctx.ws, state, record, workspace_containers(ctx.ws) if with_status else None)


@dataclass(frozen=True)
class Urls:
    ticket: str
    urls: dict[str, str | None]


def urls(ctx: Context, name: str, service: str | None = None) -> Urls:
    """A ticket's URLs by service (the shared instance's for services it does not run), or one."""
    found = view(ctx, name)
    every = {s.service: s.url for s in found.services}
    if service is None:
        return Urls(found.name, every)
    if every.get(service) is None:
        raise NotFoundError(f"ticket {found.name} has no URL for service {service!r}")
    return Urls(found.name, {service: every[service]})


def ticket_here(ctx: Context, cwd: Path) -> TicketRecord:
    here = cwd.resolve()
    for record in ctx.registry.read().tickets.values():
        # A test stack mounts the same checkouts, but the folder is the ticket's, not the stack's.
        if record.test is not None:
            continue
        for rec in record.repos.values():
            if here.is_relative_to(Path(rec.path).resolve()):
                return record
    raise NotFoundError(
        f"{cwd} is not inside a worktree of a ticket of workspace {ctx.ws.name}",
        hint="name the ticket: `wtdock env TICKET`",
    )


def host_env(ctx: Context, ticket: TicketView) -> dict[str, str]:
    """Settings for tools on the host: service URLs and, where the ticket has them, its own
    database, Redis number and event prefix on the shared servers' host ports."""
    ws = ctx.ws
    state = ctx.registry.read()
    host = display_host(ws.config.bind)
    env: dict[str, str] = {"WTDOCK_TICKET": ticket.name, "WTDOCK_PROJECT": ticket.project}
    for svc in ticket.services:
        key = svc.service.upper().replace("-", "_")
        if svc.url:
            env[f"{key}_URL"] = svc.url
        if svc.internal_url:
            env[f"{key}_INTERNAL_URL"] = svc.internal_url
    base = ws.config.shared.postgres.database
    space = DataSpace(ticket.database or base, ticket.redis_db or 0, ticket.events_prefix or SHARED_PREFIX)
    at = host_addresses(ws.config, host, state.shared.ports)
    env |= connection_env(ws.config, ("postgres", "redis", "events"), space, postgres_password(ctx), at)
    return env


def ticket_info(ctx: Context, ticket: TicketView) -> TicketInfo:
    """A ticket as the pytest plugin hands it to tests."""
    return TicketInfo(
        name=ticket.name,
        workspace=ctx.ws.name,
        project=ticket.project,
        network=ctx.ws.network,
        urls={s.service: s.url for s in ticket.services if s.url},
        internal_urls={s.service: s.internal_url for s in ticket.services if s.internal_url},
        env=host_env(ctx, ticket),
        database=ticket.database,
        redis_db=ticket.redis_db,
        events_prefix=ticket.events_prefix,
    )
