"""`wtdock demo` on a real engine: its tickets answer on the right branches, a second run resumes
(also after `down` of a ticket), and `demo --down` leaves nothing of it behind."""

from __future__ import annotations

from pathlib import Path

import docker
from typer.testing import CliRunner, Result

from tests.integration.conftest import LABEL, RUN_ID, remove_workspaces
from tests.integration.helpers import Sandbox, http_get, http_json
from tests.reference import REFERENCE_BASE
from wtdock.cli.app import app

# Away from the reference workspace's ports (REFERENCE_BASE, +1-, +1001-) of the same session.
BASE = REFERENCE_BASE + 500


def demo(*args: str) -> Result:
    result = CliRunner().invoke(app, ["demo", *args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert result.exit_code == 0, f"exit {result.exit_code}\n{result.stdout}\n{result.stderr}"
    return result


def urls(root: Path, name: str) -> dict[str, dict[str, str]]:
    """Each ticket's URL of each service, from `wtdock ps --json` as a program reads it."""
    tickets = Sandbox(root=root, name=name).json("ps")
    return {t["name"]: {s["service"]: s["url"] for s in t["services"]} for t in tickets}


def leftovers(engine: docker.DockerClient, name: str) -> list[str]:
    label = {"label": f"{LABEL}={name}"}
    return [
        *(f"container {c.name}" for c in engine.containers.list(all=True, sparse=True, filters=label)),
        *(f"volume {v.name}" for v in engine.volumes.list(filters=label)),
        *(f"network {n.name}" for n in engine.networks.list(filters=label)),
    ]


def test_demo_runs_resumes_and_leaves_nothing(engine: docker.DockerClient, tmp_path: Path) -> None:
    name = f"{RUN_ID}-demo"  # the session's cleanup removes it too, whatever happens here
    root = tmp_path / "demo"
    args = [str(root), "--name", name, "--port-base", str(BASE)]
    try:
        first = demo(*args)
        # Nothing can be pulled on these machines: it says so and runs on the stand-ins.
        assert f"demo workspace {name} made in {root} (standin images)" in first.stdout
        assert "note: the official images could not be pulled; using the local stand-ins" in first.stdout
        assert f"wtdock demo {root} --down" in first.stdout

        found = urls(root, name)
        shared_api = found["feat-01"]["api"]
        assert shared_api == f"http://127.0.0.1:{BASE}"
        one, two = found["feat-01"], found["feat-02"]
        answers = {
            f"{one['front']}/": "front main\n",
            f"{one['front']}/api": "api main\n",  # through the shared API
            f"{shared_api}/": "api main\n",
            f"{two['front']}/": "front feat/ui\n",
            f"{two['front']}/api": "api feat/endpoint\n",  # through its own API
            f"{two['api']}/": "api feat/endpoint\n",
        }
        assert {url: http_get(url) for url in answers} == answers
        # feat-02's API really uses its own database, a Redis number and the event stream.
        check = http_json(f"{two['api']}/check")
        assert check["database"] == "app_feat_02"
        assert check["redis"] is True
        assert check["events"] == "feat-02"

        again = demo(*args)
        assert f"demo workspace {name} resumed in {root}" in again.stdout
        assert "feat-01: already running" in again.stdout
        assert "feat-02: already running" in again.stdout
        assert urls(root, name) == found

        # A ticket removed by hand comes back on the branches its `down` kept.
        Sandbox(root=root, name=name).cli("down", "feat-02")
        back = demo(*args)
        assert "feat-02: started" in back.stdout
        assert http_get(f"{urls(root, name)['feat-02']['front']}/api") == "api feat/endpoint\n"

        gone = demo(str(root), "--down")
        assert f"removed shared project {name}-shared and its data volumes" in gone.stdout
        assert leftovers(engine, name) == []
        assert not root.exists()
        assert demo(str(root), "--down").stdout == f"demo in {root}: nothing to remove\n"
    finally:
        remove_workspaces(engine, lambda label: label == name)
