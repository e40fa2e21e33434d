"""A lost, emptied or corrupt registry never hands out what a live ticket holds (issue 9, item 4),
`wtdock repair` rebuilds it, and `down --drop-data` checks before it removes (item 8)."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import docker
import pytest

from tests.integration.helpers import Sandbox, http_get, http_json
from tests.integration.test_tickets_errors import one_error_line


def state_file(ws: Sandbox) -> Path:
    return ws.root / ".wtdock" / "state.json"


def redis_cli(ws: Sandbox, *args: str) -> str:
    command = ["docker", "exec", f"{ws.name}-shared-redis-1", "redis-cli", *args]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout.strip()


def view(ws: Sandbox, ticket: str) -> dict[str, Any]:
    return next(t for t in ws.json("ps") if t["name"] == ticket)


def url_of(ws: Sandbox, ticket: str, service: str) -> str:
    return next(s["url"] for s in view(ws, ticket)["services"] if s["service"] == service)


@pytest.fixture
def ws(make_workspace: Callable[..., Sandbox]) -> Sandbox:
    sandbox = make_workspace("state")
    sandbox.cli("up", "held", "--from", "api=feat/endpoint")
    sandbox.cli("up", "front-only")
    return sandbox


@pytest.mark.parametrize("text", ["{}", '{"version": 1}', "", "garbage", '{"version": 1, "tickets": []}'])
def test_a_hollow_or_corrupt_state_is_an_error_naming_the_file(ws: Sandbox, text: str) -> None:
    state_file(ws).write_text(text)
    for command in (["up", "other"], ["ps"], ["gc"], ["down", "held"]):
        result = ws.cli(*command, code=4)
        message = one_error_line(result)
        assert message.startswith(f"{state_file(ws)}: unreadable wtdock state ("), command
        assert "wtdock repair" in result.stderr
    assert state_file(ws).read_text() == text  # never reset


def test_non_utf8_state_is_one_line_exit_4(ws: Sandbox) -> None:
    state_file(ws).write_bytes(b'{"version": 1, "tickets": {"caf\xe9": {}}}')
    result = ws.cli("ps", code=4)
    assert one_error_line(result).startswith(f"{state_file(ws)}: unreadable wtdock state (not UTF-8 text: byte ")


def test_a_deleted_state_file_is_refused_then_repaired(ws: Sandbox, engine: docker.DockerClient) -> None:
    before = {t["name"]: t for t in ws.json("ps")}
    held_api = url_of(ws, "held", "api")
    assert http_get(f"{held_api}/redis/set?key=mine&value=kept") == "stored"
    assert http_get(f"{held_api}/db/put?key=k&value=kept") == "stored"
    state_file(ws).unlink()

    # Without its registry, `up` of a new ticket would hand out what the running ones hold.
    result = ws.cli("up", "newcomer", "--from", "api=feat/endpoint", code=4)
    assert one_error_line(result).startswith(f"{state_file(ws)} is missing, but tickets still have their files in ")

    repaired = ws.cli("repair")
    assert "found   ticket held (compose files, containers, worktrees): repos front, api;" in repaired.stdout
    assert "found   ticket front-only (compose files, containers, worktrees): repos front;" in repaired.stdout
    assert "found   database app_held" in repaired.stdout
    after = {t["name"]: t for t in ws.json("ps")}
    for name in ("held", "front-only"):
        keep = ("status", "database", "redis_db", "services", "repos", "project")
        assert {k: after[name][k] for k in keep} == {k: before[name][k] for k in keep}

    # Nothing was emptied, and the rebuilt registry keeps protecting the tickets' work and data.
    ws.cli("up", "newcomer", "--from", "api=feat/endpoint")
    assert view(ws, "newcomer")["redis_db"] != before["held"]["redis_db"]
    assert http_json(f"{held_api}/redis/get?key=mine") == {"value": "kept"}
    assert http_json(f"{held_api}/db/get?key=k") == {"table": True, "value": "kept"}
    (ws.worktree("held", "front") / "notes.md").write_text("mine\n")
    assert ws.cli("down", "held", code=3).stderr.startswith("wtdock: error: ticket held has work")
    (ws.worktree("held", "front") / "notes.md").unlink()
    # The database wtdock made is droppable again.
    down = ws.cli("down", "held", "--drop-data")
    assert "removed database app_held (dump: " in down.stdout


def test_an_emptied_registry_never_gives_a_live_redis_number_and_gc_keeps_live_tickets(
    ws: Sandbox, engine: docker.DockerClient
) -> None:
    held = view(ws, "held")
    held_api = url_of(ws, "held", "api")
    assert http_get(f"{held_api}/redis/set?key=mine&value=kept") == "stored"
    # A stopped ticket holds no socket: only its containers' labels still say which port is its.
    stopped_port = url_of(ws, "front-only", "front").rsplit(":", 1)[1]
    ws.cli("stop", "front-only")
    # Valid, but hollow: what a hand edit (or another tool) could leave.
    state_file(ws).write_text(json.dumps({"version": 1, "tickets": {}, "shared": {}, "databases": {}}))

    found = ws.cli("gc")
    assert "unregistered ticket" in found.stdout
    assert "ticket held: " in found.stdout
    assert "(no ticket in the registry)" not in found.stdout  # not offered for removal
    ws.cli("gc", "--yes")
    running = engine.containers.list(filters={"label": f"com.docker.compose.project={ws.name}-held"})
    assert {c.name for c in running} == {f"{ws.name}-held-front-1", f"{ws.name}-held-api-1"}

    ws.cli("up", "newcomer", "--from", "api=feat/endpoint")
    assert view(ws, "newcomer")["redis_db"] != held["redis_db"]
    assert http_json(f"{held_api}/redis/get?key=mine") == {"value": "kept"}
    assert redis_cli(ws, "-n", str(held["redis_db"]), "GET", "mine") == "kept"
    assert url_of(ws, "newcomer", "front").rsplit(":", 1)[1] != stopped_port

    repaired = ws.cli("repair")
    assert "found   ticket held " in repaired.stdout
    assert "found   ticket front-only " in repaired.stdout
    assert "known   ticket newcomer (already in the registry)" in repaired.stdout
    assert {t["name"]: t["status"] for t in ws.json("ps")} == {
        "held": "running", "front-only": "stopped", "newcomer": "running"
    }
    ws.cli("up", "front-only")
    assert url_of(ws, "front-only", "front").rsplit(":", 1)[1] == stopped_port


def test_repair_moves_a_corrupt_file_aside(ws: Sandbox) -> None:
    state_file(ws).write_text("{ half written")
    repaired = ws.cli("repair")
    aside = sorted(state_file(ws).parent.glob("state.json.corrupt-*"))
    assert len(aside) == 1
    assert aside[0].read_text() == "{ half written"
    assert f"moved the unreadable {state_file(ws)} aside to {aside[0]}" in repaired.stdout
    assert {t["name"]: t["status"] for t in ws.json("ps")} == {"held": "running", "front-only": "running"}


def test_down_drop_data_with_postgres_stopped_removes_nothing(ws: Sandbox, engine: docker.DockerClient) -> None:
    engine.containers.get(f"{ws.name}-shared-postgres-1").stop()
    result = ws.cli("down", "held", "--drop-data", code=4)
    assert one_error_line(result) == f"the shared Postgres of {ws.name} is not running"
    assert ws.worktree("held", "api").is_dir()
    assert ws.worktree("held", "front").is_dir()
    assert len(engine.containers.list(filters={"label": f"com.docker.compose.project={ws.name}-held"})) == 2
    assert "held" in {t["name"] for t in ws.json("ps")}

    # `ps` does not call a ticket whose shared services are down "running".
    degraded = view(ws, "held")
    assert degraded["status"] == "degraded"
    assert "shared postgres is exited" in degraded["problems"]

    ws.cli("shared", "up")
    down = ws.cli("down", "held", "--drop-data")
    dump = Path(down.stdout.split("(dump: ")[1].split(")")[0])
    assert dump.is_file()
    assert dump.stat().st_mode & 0o777 == 0o600
