"""Working inside a ticket: files the app writes belong to the user, git works in the container,
`url` / `env` / `render` / `logs` / `exec` answer, `gc` finds orphans, and a stray
COMPOSE_PROJECT_NAME cannot hijack the ticket's project."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import docker
import pytest

from tests.integration.helpers import Sandbox, git, http_get, run_wtdock
from tests.reference import RUNTIME_IMAGE

PROJECT_LABEL = "com.docker.compose.project"


def finish(ws: Sandbox, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """wtdock in its own process (logs and exec write to the real stdout), run to the end."""
    proc = ws.process(*args)
    out, err = proc.communicate(timeout=timeout)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def in_folder(ws: Sandbox, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """wtdock run the way a user runs it inside a worktree: no --workspace, found from the folder."""
    return run_wtdock(*args, env=ws.env, cwd=cwd, timeout=60)


def rows(table: str) -> list[str]:
    """A printed table's rows with the column padding squeezed to one space."""
    return [" ".join(line.split()) for line in table.splitlines()]


def project_containers(engine: docker.DockerClient, project: str) -> list[Any]:
    return engine.containers.list(all=True, filters={"label": f"{PROJECT_LABEL}={project}"})


@pytest.fixture
def ws(make_workspace: Callable[..., Sandbox]) -> Sandbox:
    sandbox: Sandbox = make_workspace("tools")
    sandbox.cli("up", "w1", "--from", "api=feat/endpoint")
    return sandbox


def test_container_writes_are_the_users_and_git_works_inside(ws: Sandbox) -> None:
    front = ws.worktree("w1", "front")
    front_url = ws.cli("url", "w1", "front").stdout.strip()

    assert http_get(f"{front_url}/write/made-in-container.txt") == "written"
    made = front / "made-in-container.txt"
    assert made.read_text() == "written by the container\n"
    assert (made.stat().st_uid, made.stat().st_gid) == (os.getuid(), os.getgid())

    status = finish(ws, "exec", "w1", "front", "--", "git", "status")
    assert status.returncode == 0, status.stderr
    assert "On branch w1" in status.stdout
    assert "made-in-container.txt" in status.stdout
    branch = finish(ws, "exec", "w1", "api", "--", "git", "rev-parse", "--abbrev-ref", "HEAD")
    assert (branch.returncode, branch.stdout.strip()) == (0, "w1")

    # A prune (inside a container or not) cannot drop metadata of wtdock's worktrees: they are locked.
    for repo in ("front", "api"):
        listing = git(ws.root / repo, "worktree", "list", "--porcelain").split("\n\n")
        entry = next(block for block in listing if f"worktree {ws.worktree('w1', repo).resolve()}" in block)
        assert "\nlocked" in entry
    git(ws.root / "front", "worktree", "prune")
    assert http_get(f"{front_url}/") == "front main\n"
    assert git(front, "status", "--short").strip() == "?? made-in-container.txt"


def test_url_env_render_and_logs(ws: Sandbox, tmp_path: Path) -> None:
    view = ws.json("ps")[0]
    by_service = {s["service"]: s for s in view["services"]}
    front_url, api_url = by_service["front"]["url"], by_service["api"]["url"]

    assert ws.cli("url", "w1", "front").stdout == f"{front_url}\n"
    assert ws.cli("url", "w1", "api").stdout == f"{api_url}\n"
    table = ws.cli("url", "w1").stdout.split()
    assert table == ["front", front_url, "api", api_url]

    env = ws.json("env", "w1")
    assert env["ticket"]["name"] == "w1"
    assert env["ticket"]["project"] == view["project"]
    assert env["env"]["WTDOCK_TICKET"] == "w1"
    assert env["env"]["FRONT_URL"] == front_url
    assert env["env"]["API_URL"] == api_url
    assert env["env"]["API_INTERNAL_URL"] == "http://w1-api:8000"
    assert env["env"]["DATABASE_URL"].startswith("postgresql://")
    assert env["env"]["REDIS_URL"].startswith("redis://127.0.0.1:")
    assert env["env"]["NATS_URL"].startswith("nats://127.0.0.1:")

    dotenv = ws.cli("env", "w1", "--dotenv").stdout.splitlines()
    assert dict(line.split("=", 1) for line in dotenv) == env["env"]

    # Inside a worktree (in a subfolder even) with no ticket named: the ticket I am in.
    sub = ws.worktree("w1", "api") / "deeper"
    sub.mkdir()
    here = in_folder(ws, sub, "env", "--json")
    assert here.returncode == 0, here.stderr
    assert json.loads(here.stdout)["env"] == env["env"]
    here = in_folder(ws, ws.worktree("w1", "front"), "env", "--dotenv")
    assert here.returncode == 0, here.stderr
    assert f"FRONT_URL={front_url}" in here.stdout.splitlines()
    outside = in_folder(ws, ws.root, "env")
    assert outside.returncode == 2
    assert outside.stderr.startswith(f"wtdock: error: {ws.root} is not inside a worktree of a ticket")

    rendered = ws.cli("render", "w1").stdout
    checked = subprocess.run(
        ["docker", "compose", "-f", "-", "config", "--format", "json"],
        input=rendered,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert checked.returncode == 0, checked.stderr
    model = json.loads(checked.stdout)
    assert model["name"] == view["project"]
    assert set(model["services"]) == {"front", "api"}
    assert model["services"]["front"]["user"] == f"{os.getuid()}:{os.getgid()}"

    logs = finish(ws, "logs", "w1", "front")
    assert logs.returncode == 0, logs.stderr
    assert finish(ws, "logs", "w1").returncode == 0


def test_gc_finds_and_removes_orphans(ws: Sandbox, engine: docker.DockerClient) -> None:
    assert "nothing to clean up" in ws.cli("gc").stdout
    ws.cli("up", "w2")
    project = f"{ws.name}-w2"
    assert project_containers(engine, project)

    # A registry entry lost behind wtdock's back: the ticket still lives (containers, a locked
    # worktree), so gc only reports it, and `wtdock repair` brings it back.
    state_file = ws.root / ".wtdock" / "state.json"
    state = json.loads(state_file.read_text())
    del state["tickets"]["w2"]
    state_file.write_text(json.dumps(state))
    # A container labelled as a ticket of this workspace that nothing else knows: an orphan.
    ghost = engine.containers.run(
        RUNTIME_IMAGE,
        ["sleep", "300"],
        detach=True,
        name=f"{ws.name}-ghost-app-1",
        labels={"dev.wtdock.workspace": ws.name, "dev.wtdock.role": "ticket", PROJECT_LABEL: f"{ws.name}-ghost",
                "dev.wtdock.ticket": "ghost"},
    )
    # A worktree wtdock locked for a ticket that left nothing else behind (an `up` killed early).
    gone = ws.root / ".wtdock" / "worktrees" / "gone" / "front"
    lock = f"wtdock: ticket gone of workspace {ws.name}"
    git(ws.root / "front", "worktree", "add", "-q", "--lock", "--reason", lock, "-b", "gone", str(gone), "main")

    found = rows(ws.cli("gc").stdout)
    assert ("kept unregistered ticket ticket w2: compose files, containers, worktrees but no registry entry "
            "(`wtdock repair` brings it back)") in found
    assert not any(f"containers {project}" in line for line in found)
    assert f"found containers {ws.name}-ghost: {ws.name}-ghost-app-1 (no ticket in the registry)" in found
    # Its worktree may hold work: gc hands it over (unlocked), never removes it.
    assert f"found worktree front: {gone.resolve()} ({lock}; no such ticket now)" in found
    assert not any(str(ws.worktree("w2", "front").resolve()) in line for line in found)
    assert "run `wtdock gc --yes` to remove them (wtdock's worktrees are only unlocked, never removed)" in found

    removed = rows(ws.cli("gc", "--yes").stdout)
    assert f"unlocked (yours now) worktree front: {gone.resolve()} ({lock}; no such ticket now)" in removed
    assert project_containers(engine, project)
    with pytest.raises(docker.errors.NotFound):
        ghost.reload()
    assert (gone / "server.py").is_file()
    listing = git(ws.root / "front", "worktree", "list", "--porcelain").split("\n\n")
    block = next(b for b in listing if b.startswith(f"worktree {gone.resolve()}\n"))
    assert not any(line.startswith("locked") for line in block.splitlines())
    block = next(b for b in listing if b.startswith(f"worktree {ws.worktree('w2', 'front').resolve()}\n"))
    assert any(line.startswith("locked") for line in block.splitlines())
    ws.cli("repair")
    assert {t["name"]: t["status"] for t in ws.json("ps")} == {"w1": "running", "w2": "running"}
    git(ws.root / "front", "worktree", "remove", str(gone))

    # A ticket whose worktrees were deleted by hand: its entry and git's metadata are stale.
    for repo in ("front", "api"):
        subprocess.run(["rm", "-rf", str(ws.worktree("w1", repo))], check=True)
    found = rows(ws.cli("gc").stdout)
    assert "found registry entry ticket w1: its worktrees are gone (branches stay)" in found
    assert f"found worktree metadata front: {ws.worktree('w1', 'front').resolve()} (folder is gone)" in found
    ws.cli("gc", "--yes")
    assert [t["name"] for t in ws.json("ps")] == ["w2"]
    assert project_containers(engine, f"{ws.name}-w1") == []
    assert str(ws.worktree("w1", "front").resolve()) not in git(ws.root / "front", "worktree", "list")
    assert "w1" in git(ws.root / "api", "branch", "--list", "w1")
    ws.cli("down", "w2")
    # What `down` cannot remove under its own lock: gc prunes lock files of tickets that are gone.
    assert "found  lock files  1 of tickets that are gone: ticket-w2.lock" in ws.cli("gc").stdout
    ws.cli("gc", "--yes")
    assert "nothing to clean up" in ws.cli("gc").stdout


def test_a_stray_compose_project_name_cannot_hijack_a_ticket(
    make_workspace: Callable[..., Sandbox], engine: docker.DockerClient, hijack_env: None
) -> None:
    ws = make_workspace("hijack")
    assert os.environ["COMPOSE_PROJECT_NAME"] == "hijacked"
    ws.cli("up", "h1", "--from", "api=feat/endpoint")
    project = f"{ws.name}-h1"
    assert {c.labels["com.docker.compose.service"] for c in project_containers(engine, project)} == {"front", "api"}
    assert project_containers(engine, "hijacked") == []
    assert ws.json("ps")[0]["status"] == "running"

    ws.cli("stop", "h1")
    assert ws.json("ps")[0]["status"] == "stopped"
    ws.cli("up", "h1")
    assert ws.json("ps")[0]["status"] == "running"
    finished = finish(ws, "exec", "h1", "api", "--", "cat", "branch.txt")
    assert (finished.returncode, finished.stdout) == (0, "api feat/endpoint\n")

    ws.cli("down", "h1")
    assert project_containers(engine, project) == []
    assert project_containers(engine, "hijacked") == []


def test_env_finds_its_ticket_from_worktrees_outside_the_workspace(
    make_workspace: Callable[..., Sandbox], tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere"

    def worktrees_elsewhere(config: dict[str, Any]) -> None:
        config["worktrees"] = str(elsewhere)

    ws = make_workspace("far", edit=worktrees_elsewhere)
    ws.cli("up", "f1")
    front = elsewhere / "f1" / "front"
    assert (front / "server.py").is_file()
    here = in_folder(ws, front, "env", "--dotenv")
    assert here.returncode == 0, here.stderr
    assert "WTDOCK_TICKET=f1" in here.stdout.splitlines()

    # An adopted worktree, made by another tool outside the workspace, leads back too; after
    # `down` it carries no note of wtdock any more.
    adopted = tmp_path / "agent-api"
    git(ws.root / "api", "worktree", "add", "-q", "-b", "agent-1", str(adopted), "main")
    ws.cli("up", "f2", "--worktree", f"api={adopted}")
    assert "WTDOCK_TICKET=f2" in in_folder(ws, adopted, "env", "--dotenv").stdout.splitlines()
    ws.cli("down", "f2")
    assert in_folder(ws, adopted, "env").returncode == 2
