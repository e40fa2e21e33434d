"""Issue 9's "wrong state" items: adoption of another ticket's worktree, config files that say
nothing or cannot be read, overlapping ranges, and `up` saying exactly what changed."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import docker
import pytest

from tests.integration.helpers import Sandbox, git, http_get
from tests.integration.test_tickets_errors import one_error_line, snapshot


@pytest.fixture
def ws(make_workspace: Callable[..., Sandbox]) -> Sandbox:
    return make_workspace("wrong")


def test_another_tickets_worktree_is_never_adopted(ws: Sandbox, engine: docker.DockerClient) -> None:
    ws.cli("up", "t3", "--from", "api=feat/endpoint")
    owned = ws.worktree("t3", "api")
    before = snapshot(ws, engine)

    result = ws.cli("up", "o19", "--worktree", f"api={owned}", code=3)
    assert one_error_line(result) == f"--worktree api={owned}: that worktree belongs to ticket t3"
    assert "wtdock down t3 --keep-worktrees" in result.stderr
    assert snapshot(ws, engine) == before

    # The --checkout refusal no longer suggests adopting it.
    result = ws.cli("up", "o20", "--checkout", "api=t3", code=2)
    assert one_error_line(result) == f"branch 't3' of repo api is already checked out at {owned} (ticket t3)"
    assert "--worktree" not in result.stderr
    assert snapshot(ws, engine) == before


def test_down_of_an_adopter_leaves_the_worktrees_note_alone(ws: Sandbox, tmp_path: Path) -> None:
    api = ws.root / "api"
    mine = tmp_path / "my-api"
    git(api, "worktree", "add", "-q", "-b", "mine", str(mine), "main")
    git_dir = Path(git(mine, "rev-parse", "--absolute-git-dir").strip())
    note = git_dir / "wtdock-workspace"
    note.write_text("/somewhere/else/wtdock.yaml\n")

    ws.cli("up", "adopter", "--worktree", f"api={mine}")
    ws.cli("down", "adopter")
    assert note.read_text() == "/somewhere/else/wtdock.yaml\n"
    assert (mine / "server.py").is_file()


@pytest.mark.parametrize("text", ["", "# nothing yet\n", "{}\n"])
def test_an_empty_config_is_a_config_error(ws: Sandbox, engine: docker.DockerClient, text: str) -> None:
    ws.config_file.write_text(text)
    result = ws.cli("up", "t1", code=2)
    assert one_error_line(result) == f"{ws.config_file}: the file is empty"
    assert engine.containers.list(all=True, filters={"label": f"dev.wtdock.workspace={ws.name}"}) == []
    assert not (ws.root / ".wtdock").exists()


def test_a_config_that_is_not_utf8_is_a_config_error(ws: Sandbox) -> None:
    ws.config_file.write_bytes(ws.config_file.read_bytes() + b"# caf\xe9\n")
    result = ws.cli("ps", code=2)
    assert one_error_line(result).startswith(f"{ws.config_file}: not UTF-8 text (byte ")


def _overlapping(config: dict[str, Any]) -> None:
    first = int(config["services"]["front"]["host_ports"].split("-")[0])
    config["services"]["api"]["host_ports"] = f"{first + 50}-{first + 150}"


def test_overlapping_host_port_ranges_are_a_config_error(make_workspace: Callable[..., Sandbox]) -> None:
    ws = make_workspace("overlap", edit=_overlapping)
    result = ws.cli("up", "t1", code=2)
    message = one_error_line(result)
    assert message.startswith(f"{ws.config_file}:")
    assert "services.api.host_ports: " in message
    assert " overlaps services.front.host_ports (" in message


@pytest.fixture
def squatter() -> Iterator[Callable[[int], socket.socket]]:
    held: list[socket.socket] = []

    def take(port: int) -> socket.socket:
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))
        sock.listen()
        held.append(sock)
        return sock

    yield take
    for sock in held:
        sock.close()


def test_a_resumed_ticket_whose_port_was_taken_says_so(ws: Sandbox, squatter: Callable[[int], socket.socket]) -> None:
    ws.cli("up", "t1")
    port = ws.json("ps")[0]["services"][0]["host_port"]
    ws.cli("stop", "t1")
    squatter(port)

    result = ws.cli("up", "t1")
    now = ws.json("ps")[0]["services"][0]["host_port"]
    assert now != port
    assert f"note: front: port {port} is taken; now {now}" in result.stdout
    assert f"front: port {port} -> {now}" in result.stderr
    assert "the compose file changed" not in result.stderr
    assert http_get(f"http://127.0.0.1:{now}/") == "front main\n"


def test_an_up_that_changes_nothing_after_a_crash_does_not_claim_an_update(ws: Sandbox) -> None:
    ws.cli("up", "t1", "--from", "api=feat/endpoint")
    # What a SIGKILL right after `compose up` leaves: the containers run, the registry never
    # recorded what they were started with.
    state = ws.root / ".wtdock" / "state.json"
    data = json.loads(state.read_text())
    data["tickets"]["t1"]["rendered"] = {}
    state.write_text(json.dumps(data))

    again = ws.cli("up", "t1")
    assert "t1: already running" in again.stdout
    assert "updated" not in again.stdout + again.stderr


def test_up_names_the_service_and_field_that_changed(ws: Sandbox) -> None:
    ws.cli("up", "t1", "--from", "api=feat/endpoint")
    config = ws.config_file.read_text()
    ws.config_file.write_text(config.replace("services:\n", "services:\n", 1).replace(
        "    uses:\n", "    environment:\n      FEATURE_FLAG: 'on'\n    uses:\n", 1))
    result = ws.cli("up", "t1")
    assert "t1: updated" in result.stdout
    assert "api: environment FEATURE_FLAG added" in result.stderr


def test_the_header_of_a_branch_like_ticket_names_its_real_project(ws: Sandbox) -> None:
    ws.cli("up", "feat/x")
    compose = (ws.root / ".wtdock" / "tickets" / "feat-x" / "compose.yaml").read_text()
    assert f"# By hand: docker compose -p {ws.name}-feat-x -f <this file> ps" in compose
    assert f"{ws.name}-feat/x" not in compose


def test_up_names_a_changed_image(ws: Sandbox, engine: docker.DockerClient) -> None:
    ws.cli("up", "t1")
    alias = f"wtdock-standin/runtime:{ws.name}"
    engine.images.get("wtdock-standin/runtime:1").tag(alias)
    try:
        ws.config_file.write_text(ws.config_file.read_text().replace(
            "image: wtdock-standin/runtime:1", f"image: {alias}", 1))
        result = ws.cli("up", "t1")
        assert "t1: updated" in result.stdout
        assert f"front: image wtdock-standin/runtime:1 -> {alias}" in result.stderr
        changes = ws.envelope("up", "t1")
        assert changes["action"] == "already running"
    finally:
        ws.cli("down", "t1")
        engine.images.remove(alias)
