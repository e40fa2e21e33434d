"""Issue 2: the stand-in images honour the official images' contracts when started by the very
compose snippets wtdock renders, and `wtdock doctor` tells a ready machine from a broken one."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import docker
import nats
import psycopg2
import redis

from tests.integration.helpers import STANDIN_IMAGES, Sandbox, run_wtdock, shared_env

NO_ENGINE = "unix:///tmp/nonexistent.sock"


async def jetstream_roundtrip(url: str, message: bytes) -> list[bytes]:
    """Publish on a JetStream stream and read it back through a durable pull consumer."""
    client = await nats.connect(url, connect_timeout=5)
    try:
        js = client.jetstream()
        await js.add_stream(name="standin", subjects=["standin.>"])
        ack = await js.publish("standin.hello", message)
        assert (ack.stream, ack.seq) == ("standin", 1)
        consumer = await js.pull_subscribe("standin.hello", durable="reader")
        received = await consumer.fetch(1, timeout=10)
        for msg in received:
            await msg.ack()
        return [msg.data for msg in received]
    finally:
        await client.close()


def test_standins_honour_their_contracts_and_doctor_says_ok(
    make_workspace: Callable[..., Sandbox], engine: docker.DockerClient
) -> None:
    ws = make_workspace("standins")
    ws.cli("shared", "up")

    # The containers run the stand-in images, started from the rendered templates, and are healthy.
    status = {s["name"]: s for s in ws.json("shared", "status")["services"]}
    for key, image in (("postgres", "POSTGRES"), ("redis", "REDIS"), ("nats", "NATS")):
        assert status[key]["health"] == "healthy", status[key]
        (container,) = engine.containers.list(
            filters={"label": [f"com.docker.compose.project={ws.name}-shared", f"com.docker.compose.service={key}"]}
        )
        assert container.attrs["Config"]["Image"] == STANDIN_IMAGES[f"WTDOCK_IMAGE_{image}"]
    env = shared_env(ws)

    # Postgres: POSTGRES_USER / POSTGRES_PASSWORD / POSTGRES_DB honoured, queries answered.
    with psycopg2.connect(env["DATABASE_URL"], connect_timeout=5) as conn, conn.cursor() as cur:
        cur.execute("SELECT current_user, current_database(), 6 * 7")
        assert cur.fetchone() == ("wtdock", "app", 42)
    conn.close()

    # Redis: PING, and the logical databases that per-ticket isolation relies on.
    client: Any = redis.Redis.from_url(env["REDIS_URL"], socket_timeout=5)
    assert client.ping() is True
    assert client.config_get("databases") == {"databases": "256"}
    client.close()

    # NATS: JetStream stores a publish and hands it to a consumer.
    assert asyncio.run(jetstream_roundtrip(env["NATS_URL"], b"hello from the host")) == [b"hello from the host"]

    # On this machine, with this workspace, doctor finds nothing wrong.
    doctor = ws.cli("doctor").stdout.splitlines()
    assert [line.split()[:2] for line in doctor] == [
        ["ok", "engine"],
        ["ok", "compose"],
        ["ok", "git"],
        ["ok", "workspace"],
        ["ok", "repo"],
        ["ok", "repo"],
        ["ok", "ca"],
    ]
    assert f"{ws.name} ({ws.config_file})" in doctor[3]
    # This machine's proxy re-signs TLS: the host's bundle is what containers need.
    assert "certificates), mounted read-only" in doctor[6]


def test_doctor_without_engine_says_so_in_one_line(tmp_path: Path) -> None:
    result = run_wtdock("doctor", env={"DOCKER_HOST": NO_ENGINE}, cwd=tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    lines = result.stdout.splitlines()
    problems = [line for line in lines if line.startswith("problem")]
    assert problems == [f"problem  engine      the Docker engine does not answer at {NO_ENGINE}"]
    hint = lines[lines.index(problems[0]) + 1]
    assert hint.strip().startswith("hint: ") and "scripts/setup-engine" in hint
    # The checks that need no engine still run and pass.
    assert [line.split()[:2] for line in lines if not line.startswith(" ")] == [
        ["problem", "engine"],
        ["ok", "compose"],
        ["ok", "git"],
        ["ok", "workspace"],
    ]
