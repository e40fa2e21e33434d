"""Commands that hand the terminal to a tool in a container: logs, exec, psql. Each returns the
tool's exit code; which containers they may reach is decided here, not in the CLI."""

from __future__ import annotations

from collections.abc import Sequence

from wtdock import engine
from wtdock.errors import NotFoundError, UserError
from wtdock.ops.context import Context
from wtdock.ops.records import ensure_file, find_record
from wtdock.ops.status import view
from wtdock.ops.views import TicketView


def logs_args(service: str | None, *, follow: bool) -> list[str]:
    return ["logs", *(["--follow"] if follow else []), *([service] if service else [])]


def own_service(ctx: Context, ticket: str, service: str) -> TicketView:
    """The ticket, when ``service`` is one it runs itself (not the shared instance)."""
    found = view(ctx, ticket)
    match = next((s for s in found.services if s.service == service), None)
    if match is None:
        raise NotFoundError(f"no service {service!r} in {ctx.ws.config_file}")
    if not match.dedicated:
        raise UserError(
            f"ticket {found.name} uses the shared {service}",
            hint=f"`wtdock shared logs {service}`, or docker compose -p {ctx.ws.shared_project} exec {service} ...",
        )
    return found


def ticket_logs(ctx: Context, ticket: str, service: str | None, *, follow: bool) -> int:
    record = find_record(ctx, ticket)
    if service is not None:
        own_service(ctx, ticket, service)
    project = ctx.ws.ticket_project(record.slug)
    return engine.compose_attached(project, ensure_file(ctx, record), logs_args(service, follow=follow))


def shared_logs(ctx: Context, service: str | None, *, follow: bool) -> int:
    from wtdock.ops.shared import ensure_compose_file
    from wtdock.plan.shared import infra_services, shared_instances

    known = [*infra_services(ctx.ws), *shared_instances(ctx.ws)]
    if service is not None and service not in known:
        # Checked like a ticket's service: an unknown value must not reach Compose (`-- --since=x`
        # would be read as its option).
        raise NotFoundError(f"no shared service {service!r} in workspace {ctx.ws.name}",
                            hint=f"shared services: {', '.join(known) or 'none'}")
    return engine.compose_attached(ctx.ws.shared_project, ensure_compose_file(ctx), logs_args(service, follow=follow))


def exec_in_ticket(ctx: Context, ticket: str, service: str, argv: Sequence[str]) -> int:
    """Run ``argv`` in one of the ticket's own containers, on this terminal."""
    if not argv:
        raise UserError("no command to run", hint=f"wtdock exec {ticket} {service} -- CMD...")
    found = own_service(ctx, ticket, service)
    record = find_record(ctx, ticket)
    return engine.compose_attached(found.project, ensure_file(ctx, record), ["exec", service, *argv])


def psql(ctx: Context, ticket: str | None) -> int:
    """An interactive psql on a ticket's database (or the base one) inside the shared Postgres."""
    from wtdock.ops.databases import psql_argv

    container, argv = psql_argv(ctx, find_record(ctx, ticket) if ticket else None)
    return engine.exec_interactive(container, argv)
