"""Issue 3: `shared up` that cannot succeed ends in one clear line and a non-zero exit, never a
traceback; a default host port that is taken moves to the next free one."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import docker
import pytest

from tests.integration.conftest import RUN_ID
from tests.integration.helpers import STANDIN_IMAGES, Sandbox, run_wtdock

NO_ENGINE = "unix:///tmp/nonexistent.sock"


def error_lines(text: str) -> list[str]:
    assert "Traceback" not in text, text
    return [line for line in text.splitlines() if line.startswith("wtdock: error:")]


@contextmanager
def listening(port: int = 0) -> Iterator[int]:
    """Another program listening on 127.0.0.1 (on ``port``, or any free one)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", port))
        sock.listen()
        yield sock.getsockname()[1]


def first_free(start: int) -> int:
    for port in range(start, start + 100):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise AssertionError(f"no free port from {start}")


def shared_containers(engine: docker.DockerClient, ws: Sandbox) -> list[Any]:
    project = f"com.docker.compose.project={ws.name}-shared"
    return list(engine.containers.list(all=True, filters={"label": project}))


def bare_workspace(root: Path, config: str) -> Sandbox:
    """A workspace folder with just this wtdock.yaml, for failures that start nothing."""
    ws = Sandbox(root=root, name=f"{RUN_ID}-bare", env=dict(STANDIN_IMAGES))
    ws.config_file.write_text(f"name: {ws.name}\n{config}")
    return ws


@pytest.mark.parametrize("command", ["up", "status", "down"])
def test_shared_commands_with_the_engine_stopped(tmp_path: Path, command: str) -> None:
    ws = bare_workspace(tmp_path, "")
    result = run_wtdock("-w", str(ws.root), "shared", command, env={**ws.env, "DOCKER_HOST": NO_ENGINE})
    assert result.returncode == 5
    assert error_lines(result.stderr) == [f"wtdock: error: the Docker engine does not answer at {NO_ENGINE}"]
    assert "hint: " in result.stderr


def test_up_with_an_explicit_host_port_taken(
    make_workspace: Callable[..., Sandbox], engine: docker.DockerClient
) -> None:
    with listening() as port:
        ws = make_workspace("taken", edit=lambda c: c.update(shared={"postgres": {"host_port": port}}))
        result = ws.cli("shared", "up", code=4)
        assert error_lines(result.stderr) == [f"wtdock: error: port {port} (shared.postgres.host_port) is in use"]
        assert f"hint: stop what listens on {port}, or change shared.postgres.host_port" in result.stderr
        assert shared_containers(engine, ws) == []

    # Once the port is free again, the same command works and uses exactly that port.
    ws.cli("shared", "up")
    status = {s["name"]: s for s in ws.json("shared", "status")["services"]}
    assert status["postgres"]["url"] == f"postgresql://wtdock@127.0.0.1:{port}/app"


def test_a_default_port_taken_moves_to_the_next_free_one(make_workspace: Callable[..., Sandbox]) -> None:
    ws = make_workspace("movep")
    # Hold the port wtdock would pick first for Redis (6379, or above it when other workspaces
    # of this machine already hold that one).
    with listening(first_free(6379)) as held:
        result = ws.cli("shared", "up")
        status = {s["name"]: s for s in ws.json("shared", "status")["services"]}
    port = status["redis"]["host_port"]
    assert port != held
    assert 6379 <= port < 6479
    assert f"redis://127.0.0.1:{port}" in result.stdout


@pytest.mark.parametrize(
    ("config", "line"),
    [
        pytest.param(
            "shared:\n  postgres:\n    hostport: 5432\n",
            "{file}:4: shared.postgres.hostport: unknown key (allowed: enabled, host_port, user, database)",
            id="unknown-key",
        ),
        pytest.param(
            "shared:\n  events:\n    engine: kafka\n",
            "{file}:4: shared.events.engine: 'kafka' is not allowed: 'nats', 'redpanda' or 'none'",
            id="bad-engine",
        ),
        pytest.param(
            "shared:\n  redis:\n    host_port: 70000\n",
            "{file}:4: shared.redis.host_port: Input should be less than or equal to 65535",
            id="bad-port",
        ),
    ],
)
def test_up_with_a_broken_config(tmp_path: Path, config: str, line: str) -> None:
    ws = bare_workspace(tmp_path, config)
    result = ws.cli("shared", "up", code=2)
    assert error_lines(result.stderr) == ["wtdock: error: " + line.format(file=ws.config_file)]
    assert not (ws.root / ".wtdock" / "shared").exists()


def test_up_with_unreadable_yaml(tmp_path: Path) -> None:
    ws = bare_workspace(tmp_path, "shared: [postgres\n")
    result = ws.cli("shared", "up", code=2)
    (line,) = error_lines(result.stderr)
    assert line.startswith(f"wtdock: error: {ws.config_file}:3: not valid YAML: ")


def test_a_port_taken_between_probe_and_start_is_replaced(
    make_workspace: Callable[..., Sandbox], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The engine has the last word: another program takes a port after wtdock probed it. Made
    certain here by a probe that misses that one listener."""
    from wtdock import ports

    ws = make_workspace("race")
    probe = ports.port_is_free
    with listening(first_free(6379)) as held:
        monkeypatch.setattr(ports, "port_is_free", lambda host, port: port == held or probe(host, port))
        result = ws.cli("shared", "up")
        services = {s["name"]: s for s in ws.json("shared", "status")["services"]}
    assert f"wtdock: shared: port {held} was taken meanwhile; choosing another" in result.stderr
    assert services["redis"]["host_port"] not in (held, None)
    assert all((s["state"], s["health"]) == ("running", "healthy") for s in services.values()), services
    # The services that did start on the first attempt kept their ports (the API's is fixed).
    assert services["api"]["url"] in result.stdout
