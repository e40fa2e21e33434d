"""Issue 3: the rendered shared compose file is one Compose accepts, for every event-stream engine.
The `redpanda` engine cannot run here (no registry has its image), so it is rendered only."""

from __future__ import annotations

import copy
import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import docker

from tests.integration.helpers import Sandbox
from wtdock import yamlio


def compose(file: Path, project: str, *args: str) -> subprocess.CompletedProcess[str]:
    command = ["docker", "compose", "-p", project, "-f", str(file), *args]
    return subprocess.run(command, cwd=file.parent, capture_output=True, text=True, timeout=60, check=False)


def render(ws: Sandbox) -> Path:
    """`wtdock shared render`: prints the file it writes."""
    printed = ws.cli("shared", "render").stdout
    file = ws.root / ".wtdock" / "shared" / "compose.yaml"
    assert printed == file.read_text(encoding="utf-8")
    return file


def test_every_engine_renders_a_file_compose_accepts(
    make_workspace: Callable[..., Sandbox], engine: docker.DockerClient
) -> None:
    ws = make_workspace("render")
    reference = yamlio.load_plain(ws.config_file)
    for events in ("nats", "none", "redpanda"):
        config = copy.deepcopy(reference)
        config["shared"] = {"events": {"engine": events}}
        if events == "none":
            config["services"]["api"]["uses"] = ["postgres", "redis"]
        ws.write_config(config)
        file = render(ws)
        checked = compose(file, f"{ws.name}-shared", "config", "-q")
        assert (checked.returncode, checked.stderr) == (0, ""), events
    # Rendering starts nothing.
    assert engine.containers.list(all=True, filters={"label": f"dev.wtdock.workspace={ws.name}"}) == []

    # The redpanda file in detail, as Compose reads it.
    done = compose(file, f"{ws.name}-shared", "config", "--format", "json")
    assert done.returncode == 0, done.stderr
    model = json.loads(done.stdout)
    assert sorted(model["services"]) == ["api", "postgres", "redis", "redpanda"]

    redpanda = model["services"]["redpanda"]
    assert redpanda["image"].startswith("docker.redpanda.com/redpandadata/redpanda:")
    (port,) = redpanda["ports"]
    host_port = int(port["published"])
    assert (port["host_ip"], port["target"]) == ("127.0.0.1", 19092)
    assert "--kafka-addr=internal://0.0.0.0:9092,external://0.0.0.0:19092" in redpanda["command"]
    assert f"--advertise-kafka-addr=internal://redpanda:9092,external://127.0.0.1:{host_port}" in redpanda["command"]
    assert redpanda["labels"]["dev.wtdock.role"] == "shared"
    assert "healthcheck" in redpanda
    assert model["volumes"]["redpanda-data"]["labels"]["dev.wtdock.workspace"] == ws.name
    network = model["networks"]["shared"]
    assert (network["name"], network["external"]) == (f"{ws.name}-net", True)

    # Containers reach it by name on the internal listener; host tools on the external one.
    assert model["services"]["api"]["environment"]["KAFKA_BROKERS"] == "redpanda:9092"
    env = dict(line.split("=", 1) for line in ws.cli("shared", "env").stdout.splitlines())
    assert env["KAFKA_BROKERS"] == f"127.0.0.1:{host_port}"
    assert "NATS_URL" not in env
