"""Per-ticket data spaces inside the shared services (filled in by the isolation work)."""

from __future__ import annotations

from wtdock.ops.context import Context
from wtdock.ops.undo import Undo
from wtdock.registry import TicketRecord


def ensure_ticket_database(ctx: Context, record: TicketRecord, undo: Undo) -> None:
    """Create the ticket's database from the template when it has none yet."""
    del ctx, record, undo


def drop_ticket_data(ctx: Context, record: TicketRecord) -> list[str]:
    """Dump the ticket's database to its state folder, then drop it."""
    del ctx, record
    return []
