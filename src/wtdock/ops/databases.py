"""Each ticket's own database in the shared Postgres: cloned from a template (made from the base
database, refreshed by `db snapshot`), dumped and dropped only when asked, never one wtdock did
not make for that ticket."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from wtdock.errors import NotFoundError, RefusedError
from wtdock.faults import crash_point
from wtdock.files import private_dir
from wtdock.locks import rw_locked
from wtdock.names import ticket_slug
from wtdock.ops.context import Context
from wtdock.ops.postgres import Postgres, UnmarkedCloneError, owner_mark, quote
from wtdock.ops.undo import Undo
from wtdock.plan.connections import database_name, template_database
from wtdock.registry import DatabaseRecord, TicketRecord, now


@contextlib.contextmanager
def _template_lock(ctx: Context, *, exclusive: bool) -> Iterator[None]:
    """Clones share the template; a snapshot replaces it alone."""
    ctx.ensure_state_dir()
    with rw_locked(ctx.ws.lock_dir / "db-template.lock", exclusive=exclusive):
        yield


@dataclass(frozen=True)
class Snapshot:
    base: str
    template: str
    closed_sessions: int


def snapshot(ctx: Context) -> Snapshot:
    """Refresh the template from the base database: copy base to a new template, then swap it in.
    Sessions on the base database are closed for the moment of the copy (apps reconnect)."""
    with _template_lock(ctx, exclusive=True):
        pg = Postgres(ctx)
        base = ctx.ws.config.shared.postgres.database
        ctx.say(f"db: copying {base}: its open sessions are closed and new ones refused for the moment "
                "of the copy (apps reconnect)")
        return _snapshot(ctx, pg)


def _snapshot(ctx: Context, pg: Postgres) -> Snapshot:
    base, template = ctx.ws.config.shared.postgres.database, template_database(ctx.ws.config)
    fresh, old = f"{template}_new", f"{template}_old"
    # A copy killed half-way (SIGKILL: no `finally`) would leave the base refusing connections.
    pg.run(f"ALTER DATABASE {quote(base)} ALLOW_CONNECTIONS true")
    pg.drop(fresh)
    pg.drop(old)
    closed = pg.copy(base, fresh)
    if pg.exists(template):
        pg.run(f"ALTER DATABASE {quote(template)} WITH IS_TEMPLATE false",
               f"ALTER DATABASE {quote(template)} RENAME TO {quote(old)}")
    pg.run(
        f"ALTER DATABASE {quote(fresh)} RENAME TO {quote(template)}",
        # Nobody may connect to the template: a clone waits for, then fails on, any session there.
        f"ALTER DATABASE {quote(template)} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false",
    )
    pg.drop(old)
    return Snapshot(base, template, closed)


def ensure_ticket_database(ctx: Context, record: TicketRecord, undo: Undo) -> None:
    """Give the ticket its database, cloned from the template (made from the base on first use).

    A database recorded for this ticket is taken to exist (`shared down --volumes` forgets them), so
    that a running ticket's `up` makes no Postgres call. An existing database that wtdock did not make
    for this ticket (say the app's own ``app_test``) is never taken over: a later `down --drop-data`
    would drop it. The entry is written as pending before the clone, so that an `up` killed between
    the clone and its mark is resumed rather than refused.
    """
    name = record.database
    if name is None:
        return
    entry = ctx.registry.read().databases.get(name)
    if entry is not None and entry.ticket != record.name:
        raise RefusedError(f"database {name} is kept from ticket {entry.ticket}, which had the same short name",
                           hint=f"`wtdock up {entry.ticket}` to use it again, or `wtdock db drop {name}`")
    if entry is not None and not entry.pending:
        return
    pg = Postgres(ctx)
    mark = owner_mark(ctx, record.name)
    if entry is None and _clone_in_one_trip(ctx, pg, record, mark, undo):
        return
    if pg.exists(name):
        comment = pg.comment(name)
        if comment != mark and not (entry is not None and comment == ""):
            raise RefusedError(f"database {name} exists and wtdock did not make it for ticket {record.name}",
                               hint="pick another ticket name, or rename that database if it is not needed")
        pg.mark(name, mark)
    else:
        _record_database(ctx, name, record.name, pending=True)
        undo.push(f"database {name}", lambda: _forget(ctx, pg, name))
        crash_point("up:clone")
        clone_template(ctx, pg, name)
        crash_point("up:cloned")
        pg.mark(name, mark)
        ctx.say(f"{record.name}: database {name} cloned from {template_database(ctx.ws.config)}")
    _record_database(ctx, name, record.name, pending=False)


def _clone_in_one_trip(ctx: Context, pg: Postgres, record: TicketRecord, mark: str, undo: Undo) -> bool:
    """A new ticket's clone, marked, in one psql run (four otherwise: exists, template exists,
    clone, mark). False when nothing was made: the careful path then looks and decides. A clone
    killed before its registry entry is written is taken up by its mark on the next `up`."""
    name, ticket = str(record.database), record.name
    with _template_lock(ctx, exclusive=False):
        crash_point("up:clone")
        try:
            made = pg.clone_if_free(template_database(ctx.ws.config), name, mark=mark)
        except UnmarkedCloneError:
            # Made (by this very run) but not marked: ours, so this `up`'s undo drops it.
            _record_database(ctx, name, ticket, pending=True)
            undo.push(f"database {name}", lambda: _forget(ctx, pg, name))
            raise
    if made:
        crash_point("up:cloned")
        _record_database(ctx, name, ticket, pending=False)
        undo.push(f"database {name}", lambda: _forget(ctx, pg, name))
        ctx.say(f"{ticket}: database {name} cloned from {template_database(ctx.ws.config)}")
    return made


def _record_database(ctx: Context, name: str, ticket: str, *, pending: bool) -> None:
    with ctx.registry.update() as state:
        state.databases[name] = DatabaseRecord(ticket=ticket, created_at=now(), pending=pending)


def ensure_template(ctx: Context, pg: Postgres) -> str:
    """The template's name, made from the base database first if there is none yet."""
    template = template_database(ctx.ws.config)
    if not pg.exists(template):
        with _template_lock(ctx, exclusive=True):
            if not pg.exists(template):
                made = _snapshot(ctx, pg)
                ctx.say(f"db: made template {made.template} from {made.base} "
                        f"(closed {made.closed_sessions} session(s) on {made.base} for the copy)")
    return template


def clone_template(ctx: Context, pg: Postgres, name: str, *, mark: str | None = None, ensure: bool = True) -> None:
    """A new database ``name`` cloned from the template, made first if need be (``ensure=False``:
    the caller just saw it, and a query is saved); ``mark``: its comment."""
    template = ensure_template(ctx, pg) if ensure else template_database(ctx.ws.config)
    with _template_lock(ctx, exclusive=False):  # a snapshot must not swap the template mid-clone
        pg.clone(template, name, mark=mark)


def _forget(ctx: Context, pg: Postgres, name: str) -> None:
    pg.drop(name)
    with ctx.registry.update() as state:
        state.databases.pop(name, None)


def _owned(ctx: Context, record: TicketRecord) -> str:
    """The ticket's database, if wtdock made it for this ticket (by name AND by registry entry);
    never the base or the template."""
    config = ctx.ws.config
    name = record.database
    entry = ctx.registry.read().databases.get(name or "")
    expected = database_name(config.shared.postgres.database, record.slug)
    if name is None or entry is None or entry.ticket != record.name or name != expected or name in (
        config.shared.postgres.database, template_database(config)
    ):
        raise RefusedError(f"ticket {record.name} has no database that wtdock made for it")
    return name


@dataclass(frozen=True)
class Drop:
    """A ticket database that `down --drop-data` will dump and drop, checked before anything goes."""

    pg: Postgres
    database: str
    slug: str


def prepare_drop(ctx: Context, record: TicketRecord) -> Drop | None:
    """Every precondition of dropping the ticket's data, checked up front: wtdock made the database
    for this ticket, and the shared Postgres runs. None when the ticket has no database."""
    if record.database is None or record.database not in ctx.registry.read().databases:
        return None
    return Drop(Postgres(ctx), _owned(ctx, record), record.slug)


def dump(ctx: Context, drop: Drop) -> Path:
    """``pg_dump -Fc`` into the ticket's state folder (0600); a failed dump leaves no file."""
    dumps = private_dir(ctx.ws.ticket_dir(drop.slug) / "dumps")
    target = dumps / f"{drop.database}-{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%SZ}.dump"
    drop.pg.dump(drop.database, target)
    return target


def forget(ctx: Context, drop: Drop) -> None:
    _forget(ctx, drop.pg, drop.database)


def _dump_and_drop(ctx: Context, pg: Postgres, name: str, slug: str) -> Path:
    plan = Drop(pg, name, slug)
    target = dump(ctx, plan)
    forget(ctx, plan)
    return target


def drop_kept(ctx: Context, name: str) -> Path:
    """Dump, then drop, a database that a plain `down` kept: one in the registry whose ticket is gone."""
    entry = ctx.registry.read().databases.get(name)
    if entry is None:
        raise NotFoundError(f"wtdock made no database {name!r} in workspace {ctx.ws.name}",
                            hint="`wtdock db list` shows the databases wtdock made")
    slug = ticket_slug(entry.ticket)
    with ctx.lock(f"ticket-{slug}"):  # no `up` of that ticket may start on it meanwhile
        if any(t.database == name for t in ctx.registry.read().tickets.values()):
            raise RefusedError(f"database {name} belongs to ticket {entry.ticket}, which still exists",
                               hint=f"`wtdock down {entry.ticket} --drop-data`")
        return _dump_and_drop(ctx, Postgres(ctx), name, slug)


def reset(ctx: Context, record: TicketRecord) -> str:
    """Drop the ticket's database and clone it again from the template."""
    name = _owned(ctx, record)
    pg = Postgres(ctx)
    template = template_database(ctx.ws.config)
    # Not under an `up` or a `down --drop-data` of the same ticket.
    with ctx.lock(f"ticket-{record.slug}"), _template_lock(ctx, exclusive=False):
        if not pg.exists(template):
            raise NotFoundError(f"there is no template {template} to clone {name} from", hint="wtdock db snapshot")
        pg.drop(name)
        pg.clone(template, name)
        pg.mark(name, owner_mark(ctx, record.name))
    return name


@dataclass(frozen=True)
class DatabaseView:
    name: str
    role: str
    ticket: str | None
    size_mb: float | None


def list_databases(ctx: Context) -> list[DatabaseView]:
    """The base, the template, and every ticket database wtdock made (kept ones too)."""
    config = ctx.ws.config
    state = ctx.registry.read()
    sizes = Postgres(ctx).sizes()
    active = {t.database for t in state.tickets.values()}
    rows = [
        DatabaseView(config.shared.postgres.database, "base", None, None),
        DatabaseView(template_database(config), "template", None, None),
    ]
    for name, entry in sorted(state.databases.items()):
        rows.append(DatabaseView(name, "ticket" if name in active else "kept after down", entry.ticket, None))
    return [
        DatabaseView(r.name, r.role, r.ticket, round(sizes[r.name] / 1e6, 1) if r.name in sizes else None)
        for r in rows
    ]


def psql_argv(ctx: Context, record: TicketRecord | None) -> tuple[str, list[str]]:
    """The container and argv for an interactive psql on a ticket's database (or the base)."""
    pg = Postgres(ctx)
    database = (record.database if record else None) or ctx.ws.config.shared.postgres.database
    if record is not None and record.database is None:
        raise NotFoundError(f"ticket {record.name} has no database of its own; it uses {database}",
                            hint="`wtdock db psql` with no ticket opens the base database")
    return pg.container, ["psql", "-U", pg.user, "-d", database]
