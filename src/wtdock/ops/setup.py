"""`wtdock setup`: a ticket's setup commands again, by hand (after a manual change, or `--force`)."""

from __future__ import annotations

from dataclasses import dataclass

from wtdock import engine
from wtdock.errors import NotFoundError
from wtdock.ops.context import Context
from wtdock.ops.prepare import Prepared
from wtdock.ops.records import find_record
from wtdock.ops.shared import shared_up
from wtdock.ops.up import compose_file, prepare_ticket
from wtdock.plan.wiring import dedicated_services


@dataclass(frozen=True)
class SetupResult:
    ticket: str
    prepared: tuple[Prepared, ...]
    restarted: tuple[str, ...]


def setup(ctx: Context, name: str, service: str | None = None, *, force: bool = False) -> SetupResult:
    """Run the setup of the ticket's own services (or one of them) where their inputs changed, or
    always with ``force``; a running service whose setup ran is restarted to load what it installed."""
    record = find_record(ctx, name)
    with ctx.lock(f"ticket-{record.slug}"):
        record = find_record(ctx, name)
        own = dedicated_services(ctx.ws.config, set(record.repos), record.choices)
        if service is not None and service not in own:
            raise NotFoundError(
                f"ticket {record.name} runs no service {service!r} of its own (its own: {', '.join(own) or 'none'})",
                hint="a service the ticket shares runs its setup with `wtdock shared up`",
            )
        with ctx.using_shared():
            shared_up(ctx)
            chosen = [service] if service else own
            prepared, _, _ = prepare_ticket(ctx, record, chosen, force_setup=force, migrate=False)
        project = ctx.ws.ticket_project(record.slug)
        running = {c.service for c in engine.containers(f"{engine.LABEL_PROJECT}={project}") if c.state == "running"}
        restart = [p.service for p in prepared if p.setup == "ran" and p.service in running]
        if restart:
            engine.compose_restart(project, compose_file(ctx.ws, record.slug), restart)
    return SetupResult(record.name, tuple(prepared), tuple(restart))
