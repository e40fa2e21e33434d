"""Refused `up`s: one clear `wtdock: error:` line, the documented exit code, no traceback, and
nothing half-made (no worktree, branch, registry entry or container of the ticket)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import docker
import pytest
from typer.testing import Result

from tests.integration.helpers import Sandbox, git, http_get
from tests.reference import RUNTIME_IMAGE

TICKET_LABEL = "dev.wtdock.ticket"
WORKSPACE_LABEL = "dev.wtdock.workspace"

BAD_NAMES = {
    "": "it is empty",
    "-rf": "it starts with '-'",
    "a..b": "it contains '..'",
    "/abs": "path separator",
    "a b": "whitespace or control characters",
    "bell\x07": "whitespace or control characters",
    "x" * 41: "longer than 40 characters",
    "shared": "reserved",
}


def one_error_line(result: Result) -> str:
    """The error message, after checking stderr ends in exactly one error line and at most a hint
    (progress lines may come before it)."""
    assert "Traceback" not in result.stdout + result.stderr
    lines = result.stderr.splitlines()
    errors = [i for i, line in enumerate(lines) if line.startswith("wtdock: error: ")]
    assert len(errors) == 1, result.stderr
    tail = lines[errors[0] + 1 :]
    assert len(tail) <= 1, result.stderr
    assert all(line.startswith("  hint: ") for line in tail), result.stderr
    assert all(line.startswith("wtdock: ") for line in lines[: errors[0]]), result.stderr
    return lines[errors[0]].removeprefix("wtdock: error: ")


def branches(repo: Path) -> set[str]:
    return set(git(repo, "for-each-ref", "--format=%(refname:short)", "refs/heads").split())


def snapshot(ws: Sandbox, engine: docker.DockerClient) -> dict[str, Any]:
    """What a failed `up` must not change."""
    worktrees = ws.root / ".wtdock" / "worktrees"
    return {
        "worktree folders": sorted(p.name for p in worktrees.iterdir()) if worktrees.is_dir() else [],
        "front branches": branches(ws.root / "front"),
        "api branches": branches(ws.root / "api"),
        "front worktrees": git(ws.root / "front", "worktree", "list"),
        "api worktrees": git(ws.root / "api", "worktree", "list"),
        "tickets": sorted(t["name"] for t in ws.json("ps")),
        "ticket containers": sorted(
            c.name
            for c in engine.containers.list(all=True, filters={"label": f"{WORKSPACE_LABEL}={ws.name}"})
            if TICKET_LABEL in c.labels
        ),
    }


@pytest.fixture
def ws(make_workspace: Callable[..., Sandbox]) -> Sandbox:
    return make_workspace("errs")


def test_bad_ticket_names_are_refused_before_anything_is_made(ws: Sandbox, engine: docker.DockerClient) -> None:
    before = snapshot(ws, engine)
    for name, problem in BAD_NAMES.items():
        result = ws.cli("up", "--", name, code=2)
        message = one_error_line(result)
        assert problem in message, (name, message)
        assert message.startswith("invalid ticket name" if name != "shared" else "ticket name 'shared' is reserved")
        assert snapshot(ws, engine) == before, name
    # Not even the shared project was started.
    assert engine.containers.list(all=True, filters={"label": f"{WORKSPACE_LABEL}={ws.name}"}) == []


def test_unknown_ref_and_unknown_repo_are_refused_before_anything_is_made(
    ws: Sandbox, engine: docker.DockerClient
) -> None:
    before = snapshot(ws, engine)

    result = ws.cli("up", "t1", "--from", "front=no/such-branch", code=2)
    assert one_error_line(result).startswith("--from front=no/such-branch: no such branch, tag or commit in ")
    assert snapshot(ws, engine) == before

    result = ws.cli("up", "t1", "--from", "mobile=main", code=2)
    assert one_error_line(result) == f"--from mobile=...: no repo 'mobile' in {ws.config_file}"
    assert snapshot(ws, engine) == before

    result = ws.cli("up", "t1", "--checkout", "front=no-such-branch", code=2)
    assert one_error_line(result).startswith("--checkout front=no-such-branch: no such branch in ")
    assert snapshot(ws, engine) == before

    result = ws.cli("up", "t1", "--worktree", f"api={ws.root / 'nowhere'}", code=2)
    assert one_error_line(result).startswith(f"--worktree api={ws.root / 'nowhere'}: not a worktree of ")
    assert snapshot(ws, engine) == before

    # git keeps branches as paths: `feat/ui` exists, so neither `feat` nor `feat/ui/x` can be made.
    for name, blocker in (("feat/ui/x", "feat/ui"), ("feat", "feat/ui")):
        result = ws.cli("up", name, code=2)
        message = one_error_line(result)
        assert message == f"branch {name!r} cannot be created in repo front: branch {blocker!r} exists"
        assert snapshot(ws, engine) == before

    # Nothing so far even started the shared project.
    assert engine.containers.list(all=True, filters={"label": f"{WORKSPACE_LABEL}={ws.name}"}) == []

    # The ticket can still be made afterwards, cleanly.
    ws.cli("up", "t1", "--from", "front=feat/ui")
    front = next(s for s in ws.json("ps")[0]["services"] if s["service"] == "front")
    assert http_get(f"{front['url']}/") == "front feat/ui\n"

    # Another name for the same slug is refused, not merged into t1.
    before = snapshot(ws, engine)
    result = ws.cli("up", "T1", code=2)
    assert one_error_line(result) == "ticket name 'T1' maps to 't1', which ticket 't1' already uses"
    assert snapshot(ws, engine) == before


def _single_front_port(config: dict[str, Any]) -> None:
    first = config["services"]["front"]["host_ports"].split("-")[0]
    config["services"]["front"]["host_ports"] = f"{first}-{first}"


def test_an_exhausted_port_range_is_refused_with_nothing_half_made(
    make_workspace: Callable[..., Sandbox], engine: docker.DockerClient
) -> None:
    ws = make_workspace("full", edit=_single_front_port)
    ws.cli("up", "p1")
    port = ws.json("ps")[0]["services"][0]["host_port"]
    before = snapshot(ws, engine)

    result = ws.cli("up", "p2", code=4)
    message = one_error_line(result)
    assert message == f"port {port} (services.front.host_ports) is in use by ticket p1"
    assert snapshot(ws, engine) == before
    assert not ws.worktree("p2", "front").exists()
    assert "p2" not in branches(ws.root / "front")

    # The ticket that holds the port is untouched, and `down` of it frees the port for p2.
    assert http_get(f"http://127.0.0.1:{port}/") == "front main\n"
    ws.cli("down", "p1")
    ws.cli("up", "p2")
    assert ws.json("ps")[0]["services"][0]["host_port"] == port


def test_a_compose_project_of_another_workspace_is_never_taken_over(ws: Sandbox, engine: docker.DockerClient) -> None:
    # Workspace "shop" with ticket "a-b" and workspace "shop-a" with ticket "b" are both project
    # shop-a-b. Here a container of another workspace already holds this ticket's project name.
    ws.cli("shared", "up")
    project = f"{ws.name}-p3"
    stranger = engine.containers.run(
        RUNTIME_IMAGE, ["sleep", "300"], detach=True,
        labels={WORKSPACE_LABEL: f"{ws.name}x", "com.docker.compose.project": project},
    )
    try:
        before = snapshot(ws, engine)
        result = ws.cli("up", "p3", code=3)
        assert one_error_line(result) == f"Compose project {project} belongs to workspace '{ws.name}x'"
        assert snapshot(ws, engine) == before
        stranger.reload()
        assert stranger.status == "running"
    finally:
        stranger.remove(force=True)


def _unpullable_front(config: dict[str, Any]) -> None:
    # Nothing listens on port 9: the pull fails at once.
    config["services"]["front"]["image"] = "127.0.0.1:9/wtdock-missing:1"


def test_a_failed_start_undoes_what_it_made(
    make_workspace: Callable[..., Sandbox], engine: docker.DockerClient
) -> None:
    ws = make_workspace("undo", edit=_unpullable_front)
    ws.cli("shared", "up")
    before = snapshot(ws, engine)

    result = ws.cli("up", "u1", "--from", "api=feat/endpoint", code=5)
    assert "undone: worktree " in result.stderr
    assert one_error_line(result).startswith(f"{ws.name}-u1: an image could not be pulled: ")
    assert "WTDOCK_IMAGE_" in result.stderr  # the hint names the overrides
    assert snapshot(ws, engine) == before
    assert not ws.worktree("u1", "front").parent.exists()
    assert engine.containers.list(all=True, filters={"label": f"com.docker.compose.project={ws.name}-u1"}) == []


def test_an_up_killed_half_way_is_taken_over_by_the_next(ws: Sandbox) -> None:
    ws.cli("up", "k1")  # the front-end only
    # What a SIGKILL right after `git worktree add` leaves (no undo runs): the ticket's worktree,
    # locked by wtdock for this ticket, that the registry never heard of.
    path = ws.worktree("k1", "api")
    reason = f"wtdock: ticket k1 of workspace {ws.name}"
    api_repo = ws.root / "api"
    # One on another branch than the one asked for is not taken over, and not touched.
    git(api_repo, "worktree", "add", "-q", "--lock", "--reason", reason, "-b", "elsewhere", str(path), "main")
    wrong = ws.cli("up", "k1", "--from", "api=feat/endpoint", code=3)
    assert one_error_line(wrong) == (
        f"an interrupted `up` of k1 left a worktree of api at {path} on elsewhere, not on k1"
    )
    assert (path / "server.py").is_file()
    git(api_repo, "worktree", "unlock", str(path))
    git(api_repo, "worktree", "remove", str(path))

    git(api_repo, "worktree", "add", "-q", "--lock", "--reason", reason, "-b", "k1", str(path), "feat/endpoint")

    result = ws.cli("up", "k1", "--from", "api=feat/endpoint")
    assert f"note: api: taking over the worktree an interrupted `up` made at {path}" in result.stdout
    api = next(s for s in ws.json("ps")[0]["services"] if s["service"] == "api")
    assert (api["dedicated"], api["branch"]) == (True, "k1")
    assert http_get(f"{api['url']}/") == "api feat/endpoint\n"
    # It is the ticket's own now: `down` removes it (and keeps the branch).
    down = ws.cli("down", "k1")
    assert f"removed api: worktree {path}" in down.stdout
    assert "kept    api: branch k1" in down.stdout


def test_a_failed_up_never_undoes_what_the_user_owns(
    make_workspace: Callable[..., Sandbox], engine: docker.DockerClient, tmp_path: Path
) -> None:
    # --checkout uses the user's existing branch, --worktree the user's own worktree: a failed `up`
    # removes the worktree it made for the branch, never the branch, never the adopted worktree.
    ws = make_workspace("undo-own", edit=_unpullable_front)
    ws.cli("shared", "up")
    api = ws.root / "api"
    mine = tmp_path / "my-api"
    git(api, "worktree", "add", "-q", "-b", "mine", str(mine), "main")
    (mine / "draft.txt").write_text("unsaved\n")
    ui_tip = git(ws.root / "front", "rev-parse", "feat/ui").strip()
    note = Path(git(mine, "rev-parse", "--absolute-git-dir").strip()) / "wtdock-workspace"
    before = snapshot(ws, engine)

    result = ws.cli("up", "u2", "--checkout", "front=feat/ui", "--worktree", f"api={mine}", code=5)
    assert one_error_line(result).startswith(f"{ws.name}-u2: an image could not be pulled: ")
    assert snapshot(ws, engine) == before
    assert git(ws.root / "front", "rev-parse", "feat/ui").strip() == ui_tip
    assert (mine / "draft.txt").read_text() == "unsaved\n"
    assert not note.exists()
    assert str(mine.resolve()) in git(api, "worktree", "list")
    assert "locked" not in git(api, "worktree", "list", "--porcelain").split(f"worktree {mine.resolve()}\n")[1]
