"""Test databases on the real engine, as the pytest plugin and `wtdock gc` use them: each worker's
own database holding the ticket's rows (or the base's, through the template), reachable from the
host, never touching the ticket's database or its app's sessions, all dropped with their session,
and what a killed session left found by gc."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable

import psycopg2
import pytest

from tests.integration.helpers import Sandbox, database_url, http_get
from tests.integration.helpers import query as sql
from wtdock.errors import RefusedError
from wtdock.ops import test_databases as tdb
from wtdock.ops.context import Context
from wtdock.ops.test_sessions import TestSession
from wtdock.registry import TicketRecord
from wtdock.workspace import Workspace

# One pytest-xdist worker: its source and its database, made in its own process (locks are per process).
WORKER = """
import json, sys
from wtdock.ops.context import Context
from wtdock.ops.test_databases import create_test_database, source_database
from wtdock.ops.test_sessions import TestSession
from wtdock.workspace import Workspace
root, ticket, tag, worker = sys.argv[1:]
ctx = Context(Workspace.load(explicit=root))
session = TestSession.parse(tag)
source = source_database(ctx, ctx.registry.read().tickets[ticket], session, worker)
print(json.dumps(create_test_database(ctx, source, session, worker).__dict__))
"""


def databases(ws: Sandbox) -> set[str]:
    return {row[0] for row in sql(database_url(ws, "postgres"), "SELECT datname FROM pg_database")}


def context(ws: Sandbox) -> Context:
    return Context(Workspace.load(explicit=str(ws.root)))


def ticket(ctx: Context, name: str) -> TicketRecord:
    return ctx.registry.read().tickets[name]


@pytest.fixture
def ws(make_workspace: Callable[..., Sandbox]) -> Sandbox:
    """t1 with its own API, so its own database, holding one row."""
    sandbox: Sandbox = make_workspace("tdb")
    sandbox.cli("up", "t1", "--from", "api=feat/endpoint")
    sql(database_url(sandbox, "app_t1"), "CREATE TABLE seed (n int)", "INSERT INTO seed VALUES (1)")
    return sandbox


def test_each_clone_holds_the_tickets_rows_and_its_own_writes(ws: Sandbox) -> None:
    ctx, session = context(ws), TestSession.new()
    app_session = psycopg2.connect(database_url(ws, "app_t1"))  # as the ticket's app holds one
    source = tdb.source_database(ctx, ticket(ctx, "t1"), session, "gw0")
    assert tdb.source_database(ctx, ticket(ctx, "t1"), session, "gw0") == source  # made once per worker

    # The copy closed the app's session (apps reconnect); the ticket's API works on.
    with pytest.raises(psycopg2.OperationalError):
        app_session.cursor().execute("SELECT 1")
    view = next(t for t in ws.json("ps") if t["name"] == "t1")
    api = next(s["url"] for s in view["services"] if s["service"] == "api")
    assert http_get(f"{api}/db/put?key=k&value=after-copy") == "stored"

    # Clones of the source neither wait on nor close a session on the ticket's database.
    app_session = psycopg2.connect(database_url(ws, "app_t1"))
    made = [tdb.create_test_database(ctx, source, session, label) for label in ("gw0", "gw0_t1", "gw0_t2")]
    with app_session.cursor() as cur:
        cur.execute("SELECT n FROM seed")
        assert cur.fetchall() == [(1,)]
    app_session.close()

    assert len({db.name for db in made} | {source, "app_t1"}) == 5
    for db in made:
        assert db.source == source
        assert sql(db.url, "SELECT current_database()") == [(db.name,)]
        assert sql(db.env["DATABASE_URL"], "SELECT n FROM seed") == [(1,)]
        assert (db.env["PGHOST"], db.env["PGDATABASE"]) == ("127.0.0.1", db.name)
        assert db.internal_url.endswith(f"@postgres:5432/{db.name}")
    sql(made[0].url, "INSERT INTO seed VALUES (2)")
    assert sql(made[1].url, "SELECT n FROM seed") == [(1,)]
    assert sql(database_url(ws, "app_t1"), "SELECT n FROM seed") == [(1,)]

    dropped = tdb.drop_session_databases(ctx, session)
    assert set(dropped) == {db.name for db in made} | {source}
    assert not databases(ws) & set(dropped)
    assert sql(database_url(ws, "app_t1"), "SELECT n FROM seed") == [(1,)]
    assert tdb.drop_session_databases(ctx, session) == []


def test_four_workers_at_once_on_one_ticket_each_get_a_database(ws: Sandbox) -> None:
    """`pytest -n 4` against one ticket: four processes copy its database and clone their own."""
    session = TestSession.new()
    args = [str(ws.root), "t1", session.tag]
    workers = [subprocess.Popen([sys.executable, "-c", WORKER, *args, f"gw{i}"], text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE) for i in range(4)]
    outcomes = [(w.wait(timeout=120), *w.communicate()) for w in workers]
    assert [code for code, _, _ in outcomes] == [0, 0, 0, 0], outcomes
    made = [json.loads(out) for _, out, _ in outcomes]
    assert len({db["name"] for db in made}) == len({db["source"] for db in made}) == 4
    for db in made:
        assert sql(db["url"], "SELECT current_database(), n FROM seed") == [(db["name"], 1)]
    assert len(tdb.drop_session_databases(context(ws), session)) == 8


def test_without_a_ticket_database_clones_come_from_the_template(make_workspace: Callable[..., Sandbox]) -> None:
    ws: Sandbox = make_workspace("tdbt")
    ws.cli("shared", "up")
    sql(database_url(ws, "app"), "CREATE TABLE seed (n int)", "INSERT INTO seed VALUES (7)")
    ws.cli("up", "t2")  # the shared API: no database of its own
    ctx, session = context(ws), TestSession.new()
    assert ticket(ctx, "t2").database is None

    source = tdb.source_database(ctx, ticket(ctx, "t2"), session, "gw0")
    assert source == tdb.source_database(ctx, None, session, "gw1") == "app__template"
    one, two = (tdb.create_test_database(ctx, source, session, label) for label in ("gw0", "gw1"))
    assert one.name != two.name
    assert sql(one.url, "SELECT current_database(), n FROM seed") == [(one.name, 7)]
    assert sql(two.url, "SELECT current_database(), n FROM seed") == [(two.name, 7)]

    assert sorted(tdb.drop_session_databases(ctx, session)) == sorted([one.name, two.name])
    assert {"app", "app__template"} <= databases(ws)  # the template is the workspace's, not the session's


def test_gc_finds_what_a_dead_session_left_and_drop_refuses_the_rest(ws: Sandbox) -> None:
    ctx = context(ws)
    finished = subprocess.Popen([sys.executable, "-c", "pass"])
    finished.wait()
    dead, live = TestSession("deadbeef", finished.pid, TestSession.new().host), TestSession.new()
    left = [tdb.source_database(ctx, ticket(ctx, "t1"), dead, "gw0")]
    left.append(tdb.create_test_database(ctx, left[0], dead, "gw0").name)
    kept = tdb.create_test_database(ctx, "app__template", live, "gw0").name

    orphans = tdb.orphan_test_databases(ctx)
    assert sorted(orphans) == sorted((name, dead) for name in left)
    assert kept not in {name for name, _ in orphans}
    for name, _ in orphans:
        tdb.drop_test_database(ctx, name)
    tdb.drop_test_database(ctx, left[0])  # gone already: nothing to do
    assert not databases(ws) & set(left)
    assert tdb.orphan_test_databases(ctx) == []

    # Never the base, the template, a ticket's database, nor one wtdock did not mark, even when
    # named like a test database or carrying a test mark by hand.
    mark = tdb.TestMark("database", live, ctx.ws.name).text
    sql(database_url(ws, "postgres"), "CREATE DATABASE app__tdeadbeef_mine", "CREATE DATABASE mine",
        f"COMMENT ON DATABASE mine IS '{mark}'", f"COMMENT ON DATABASE app_t1 IS '{mark}'")
    for name in ("app", "app__template", "app_t1", "app__tdeadbeef_mine", "mine"):
        with pytest.raises(RefusedError, match=f"database {name} is not a test database of workspace"):
            tdb.drop_test_database(ctx, name)
    assert {"app", "app__template", "app_t1", "app__tdeadbeef_mine", "mine", kept} <= databases(ws)
    assert tdb.drop_session_databases(ctx, live) == [kept]
