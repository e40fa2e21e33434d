"""Test databases: each pytest-xdist worker (or each test) gets a fresh database, cloned from the
ticket's database, or from the template when the ticket has none of its own, and dropped afterwards.

A test database is known by its comment, which names its session and its workspace, and not by the
registry: sessions come and go by the hundred, and one killed with SIGKILL writes nothing, yet
`wtdock gc` must find what it left. Nothing here drops a database without that mark, and never the
base, the template or a ticket's database, whatever its comment says.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Literal, cast

from wtdock.errors import NotFoundError, RefusedError, UnavailableError
from wtdock.ops.context import Context
from wtdock.ops.databases import clone_template, ensure_template
from wtdock.ops.postgres import Postgres, quote
from wtdock.ops.secrets import postgres_password
from wtdock.ops.test_sessions import TestSession
from wtdock.plan.compose import display_host
from wtdock.plan.connections import (
    MAX_IDENTIFIER,
    SHARED_PREFIX,
    DataSpace,
    connection_env,
    host_addresses,
    network_addresses,
    postgres_url,
    template_database,
)
from wtdock.registry import TicketRecord

Kind = Literal["database", "source"]
# After the base's name, two underscores, which no ticket's database can hold there (see
# template_database), then a letter that the template's "__template" does not start with.
_INFIX: dict[Kind, str] = {"database": "t", "source": "s"}
_MARK = re.compile(r"wtdock: test (database|source) of session (\S+) in workspace (\S+)")
_SESSION_ID = re.compile(r"[0-9a-f]{8}")
_DIGEST = 8


@dataclass(frozen=True)
class TestMark:
    """The comment on a test database: what it is (a clone a test uses, or a source that clones are
    made from), which session made it, in which workspace."""

    __test__ = False  # not a pytest test class, whatever its name

    kind: Kind
    session: TestSession
    workspace: str

    @property
    def text(self) -> str:
        return f"wtdock: test {self.kind} of session {self.session.tag} in workspace {self.workspace}"

    @classmethod
    def parse(cls, comment: str) -> TestMark | None:
        """The mark a comment holds; None for any other comment (a ticket's, a person's, none)."""
        match = _MARK.fullmatch(comment)
        session = TestSession.parse(match.group(2)) if match else None
        if match is None or session is None:
            return None
        return cls(cast("Kind", match.group(1)), session, match.group(3))


@dataclass(frozen=True)
class TestDatabase:
    """A database one worker or one test has to itself, and how to reach it."""

    __test__ = False

    name: str
    source: str  # what it was cloned from: a source copy of the ticket's database, or the template
    url: str  # from the host, on the shared Postgres's host port
    internal_url: str  # from containers on the workspace network
    env: dict[str, str]  # DATABASE_URL, PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE, for the host


def clean_label(label: str, room: int) -> str:
    """``label`` as ``[a-z0-9_]``, at most ``room`` characters. A label that already is one is kept;
    any other is cleaned, cut and followed by a digest of it, so that two labels (``gw0-t1`` and
    ``gw0_t1``) never name one database: a clone of one test would replace another's."""
    if re.fullmatch(r"[a-z0-9_]+", label) and len(label) <= room:
        return label
    digest = hashlib.sha256(label.encode()).hexdigest()[:_DIGEST]
    kept = re.sub(r"[^a-z0-9_]", "_", label.lower())[: room - _DIGEST - 1]
    return f"{kept}_{digest}" if kept else digest


def session_database_name(base: str, session: TestSession, label: str, kind: Kind = "database") -> str:
    """``<base>__t<session id>_<label>`` (``__s`` for a source): within Postgres's 63 characters,
    and never the name of a ticket's database (``<base>_<ticket>``) or of the template."""
    if not _SESSION_ID.fullmatch(session.id):
        raise ValueError(f"bug: not a test session id: {session.id!r}")
    prefix = f"{base}__{_INFIX[kind]}{session.id}_"
    return prefix + clean_label(label, MAX_IDENTIFIER - len(prefix))


def source_database(ctx: Context, record: TicketRecord | None, session: TestSession, worker: str) -> str:
    """What a worker's test databases are cloned from. For a ticket with its own database, a copy of
    it for this (session, worker), made once: the copy closes the ticket's sessions for a moment (apps
    reconnect), and the copy, which refuses connections, lets every later clone neither wait on nor
    interrupt the ticket's app. With no ticket database: the template (made from the base if need be)."""
    pg = Postgres(ctx)
    if record is None or record.database is None:
        return ensure_template(ctx, pg)
    name = session_database_name(ctx.ws.config.shared.postgres.database, session, worker, "source")
    # Workers of one session copy the same database, one at a time: side by side, their ALTER
    # DATABASEs of it fail ("tuple concurrently updated", seen with four), and the end of one copy
    # lets the app reconnect under the next.
    with ctx.lock(f"test-source-{record.slug}"):
        _ensure_source(ctx, pg, record, name, TestMark("source", session, ctx.ws.name))
    return name


def _ensure_source(ctx: Context, pg: Postgres, record: TicketRecord, name: str, mark: TestMark) -> None:
    comments = pg.comments()
    ticket_db = record.database or ""
    if name not in comments:
        if ticket_db not in comments:
            raise NotFoundError(f"ticket {record.name}'s database {ticket_db} does not exist",
                                hint=f"`wtdock up {record.name}` makes it")
        closed = pg.copy(ticket_db, name, mark=mark.text)
        ctx.say(f"test: copied {ticket_db} to {name} (closed {closed} session(s) on {ticket_db} for the copy)")
    elif comments[name] != mark.text:
        raise RefusedError(f"database {name} exists and is not a test source of session {mark.session.tag}")
    # Again when it exists: a copy killed before this line left a source that still takes connections.
    pg.run(f"ALTER DATABASE {quote(name)} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false")


def create_test_database(ctx: Context, source: str, session: TestSession, label: str) -> TestDatabase:
    """A fresh database cloned from ``source`` (the template, or a source of this session), marked as
    a test database of ``session``. A label names one database: one left under it by this session
    (a worker that pytest-xdist restarted) is replaced."""
    pg = Postgres(ctx)
    name = session_database_name(ctx.ws.config.shared.postgres.database, session, label)
    mark = TestMark("database", session, ctx.ws.name).text
    comments = pg.comments()
    _check_source(ctx, source, session, comments)
    if name in comments:
        if comments[name] != mark:
            raise RefusedError(f"database {name} exists and is not a test database of session {session.tag}")
        _drop(pg, name)
    if source == template_database(ctx.ws.config):
        clone_template(ctx, pg, name, mark=mark, ensure=source not in comments)
    else:
        pg.clone(source, name, mark=mark)
    return _described(ctx, name, source)


def _check_source(ctx: Context, source: str, session: TestSession, comments: dict[str, str]) -> None:
    # A clone of a database that anyone uses (a ticket's) waits for its sessions, then fails.
    if source == template_database(ctx.ws.config):
        return
    if comments.get(source) != TestMark("source", session, ctx.ws.name).text:
        raise RefusedError(f"test databases are cloned from the template or a test source of session "
                           f"{session.tag}, not from {source}", hint="source_database() names one")


def _described(ctx: Context, name: str, source: str) -> TestDatabase:
    config = ctx.ws.config
    at = host_addresses(config, display_host(config.bind), ctx.registry.read().shared.ports)
    inside = network_addresses(config).postgres
    if at.postgres is None or inside is None:
        raise UnavailableError(f"the shared Postgres of {ctx.ws.name} has no host port", hint="wtdock shared up")
    password = postgres_password(ctx)
    env = connection_env(config, ("postgres",), DataSpace(name, 0, SHARED_PREFIX), password, at)
    return TestDatabase(name, source, env["DATABASE_URL"], postgres_url(config, password, inside, name), env)


def drop_test_database(ctx: Context, name: str) -> None:
    """Drop a test database (or source) of this workspace; nothing when it is gone already. Any other
    database is refused, marked or not, and so are the base, the template and tickets' databases."""
    pg = Postgres(ctx)
    comments = pg.comments()
    if name not in comments:
        return
    if name not in marked_test_databases(ctx, comments):
        raise RefusedError(f"database {name} is not a test database of workspace {ctx.ws.name}; it stays",
                           hint="wtdock drops only the test databases it made")
    _drop(pg, name)


def drop_session_databases(ctx: Context, session: TestSession) -> list[str]:
    """Drop every test database and source of ``session``; their names."""
    pg = Postgres(ctx)
    marks = marked_test_databases(ctx, pg.comments())
    mine = sorted((name for name, mark in marks.items() if mark.session == session),
                  key=lambda name: (marks[name].kind == "source", name))  # clones first, then what they came from
    if mine:
        # In one psql run: each run costs ~0.2 s, a session may leave dozens.
        pg.run(*(statement for name in mine for statement in _drop_statements(name)))
    return mine


def orphan_test_databases(ctx: Context) -> list[tuple[str, TestSession]]:
    """Test databases and sources whose session's process is gone (a session of another host counts
    as alive): what `wtdock gc` drops."""
    marks = marked_test_databases(ctx, Postgres(ctx).comments())
    alive: dict[TestSession, bool] = {}
    for mark in marks.values():
        alive.setdefault(mark.session, mark.session.alive())
    return [(name, mark.session) for name, mark in sorted(marks.items()) if not alive[mark.session]]


def marked_test_databases(ctx: Context, comments: dict[str, str]) -> dict[str, TestMark]:
    """The test databases of this workspace: marked so, named so, and none that wtdock holds for
    anything else (a comment can be copied by hand)."""
    config = ctx.ws.config
    base = config.shared.postgres.database
    state = ctx.registry.read()
    held = {base, template_database(config), *state.databases, *(t.database for t in state.tickets.values())}
    prefixes = tuple(f"{base}__{infix}" for infix in _INFIX.values())
    found = {}
    for name, comment in comments.items():
        mark = TestMark.parse(comment)
        if mark and mark.workspace == ctx.ws.name and name.startswith(prefixes) and name not in held:
            found[name] = mark
    return found


def _drop(pg: Postgres, name: str) -> None:
    pg.run(*_drop_statements(name))


def _drop_statements(name: str) -> list[str]:
    # A source is a template, and Postgres refuses to drop a template ("cannot drop a template database").
    quoted = quote(name)
    return [f"ALTER DATABASE {quoted} WITH IS_TEMPLATE false", f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)"]
