"""Isolation inside the shared services (issue 5): a database, a Redis number and an event
namespace per ticket, cloned fast from a template; data kept by `down` unless dropped (with a dump)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.integration.helpers import Sandbox, database_url, http_get, http_json, query


def api_url(ws: Sandbox, ticket: str) -> str:
    view = next(t for t in ws.json("ps") if t["name"] == ticket)
    return next(s["url"] for s in view["services"] if s["service"] == "api")


def base_sql(ws: Sandbox, *statements: str, database: str = "app") -> list[Any]:
    """Run SQL on the shared Postgres from the host, as a person with psql would."""
    return query(database_url(ws, database), *statements)


@pytest.fixture
def ws(make_workspace: Any) -> Sandbox:
    sandbox: Sandbox = make_workspace("iso")
    sandbox.cli("shared", "up")
    base_sql(sandbox, "CREATE TABLE seed (n int)", "INSERT INTO seed VALUES (1)")
    return sandbox


def redis_cli(ws: Sandbox, *args: str) -> str:
    command = ["docker", "exec", f"{ws.name}-shared-redis-1", "redis-cli", *args]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout.strip()


def test_tickets_do_not_see_each_others_data(ws: Sandbox) -> None:
    # A key left in Redis database 1 (by hand, or by a ticket whose number was released while Redis
    # was stopped) is gone when a ticket is given that number.
    redis_cli(ws, "-n", "1", "SET", "r", "stale")
    ws.cli("up", "ta", "--from", "api=feat/endpoint")
    ws.cli("up", "tb", "--from", "api=feat/endpoint")
    a, b = api_url(ws, "ta"), api_url(ws, "tb")
    assert next(t for t in ws.json("ps") if t["name"] == "ta")["redis_db"] == 1
    assert http_json(f"{a}/redis/get?key=r") == {"value": None}

    assert http_get(f"{a}/db/put?key=k&value=from-a") == "stored"
    assert http_json(f"{a}/db/get?key=k") == {"table": True, "value": "from-a"}
    assert http_json(f"{b}/db/get?key=k") == {"table": False, "value": None}
    assert base_sql(ws, "SELECT to_regclass('kv') IS NULL") == [(True,)]

    assert http_get(f"{a}/redis/set?key=r&value=from-a") == "stored"
    assert http_json(f"{a}/redis/get?key=r") == {"value": "from-a"}
    assert http_json(f"{b}/redis/get?key=r") == {"value": None}

    assert http_json(f"{a}/events/publish?message=hello-a")["stream"] == "ta"
    assert http_json(f"{a}/events/consume") == {"messages": ["hello-a"]}
    assert http_json(f"{b}/events/consume") == {"messages": []}
    # And the other way round: B's event reaches B's consumer only.
    assert http_json(f"{b}/events/publish?message=hello-b")["stream"] == "tb"
    assert http_json(f"{b}/events/consume") == {"messages": ["hello-b"]}
    assert http_json(f"{a}/events/consume") == {"messages": []}

    # A user sees each ticket's own spaces.
    views = {t["name"]: t for t in ws.json("ps")}
    assert (views["ta"]["database"], views["ta"]["events_prefix"]) == ("app_ta", "ta")
    assert views["ta"]["redis_db"] != views["tb"]["redis_db"]
    env = ws.json("env", "ta")["env"]
    assert env["DATABASE_URL"].endswith("/app_ta")
    assert env["REDIS_URL"].endswith(f"/{views['ta']['redis_db']}")
    assert env["EVENTS_PREFIX"] == "ta"


def test_ticket_database_starts_from_the_template_and_snapshot_refreshes_it(ws: Sandbox) -> None:
    ws.cli("up", "first", "--from", "api=feat/endpoint")
    first = api_url(ws, "first")
    assert base_sql(ws, "SELECT n FROM seed", database="app_first") == [(1,)]

    base_sql(ws, "INSERT INTO seed VALUES (2)")
    snapshot = ws.cli("db", "snapshot")
    assert "template app__template now copies app" in snapshot.stdout

    ws.cli("up", "second", "--from", "api=feat/endpoint")
    assert base_sql(ws, "SELECT n FROM seed ORDER BY n", database="app_second") == [(1,), (2,)]
    # The ticket made before the snapshot keeps its own data, and keeps working.
    assert base_sql(ws, "SELECT n FROM seed", database="app_first") == [(1,)]
    assert http_get(f"{first}/db/put?key=still&value=works") == "stored"
    # The template refuses connections, so clones never wait on a session there.
    assert base_sql(ws, "SELECT datallowconn, datistemplate FROM pg_database WHERE datname = 'app__template'") == [
        (False, True)
    ]
    listed = {row["name"]: row for row in ws.json("db", "list")}
    assert listed["app_first"]["ticket"] == "first"
    assert listed["app__template"]["role"] == "template"


def test_four_tickets_cloned_at_the_same_moment(ws: Sandbox) -> None:
    procs = [ws.process("up", f"par{i}", "--from", "api=feat/endpoint") for i in range(4)]
    results = [(p.wait(timeout=300), p.communicate()) for p in procs]
    assert [code for code, _ in results] == [0, 0, 0, 0], results
    names = {row[0] for row in base_sql(ws, "SELECT datname FROM pg_database WHERE datname LIKE 'app_par%'")}
    assert names == {f"app_par{i}" for i in range(4)}

    # A database kept by a plain `down` can be dropped on its own (dumped first); one whose ticket
    # still exists cannot.
    ws.cli("down", "par0")
    dropped = ws.cli("db", "drop", "app_par0", "--yes").stdout
    assert Path(dropped.split("dump: ", 1)[1].rstrip(")\n")).stat().st_size > 0
    assert "app_par0" not in {row["name"] for row in ws.json("db", "list")}
    refused = ws.cli("db", "drop", "app_par1", "--yes", code=3)
    assert "database app_par1 belongs to ticket par1, which still exists" in refused.stderr


def test_a_database_wtdock_did_not_make_is_never_taken_over(ws: Sandbox) -> None:
    ws.cli("up", "squat")  # the shared API: no database of its own yet
    base_sql(ws, "CREATE DATABASE app_squat")
    base_sql(ws, "CREATE TABLE mine (n int)", "INSERT INTO mine VALUES (7)", database="app_squat")

    refused = ws.cli("up", "squat", "--from", "api=feat/endpoint", code=3)
    assert "wtdock: error: database app_squat exists and wtdock did not make it for ticket squat" in refused.stderr
    assert "undone: worktree " in refused.stderr
    # The ticket is as it was (front-end only, on the shared API), the database untouched.
    view = next(t for t in ws.json("ps") if t["name"] == "squat")
    assert (view["status"], view["database"]) == ("running", None)
    assert [s["service"] for s in view["services"] if s["dedicated"]] == ["front"]
    assert not ws.worktree("squat", "api").exists()
    assert base_sql(ws, "SELECT n FROM mine", database="app_squat") == [(7,)]
    ws.cli("up", "squat")

    # What an `up` killed between its clone and the clone's mark leaves: an unmarked database and a
    # pending registry entry for it. The next `up` takes that database over (and marks it).
    state_file = ws.root / ".wtdock" / "state.json"
    state = json.loads(state_file.read_text())
    state["databases"]["app_squat"] = {"ticket": "squat", "created_at": "2026-11-24T00:00:00Z", "pending": True}
    state_file.write_text(json.dumps(state))
    ws.cli("up", "squat", "--from", "api=feat/endpoint")
    assert http_get(f"{api_url(ws, 'squat')}/db/put?key=k&value=v") == "stored"
    assert base_sql(ws, "SELECT n FROM mine", database="app_squat") == [(7,)]
    comment = "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = 'app_squat'"
    assert base_sql(ws, comment) == [(f"wtdock: database of ticket squat in workspace {ws.name}",)]


def test_down_keeps_the_database_and_drop_data_dumps_it_first(ws: Sandbox) -> None:
    ws.cli("up", "keep", "--from", "api=feat/endpoint")
    http_get(f"{api_url(ws, 'keep')}/db/put?key=k&value=kept")
    down = ws.cli("down", "keep")
    assert "kept    database app_keep" in down.stdout
    # The branches outlive `down`: coming back means checking them out again.
    ws.cli("up", "keep", "--checkout", "api=keep")
    assert http_json(f"{api_url(ws, 'keep')}/db/get?key=k") == {"table": True, "value": "kept"}

    dropped = ws.cli("down", "keep", "--drop-data")
    dump = next(line.split("dump: ", 1)[1].rstrip(")") for line in dropped.stdout.splitlines() if "dump: " in line)
    assert base_sql(ws, "SELECT count(*) FROM pg_database WHERE datname = 'app_keep'") == [(0,)]

    # The dump restores into a fresh database with the same rows.
    base_sql(ws, "CREATE DATABASE restored")
    container = f"{ws.name}-shared-postgres-1"
    with Path(dump).open("rb") as handle:
        subprocess.run(["docker", "exec", "-i", container, "pg_restore", "-U", "wtdock", "-d", "restored"],
                       stdin=handle, check=True, capture_output=True)
    assert base_sql(ws, "SELECT value FROM kv", database="restored") == [("kept",)]
