"""A ticket's registry record, found by name, and its compose file, written again when missing or garbled."""

from __future__ import annotations

from pathlib import Path

from wtdock import yamlio
from wtdock.errors import NotFoundError
from wtdock.files import private_dir, write_atomic
from wtdock.names import ticket_slug
from wtdock.ops.context import Context
from wtdock.ops.up import compose_file, render
from wtdock.registry import TicketRecord


def find_record(ctx: Context, name: str) -> TicketRecord:
    slug = ticket_slug(name)
    record = ctx.registry.read().ticket(slug)
    if record is None:
        raise NotFoundError(f"no ticket {name!r} in workspace {ctx.ws.name}", hint="`wtdock ps` lists them")
    return record


def ensure_file(ctx: Context, record: TicketRecord) -> Path:
    """The ticket's compose file; written again from the registry if someone deleted, emptied or
    garbled it (it is generated, and `up` writes it anew anyway): Compose would otherwise refuse
    `stop` and `down` with a YAML error that names neither the file nor a way out."""
    file = compose_file(ctx.ws, record.slug)
    if file.exists() and (problem := yamlio.compose_problem(file, ctx.ws.ticket_project(record.slug))):
        ctx.say(f"{problem}; written again from the registry")
    elif file.exists():
        return file
    private_dir(file.parent)
    write_atomic(file, render(ctx, record)[1])
    return file
