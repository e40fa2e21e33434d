"""Issue 14, engine trouble under running tickets: the engine not answering, the shared project
stopped or removed, a shared service that never gets healthy, a host port taken between
allocation and start. Each ends in one clear line and the documented exit code, or is repaired
by the next `up`; no state, data or work is lost. (test_engine_errors.py: an engine that answers
with errors, no `docker` binary; test_shared_errors.py: the shared project's own port troubles.)"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest

from tests.integration.helpers import Sandbox, http_get, http_json, run_wtdock
from tests.integration.invariants import Work, check_work_kept, make_work
from tests.integration.test_engine_errors import one_line
from tests.integration.test_shared_errors import first_free, listening

pytestmark = pytest.mark.reliability

DEAD = "unix:///nonexistent/wtdock-reliability.sock"
TICKET = "busy"


@pytest.fixture(scope="module")
def busy(module_workspace: Sandbox) -> Iterator[list[Work]]:
    """Ticket ``busy`` with its own API, a row in its database and work in both worktrees."""
    ws = module_workspace
    ws.cli("up", TICKET, "--from", "api=feat/endpoint")
    works = [make_work(ws, TICKET, repo, "busy") for repo in ("front", "api")]
    assert http_get(f"{api_url(ws)}/db/put?key=k&value=kept") == "stored"
    yield works


def api_url(ws: Sandbox, ticket: str = TICKET) -> str:
    view = next(t for t in ws.json("ps") if t["name"] == ticket)
    return next(s["url"] for s in view["services"] if s["service"] == "api")


def still_whole(ws: Sandbox, works: list[Work]) -> None:
    """The ticket runs, its database still holds its row, and its work is where it was."""
    check_work_kept(ws, works)
    assert http_json(f"{api_url(ws)}/db/get?key=k") == {"table": True, "value": "kept"}


def shared_containers(engine: docker.DockerClient, ws: Sandbox) -> list[docker.models.containers.Container]:
    return list(engine.containers.list(all=True, filters={"label": f"com.docker.compose.project={ws.name}-shared"}))


@pytest.mark.parametrize(
    "command",
    [["up", TICKET], ["up", "newcomer"], ["down", TICKET, "--force", "--drop-data"], ["stop", TICKET], ["ps"],
     ["gc", "--yes"], ["logs", TICKET], ["exec", TICKET, "front", "--", "true"], ["shared", "logs"], ["db", "list"]],
)
def test_an_engine_that_does_not_answer_is_one_line_and_changes_nothing(
    module_workspace: Sandbox, busy: list[Work], command: list[str]
) -> None:
    ws = module_workspace
    state = (ws.root / ".wtdock" / "state.json").read_bytes()
    done = run_wtdock("-w", str(ws.root), *command, env={**ws.env, "DOCKER_HOST": DEAD})
    assert one_line(done) == f"the Docker engine does not answer at {DEAD}"
    assert (ws.root / ".wtdock" / "state.json").read_bytes() == state
    assert not (ws.root / ".wtdock" / "worktrees" / "newcomer").exists()
    still_whole(ws, busy)


@pytest.mark.parametrize("how", ["stopped", "removed"])
def test_the_shared_project_stopped_or_removed_under_a_running_ticket(
    module_workspace: Sandbox, busy: list[Work], engine: docker.DockerClient, how: str
) -> None:
    ws = module_workspace
    for container in shared_containers(engine, ws):
        if how == "stopped":
            container.stop(timeout=2)
        else:
            container.remove(force=True)  # its data volumes stay, as after a crash of the engine
    view = next(t for t in ws.json("ps") if t["name"] == TICKET)
    assert view["status"] == "degraded", view

    result = ws.cli("up", TICKET)
    assert f"{TICKET}: already running" in result.stdout
    reason = "not running or not healthy" if how == "stopped" else "containers are gone"
    assert f"wtdock: shared: {reason}" in result.stderr
    assert next(t for t in ws.json("ps") if t["name"] == TICKET)["status"] == "running"
    still_whole(ws, busy)


def test_a_host_port_taken_between_allocation_and_start_is_replaced(
    module_workspace: Sandbox, busy: list[Work], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another program takes the port `up` allocated before the engine binds it. Made certain by a
    probe that misses that one listener, so the engine is the one that finds out."""
    from wtdock import ports

    ws = module_workspace
    first = int(ws.config_file.read_text().split("host_ports: ")[1].split("-")[0].strip("'\""))
    probe = ports.port_is_free
    with listening(first_free(first)) as held:
        monkeypatch.setattr(ports, "port_is_free", lambda host, port: port == held or probe(host, port))
        result = ws.cli("up", "grabbed")
    front = next(s for t in ws.json("ps") if t["name"] == "grabbed" for s in t["services"] if s["service"] == "front")
    assert front["host_port"] != held
    assert f"wtdock: grabbed: front: port {held} is taken; now {front['host_port']}" in result.stderr
    assert http_get(f"{front['url']}/") == "front main\n"
    ws.cli("down", "grabbed")
    still_whole(ws, busy)


def test_a_shared_service_that_never_gets_healthy_is_one_line_and_the_next_up_repairs_it(
    module_workspace: Sandbox, busy: list[Work], engine: docker.DockerClient, tmp_path: Path
) -> None:
    """Redis whose healthcheck fails (as with a full disk or a broken AOF): an image whose
    `redis-cli` always fails, brought in as an image change of the shared project. The ticket
    keeps running meanwhile."""
    ws = module_workspace
    broken = f"wtdock-standin/redis:{ws.name}-sick"
    (tmp_path / "Dockerfile").write_text(
        f"FROM {ws.env['WTDOCK_IMAGE_REDIS']}\n"
        """RUN printf '#!/bin/sh\\nexit 1\\n' > "$(command -v redis-cli)"\n"""
    )
    subprocess.run(["docker", "build", "-q", "-t", broken, str(tmp_path)], check=True, capture_output=True)
    config = ws.config_file.read_text()
    try:
        ws.config_file.write_text(config + "wait_timeout: 5\n")
        done = run_wtdock("-w", str(ws.root), "up", TICKET, env={**ws.env, "WTDOCK_IMAGE_REDIS": broken})
        # Within its start period a failing check keeps it "starting": the wait runs out (exit 4).
        # (Compose itself now and then said all was well here: engine.compose_up checks.)
        assert one_line(done, code=4) == f"{ws.name}-shared: redis did not become healthy in time (health: starting)"
        ws.config_file.write_text(config)
        ws.cli("up", TICKET)
    finally:
        ws.config_file.write_text(config)
        engine.images.remove(broken, force=True)
    redis = next(s for s in ws.json("shared", "status")["services"] if s["name"] == "redis")
    assert (redis["state"], redis["health"]) == ("running", "healthy")
    still_whole(ws, busy)
