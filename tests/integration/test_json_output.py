"""Results are data: every command answers in the versioned envelope under --json, checked against
its schema (Sandbox.envelope does that for every test), and errors are JSON too, with the exit code."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from typing import Any

import pytest

from tests.integration.helpers import Sandbox, run_wtdock
from wtdock.schemas import validate


@pytest.fixture
def ws(make_workspace: Callable[..., Sandbox]) -> Sandbox:
    return make_workspace("json")


def test_a_ticket_lifecycle_in_json(ws: Sandbox) -> None:
    up = ws.envelope("up", "j1", "--from", "api=feat/endpoint")
    assert (up["action"], up["ticket"]["name"], up["changes"]) == ("started", "j1", [])
    urls = {s["service"]: s["url"] for s in up["ticket"]["services"]}
    assert ws.envelope("url", "j1")["urls"] == urls
    assert ws.envelope("env", "j1")["env"]["API_URL"] == urls["api"]
    assert ws.envelope("ps")["tickets"][0]["status"] == "running"
    rendered = ws.envelope("render", "j1")
    assert set(rendered["compose"]["services"]) == {"front", "api"}
    assert ws.envelope("up", "j1")["action"] == "already running"
    assert ws.envelope("stop", "j1") == {"wtdock": 1, "command": "stop", "ticket": "j1", "project": f"{ws.name}-j1"}
    assert ws.envelope("up", "j1")["action"] == "resumed"
    assert [d["name"] for d in ws.envelope("db", "list")["databases"]][-1] == "app_j1"
    assert ws.envelope("shared", "status")["project"] == f"{ws.name}-shared"
    assert "DATABASE_URL" in ws.envelope("shared", "env")["env"]
    assert ws.envelope("doctor")["ok"] is True
    assert ws.envelope("gc") == {"wtdock": 1, "command": "gc", "applied": False, "found": []}
    assert ws.envelope("shared", "up")["action"] == "already up"
    assert ws.envelope("db", "snapshot")["template"] == "app__template"
    assert ws.envelope("db", "reset", "j1", "--yes") == {"wtdock": 1, "command": "db reset", "ticket": "j1",
                                                         "database": "app_j1"}
    assert ws.envelope("repair")["known"] == ["j1"]
    down = ws.envelope("down", "j1")
    kinds = [d["kind"] for d in down["removed"]]
    assert kinds == ["containers", "worktree", "worktree", "redis", "registry entry"]
    kept = [(d["kind"], d["what"]) for d in down["kept"]]
    assert kept == [("branch", "j1"), ("branch", "j1"), ("database", "app_j1")]
    dropped = ws.envelope("db", "drop", "app_j1", "--yes")
    assert dropped["database"] == "app_j1"
    assert dropped["dump"].endswith(".dump")
    gone = ws.envelope("shared", "down")
    assert gone["command"] == "shared down"


def error_of(result: Any) -> dict[str, Any]:
    found = json.loads(result.stdout)
    validate(found)
    return dict(found["error"])


def test_a_dirty_worktree_is_a_json_refusal(ws: Sandbox) -> None:
    ws.cli("up", "j2")
    (ws.worktree("j2", "front") / "notes.md").write_text("mine\n")
    result = ws.cli("down", "j2", "--json", code=3)
    error = error_of(result)
    assert (error["code"], error["kind"]) == (3, "refused")
    assert error["message"] == "ticket j2 has work that removing its worktrees would lose"
    assert error["details"] == ["front: untracked files: notes.md"]
    assert result.stderr == ""
    assert (ws.worktree("j2", "front") / "notes.md").is_file()


def test_a_taken_port_is_a_json_error(make_workspace: Callable[..., Sandbox]) -> None:
    def one_port(config: dict[str, Any]) -> None:
        first = config["services"]["front"]["host_ports"].split("-")[0]
        config["services"]["front"]["host_ports"] = f"{first}-{first}"

    ws = make_workspace("jport", edit=one_port)
    config = ws.config_file.read_text()
    port = int(config.split("host_ports: ")[1].split("-")[0])
    with socket.socket() as squatter:
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        squatter.bind(("127.0.0.1", port))
        squatter.listen()
        error = error_of(ws.cli("up", "j3", "--json", code=4))
    assert (error["code"], error["kind"]) == (4, "unavailable")
    assert error["message"] == f"port {port} (services.front.host_ports) is in use"


def test_a_stopped_engine_is_a_json_error(ws: Sandbox) -> None:
    ws.cli("up", "j4")  # the registry has a ticket, so ps asks the engine
    done = run_wtdock("-w", str(ws.root), "ps", "--json", env={**ws.env, "DOCKER_HOST": "unix:///nonexistent.sock"})
    assert done.returncode == 5, done.stderr
    error = error_of(done)
    assert (error["code"], error["kind"]) == (5, "engine_unavailable")
    assert error["message"] == "the Docker engine does not answer at unix:///nonexistent.sock"
    assert "Traceback" not in done.stderr
