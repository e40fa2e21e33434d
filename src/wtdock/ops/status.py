"""`wtdock ps`, `url`, `env`: tickets as the registry and one engine query describe them."""

from __future__ import annotations

from pathlib import Path

from wtdock.errors import NotFoundError
from wtdock.ops.context import Context
from wtdock.ops.secrets import postgres_password
from wtdock.ops.teardown import find_record
from wtdock.ops.views import TicketView, ticket_view, workspace_containers
from wtdock.plan import connections
from wtdock.plan.compose import display_host
from wtdock.registry import TicketRecord


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


def ticket_here(ctx: Context, cwd: Path) -> TicketRecord:
    here = cwd.resolve()
    for record in ctx.registry.read().tickets.values():
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
    shared_ports = state.shared.ports
    if "postgres" in shared_ports:
        pg = ws.config.shared.postgres
        database = ticket.database or pg.database
        env["DATABASE_URL"] = (
            f"postgresql://{pg.user}:{postgres_password(ctx)}@{host}:{shared_ports['postgres']}/{database}"
        )
    if "redis" in shared_ports:
        env["REDIS_URL"] = f"redis://{host}:{shared_ports['redis']}/{ticket.redis_db or 0}"
    engine_key = ws.config.shared.events.engine
    if engine_key in shared_ports:
        prefix = ticket.events_prefix or connections.SHARED_PREFIX
        if engine_key == "nats":
            env |= {"NATS_URL": f"nats://{host}:{shared_ports['nats']}", "EVENTS_PREFIX": prefix,
                    "EVENTS_STREAM": prefix}
        else:
            env |= {"KAFKA_BROKERS": f"{host}:{shared_ports[engine_key]}", "KAFKA_TOPIC_PREFIX": f"{prefix}.",
                    "KAFKA_CONSUMER_GROUP": prefix}
    return env
