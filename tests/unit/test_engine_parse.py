"""The one place that reads Compose's text (engine._compose_failure) and the list endpoint's
status text, on output recorded from Compose 2.26.1 and engine 26.1.5."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from wtdock import engine
from wtdock.errors import EngineError, EngineUnavailableError

_START = (
    " Network p_default  Creating\n Network p_default  Created\n Container p-a-1  Creating\n"
    " Container p-a-1  Created\n Container p-a-1  Starting\n"
)
PORT_TAKEN_BY_A_PROCESS = _START + (
    "Error response from daemon: driver failed programming external connectivity on endpoint p-a-1 (36e0d6db2ff8): "
    "Error starting userland proxy: listen tcp4 127.0.0.1:28999: bind: address already in use\n"
)
PORT_TAKEN_BY_A_CONTAINER = _START + (
    "Error response from daemon: driver failed programming external connectivity on endpoint p-a-1 (5f1c): "
    "Bind for 127.0.0.1:3001 failed: port is already allocated\n"
)
EXITED = _START + " Container p-a-1  Started\n Container p-a-1  Waiting\ncontainer p-a-1 exited (3)\n"
UNHEALTHY = _START + " Container p-a-1  Started\n Container p-a-1  Waiting\ncontainer p-a-1 is unhealthy\n"
TIMED_OUT = _START + " Container p-a-1  Started\n Container p-a-1  Waiting\napplication not healthy after 3s\n"
PULL_FAILED = (
    ' a Pulling \n a Error Get "http://127.0.0.1:9/v2/": dial tcp 127.0.0.1:9: connect: connection refused\n'
    'Error response from daemon: Get "http://127.0.0.1:9/v2/": dial tcp 127.0.0.1:9: connect: connection refused\n'
)
NO_DAEMON = "Cannot connect to the Docker daemon at unix:///nonexistent. Is the docker daemon running?\n"


@dataclass
class Failure:
    """What python-on-whales' DockerException carries."""

    stderr: str
    stdout: str = ""
    return_code: int = 1
    docker_command: list[str] = field(default_factory=lambda: ["docker", "compose", "up", "--wait"])


def failure(stderr: str, code: int = 1) -> EngineError:
    found = engine._compose_failure("p", "up", Failure(stderr, return_code=code))
    assert isinstance(found, EngineError | engine.StartTimeoutError | EngineUnavailableError)
    return found  # type: ignore[return-value]


@pytest.mark.parametrize(("text", "port"), [(PORT_TAKEN_BY_A_PROCESS, 28999), (PORT_TAKEN_BY_A_CONTAINER, 3001)])
def test_a_taken_port_names_the_port(text: str, port: int) -> None:
    found = failure(text)
    assert isinstance(found, engine.PortConflictError)
    assert (found.port, found.exit_code, found.kind) == (port, 4, "port_taken")
    assert found.message == f"p: host port {port} is already in use"


@pytest.mark.parametrize("text", [EXITED, UNHEALTHY])
def test_a_service_that_exits_or_fails_its_check(text: str) -> None:
    found = failure(text)
    assert isinstance(found, engine.ServiceUnhealthyError)
    assert found.message == f"p: a service did not become healthy: {text.splitlines()[-1]}"
    assert found.stderr == text
    assert found.command[:2] == ("docker", "compose")
    assert found.returncode == 1


def test_a_wait_that_runs_out_is_a_timeout() -> None:
    found = failure(TIMED_OUT)
    assert isinstance(found, engine.StartTimeoutError)
    assert found.exit_code == 4
    assert found.message == "p: services were not healthy in time: application not healthy after 3s"
    assert found.command[:2] == ("docker", "compose")


def test_a_failed_pull_names_the_overrides() -> None:
    found = failure(PULL_FAILED, code=18)
    assert found.message.startswith("p: an image could not be pulled: Error response from daemon: Get ")
    assert found.hint is not None and "WTDOCK_IMAGE_POSTGRES" in found.hint
    assert found.returncode == 18


def test_no_daemon_is_the_engine_not_answering() -> None:
    found = failure(NO_DAEMON)
    assert isinstance(found, EngineUnavailableError)
    assert found.exit_code == 5


def test_stdout_and_stderr_stay_apart() -> None:
    found = engine._compose_failure("p", "down", Failure("boom\n", stdout="some output\n"))
    assert (found.stderr, found.stdout) == ("boom\n", "some output\n")  # type: ignore[attr-defined]
    assert found.message == "docker compose down failed for p: boom"


@pytest.mark.parametrize(
    ("status", "health"),
    [
        ("Up 3 seconds (healthy)", "healthy"),
        ("Up 1 second (health: starting)", "starting"),
        ("Up 2 minutes (unhealthy)", "unhealthy"),
        ("Up 5 hours", None),
        ("Exited (3) 2 seconds ago", None),
        ("Created", None),
    ],
)
def test_health_from_the_list_endpoints_status_text(status: str, health: str | None) -> None:
    assert engine._health(status) == health


# Recorded from `GET /containers/json?all=1` (engine 26.1.5): a stopped ticket container with a static
# address (kept in IPAMConfig while IPAddress is empty) and its published port gone with it.
LISTED_STOPPED = {
    "Id": "7f3c2a",
    "Names": ["/shop-feat-02-api-1"],
    "State": "exited",
    "Status": "Exited (0) 3 seconds ago",
    "Created": 1764579600,
    "Ports": [],
    "Labels": {"com.docker.compose.project": "shop-feat-02", "com.docker.compose.service": "api",
               "dev.wtdock.ports": "api=4001,front=3002", "dev.wtdock.redis-db": "1"},
    "NetworkSettings": {"Networks": {"shop-net": {"IPAMConfig": {"IPv4Address": "172.30.1.5"}, "IPAddress": ""}}},
}
LISTED_RUNNING = {
    "Id": "9a1b",
    "Names": ["/shop-shared-postgres-1"],
    "State": "running",
    "Status": "Up 2 minutes (healthy)",
    "Created": 1764579000,
    "Ports": [{"IP": "127.0.0.1", "PrivatePort": 5432, "PublicPort": 5432, "Type": "tcp"},
              {"IP": "::1", "PrivatePort": 5432, "PublicPort": 5432, "Type": "tcp"}],
    "Labels": {"com.docker.compose.project": "shop-shared", "com.docker.compose.service": "postgres"},
    "NetworkSettings": {"Networks": {"shop-net": {"IPAMConfig": None, "IPAddress": "172.30.0.10"}}},
}


def test_a_listed_stopped_container_keeps_its_static_address() -> None:
    found = engine._info(LISTED_STOPPED)
    assert (found.name, found.project, found.service, found.state, found.health) == (
        "shop-feat-02-api-1", "shop-feat-02", "api", "exited", None
    )
    assert (found.published, found.created, found.up) == ((), 1764579600, False)
    assert found.addresses == {"shop-net": "172.30.1.5"}


def test_a_listed_running_container_with_one_port_on_two_families() -> None:
    found = engine._info(LISTED_RUNNING)
    assert (found.published, found.health, found.up) == ((5432,), "healthy", True)
    assert found.addresses == {"shop-net": "172.30.0.10"}
