"""Issue 3: the shared project's lifecycle as a user drives it: `shared up` (idempotent, healthy,
with host URLs), `status`, `env`, `logs`, `down` (refusing under running tickets; data kept unless
`--volumes`), the network every project joins, and two workspaces side by side."""

from __future__ import annotations

import json
import stat
import subprocess
from collections.abc import Callable
from typing import Any

import docker
import pytest
from typer.testing import CliRunner

from tests.integration.helpers import Sandbox, query, shared_env
from tests.reference import RUNTIME_IMAGE
from wtdock.cli.app import app
from wtdock.ops.context import Context
from wtdock.workspace import Workspace

WS_LABEL = "dev.wtdock.workspace"
ROLE_LABEL = "dev.wtdock.role"
INFRA = ("postgres", "redis", "nats")


def status(ws: Sandbox) -> dict[str, dict[str, Any]]:
    return {s["name"]: s for s in ws.json("shared", "status")["services"]}


def sql(ws: Sandbox, statement: str) -> list[Any]:
    """One statement on the shared Postgres, from the host as psql would; its rows if any."""
    return query(shared_env(ws)["DATABASE_URL"], statement)


def containers(engine: docker.DockerClient, project: str) -> dict[str, Any]:
    """The project's containers (running or not) by service."""
    found = engine.containers.list(all=True, filters={"label": f"com.docker.compose.project={project}"})
    return {c.labels["com.docker.compose.service"]: c for c in found}


def volumes(engine: docker.DockerClient, project: str) -> list[Any]:
    return list(engine.volumes.list(filters={"label": f"com.docker.compose.project={project}"}))


def by_hand(ws: Sandbox, *args: str) -> subprocess.CompletedProcess[str]:
    """`docker compose -p <name>-shared -f .wtdock/shared/compose.yaml ARGS`, as the file's header says."""
    command = ["docker", "compose", "-p", f"{ws.name}-shared", "-f", ".wtdock/shared/compose.yaml", *args]
    return subprocess.run(command, cwd=ws.root, capture_output=True, text=True, timeout=60, check=True)


def test_up_is_healthy_labelled_idempotent_and_works_by_hand(
    make_workspace: Callable[..., Sandbox], engine: docker.DockerClient
) -> None:
    ws = make_workspace("up")
    first = ws.cli("shared", "up")
    lines = first.stdout.splitlines()
    assert lines[0] == f"shared services of {ws.name}: started (project {ws.name}-shared, network {ws.name}-net)"
    services = status(ws)
    assert list(services) == [*INFRA, "api"]
    ports = {name: s["host_port"] for name, s in services.items()}
    assert len(set(ports.values())) == 4
    expected = {
        "postgres": f"postgresql://wtdock@127.0.0.1:{ports['postgres']}/app",
        "redis": f"redis://127.0.0.1:{ports['redis']}",
        "nats": f"nats://127.0.0.1:{ports['nats']}",
        "api": f"http://127.0.0.1:{ports['api']}",
    }
    for name, url in expected.items():
        assert (services[name]["state"], services[name]["health"], services[name]["url"]) == ("running", "healthy", url)
        (row,) = [line for line in lines[1:] if line.split()[0] == name]
        assert "running (healthy)" in row and url in row
    # Host ports are published on the loopback only.
    made = containers(engine, f"{ws.name}-shared")
    for name, port in ports.items():
        bindings = made[name].attrs["NetworkSettings"]["Ports"]
        assert [(b["HostIp"], b["HostPort"]) for b in next(iter(bindings.values()))] == [("127.0.0.1", str(port))]

    again = ws.cli("shared", "up")
    assert again.stdout.splitlines()[0] == (
        f"shared services of {ws.name}: already up (project {ws.name}-shared, network {ws.name}-net)"
    )
    assert "starting" not in again.stderr
    assert {n: c.id for n, c in containers(engine, f"{ws.name}-shared").items()} == {n: c.id for n, c in made.items()}

    # After a crash, `up` starts what is missing and leaves the rest alone.
    made["redis"].stop(timeout=5)
    resumed = ws.cli("shared", "up")
    assert "wtdock: shared: not running or not healthy: redis; starting" in resumed.stderr
    assert status(ws)["redis"]["health"] == "healthy"
    after = containers(engine, f"{ws.name}-shared")
    # Redis itself may come back as a new container (Compose chose to recreate it once, on a loaded
    # engine); what must hold is that the others were neither recreated nor restarted.
    assert {n: c.id for n, c in after.items() if n != "redis"} == {n: c.id for n, c in made.items() if n != "redis"}
    assert {n: c.attrs["State"]["StartedAt"] for n, c in after.items() if n != "redis"} == {
        n: c.attrs["State"]["StartedAt"] for n, c in made.items() if n != "redis"
    }

    # The rendered file works by hand.
    listed = [json.loads(line) for line in by_hand(ws, "ps", "--format", "json").stdout.splitlines()]
    assert sorted((c["Service"], c["State"], c["Health"]) for c in listed) == sorted(
        (name, "running", "healthy") for name in ports
    )
    logs = ws.process("shared", "logs", "redis")
    out, _ = logs.communicate(timeout=60)
    assert logs.returncode == 0
    assert "Ready to accept connections" in out

    # Every container, volume and the network say which workspace they belong to, and their role.
    vols = volumes(engine, f"{ws.name}-shared")
    network = engine.networks.get(f"{ws.name}-net")
    assert len(made) == 4 and len(vols) == 3
    for labels in [*(c.labels for c in made.values()), *(v.attrs["Labels"] for v in vols), network.attrs["Labels"]]:
        assert (labels[WS_LABEL], labels[ROLE_LABEL]) == (ws.name, "shared"), labels
    # No container_name: Compose names them, so two workspaces never clash.
    compose_text = (ws.root / ".wtdock" / "shared" / "compose.yaml").read_text()
    assert "container_name" not in compose_text
    assert sorted(c.name for c in made.values()) == sorted(f"{ws.name}-shared-{s}-1" for s in [*INFRA, "api"])
    # Every project joins the network wtdock made; the shared one does not own it.
    assert "com.docker.compose.network" not in network.attrs["Labels"]

    # The generated password: kept with mode 0600 (so is the compose file that passes it on),
    # shown only by `shared env`.
    secret_file = ws.root / ".wtdock" / "secrets" / "postgres-password"
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    assert stat.S_IMODE((ws.root / ".wtdock" / "shared" / "compose.yaml").stat().st_mode) == 0o600
    password = secret_file.read_text().strip()
    assert len(password) >= 16
    shown, as_json = ws.cli("shared", "status"), ws.cli("shared", "status", "--json")
    for result in (first, again, resumed, shown, as_json):
        assert password not in result.stdout + result.stderr
    assert f"wtdock:{password}@127.0.0.1:" in shared_env(ws)["DATABASE_URL"]
    assert ws.json("shared", "env")["DATABASE_URL"] == shared_env(ws)["DATABASE_URL"]


PROBE = """
import os, socket, urllib.request
import psycopg2, redis
with psycopg2.connect(os.environ["DATABASE_URL"], connect_timeout=5) as conn, conn.cursor() as cur:
    cur.execute("SELECT current_database()")
    print("postgres", cur.fetchone()[0])
print("redis", redis.Redis(host="redis", port=6379, socket_timeout=5).ping())
with socket.create_connection(("nats", 4222), timeout=5) as sock:
    print("nats", sock.recv(4096).split(b" ")[0].decode())
print("api", urllib.request.urlopen("http://shared-api:8000/", timeout=5).read().decode().strip())
"""


def test_a_container_on_the_network_reaches_each_service_by_name(
    make_workspace: Callable[..., Sandbox], engine: docker.DockerClient
) -> None:
    ws = make_workspace("reach")
    ws.cli("shared", "up")
    password = shared_env(ws)["DATABASE_URL"].split(":")[2].split("@")[0]
    output = engine.containers.run(
        RUNTIME_IMAGE,
        ["python3", "-c", PROBE],
        environment={"DATABASE_URL": f"postgresql://wtdock:{password}@postgres:5432/app"},
        network=f"{ws.name}-net",
        labels={WS_LABEL: ws.name, ROLE_LABEL: "test"},
        remove=True,
    )
    assert output.decode().splitlines() == ["postgres app", "redis True", "nats INFO", "api api main"]


def test_data_survives_down_and_up_and_volumes_deletes_it(
    make_workspace: Callable[..., Sandbox], engine: docker.DockerClient
) -> None:
    ws = make_workspace("data")
    project = f"{ws.name}-shared"
    ws.cli("shared", "up")
    sql(ws, "CREATE TABLE kept (note text)")
    sql(ws, "INSERT INTO kept VALUES ('survives')")

    down = ws.cli("shared", "down")
    # Nothing else is on the workspace network: it goes too (`up` makes it again).
    assert down.stdout.splitlines() == [f"removed {project} (data kept)", f"removed network {ws.name}-net"]
    assert containers(engine, project) == {}
    assert len(volumes(engine, project)) == 3
    with pytest.raises(docker.errors.NotFound):
        engine.networks.get(f"{ws.name}-net")

    assert "started" in ws.cli("shared", "up").stdout.splitlines()[0]
    assert sql(ws, "SELECT note FROM kept") == [("survives",)]

    # --volumes asks first; saying no deletes nothing.
    refused = CliRunner().invoke(app, ["-w", str(ws.root), "shared", "down", "--volumes"], input="n\n", env=ws.env)
    assert refused.exit_code == 1
    assert len(containers(engine, project)) == 4

    gone = ws.cli("shared", "down", "--volumes", "--yes")
    assert gone.stdout.splitlines() == [f"removed {project} and its data volumes", f"removed network {ws.name}-net"]
    assert volumes(engine, project) == []
    ws.cli("shared", "up")
    assert sql(ws, "SELECT to_regclass('kept') IS NULL") == [(True,)]


def test_down_refuses_while_another_project_is_attached(
    make_workspace: Callable[..., Sandbox], engine: docker.DockerClient
) -> None:
    ws = make_workspace("refuse")
    project = f"{ws.name}-shared"
    ws.cli("shared", "up")
    # A container of a ticket project of this workspace, running on the workspace network.
    ticket = engine.containers.run(
        RUNTIME_IMAGE,
        ["python3", "-c", "import time; time.sleep(600)"],
        detach=True,
        init=True,
        network=f"{ws.name}-net",
        labels={
            WS_LABEL: ws.name,
            ROLE_LABEL: "ticket",
            "com.docker.compose.project": f"{ws.name}-t1",
            "com.docker.compose.service": "front",
        },
    )

    refused = ws.cli("shared", "down", code=3)
    assert "Traceback" not in refused.stderr
    assert refused.stderr.splitlines()[:2] == [
        f"wtdock: error: the shared services of {ws.name} are in use by 1 running project(s)",
        f"  {ws.name}-t1: front",
    ]
    assert "--force" in refused.stderr
    assert all(c.status == "running" for c in containers(engine, project).values())

    # While a ticket's `up` is between its shared check and its containers running, it holds the
    # shared lock: `shared down` waits for it instead of pulling the services from under it.
    ctx = Context(Workspace.load(explicit=str(ws.root)))
    with ctx.using_shared():
        waiting = ws.process("shared", "down", "--force")
        with pytest.raises(subprocess.TimeoutExpired):
            waiting.wait(timeout=3)
        assert all(c.status == "running" for c in containers(engine, project).values())
    out, err = waiting.communicate(timeout=120)
    assert waiting.returncode == 0, err
    # The stopped container keeps its place on the network: the network stays with it.
    assert out.splitlines() == [
        f"stopped {ws.name}-t1: front",
        f"removed {project} (data kept)",
        f"kept network {ws.name}-net: 1 container(s) of {ws.name}-t1 are on it",
    ]
    ticket.reload()
    assert ticket.status == "exited"
    assert containers(engine, project) == {}


def test_two_workspaces_side_by_side(make_workspace: Callable[..., Sandbox], engine: docker.DockerClient) -> None:
    one, two = make_workspace("left"), make_workspace("right")
    # Started at the same moment: both want the same default ports, and each must end up with its own.
    started = [ws.process("shared", "up") for ws in (one, two)]
    for process in started:
        _, err = process.communicate(timeout=300)
        assert process.returncode == 0, err
        assert "Traceback" not in err
    first, second = status(one), status(two)
    for services in (first, second):
        assert all((s["state"], s["health"]) == ("running", "healthy") for s in services.values()), services
    assert not {s["host_port"] for s in first.values()} & {s["host_port"] for s in second.values()}
    assert engine.networks.get(f"{one.name}-net").id != engine.networks.get(f"{two.name}-net").id

    # Each has its own data.
    sql(one, "CREATE TABLE mine (n int)")
    assert sql(two, "SELECT to_regclass('mine') IS NULL") == [(True,)]
    # Taking one down leaves the other running.
    one.cli("shared", "down")
    assert all(s["state"] == "running" for s in status(two).values())

    # A third folder that names itself like the second would share its projects and data: refused.
    def same_name(config: dict[str, Any]) -> None:
        config["name"] = two.name

    clash = make_workspace("clash", edit=same_name).cli("shared", "up", code=3)
    assert clash.stderr.startswith(
        f"wtdock: error: workspace name {two.name!r} is already used by the workspace in {two.root}"
    )
