"""Ticket environments (issue 4) from a user's seat: each ticket serves its own worktree, `ps` tells
running / partial / stopped / missing worktree, `stop` and `up` keep the URLs."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from typing import Any

import docker
import pytest

from tests.integration.helpers import Sandbox, git, http_get

PROJECT_LABEL = "com.docker.compose.project"


def tickets(ws: Sandbox) -> dict[str, dict[str, Any]]:
    return {t["name"]: t for t in ws.json("ps")}


def services(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["service"]: s for s in view["services"]}


def url(ws: Sandbox, ticket: str, service: str) -> str:
    return ws.cli("url", ticket, service).stdout.strip()


@pytest.fixture
def two_tickets(make_workspace: Callable[..., Sandbox]) -> Sandbox:
    """t1: its own front on main's code, the shared API; t2: its own front and API off the feature branches."""
    ws = make_workspace("life")
    ws.cli("up", "t1")
    ws.cli("up", "t2", "--from", "front=feat/ui", "--from", "api=feat/endpoint")
    return ws


def test_an_edit_in_a_worktree_shows_only_at_that_tickets_url(two_tickets: Sandbox) -> None:
    ws = two_tickets
    front1, front2, api2 = url(ws, "t1", "front"), url(ws, "t2", "front"), url(ws, "t2", "api")
    shared_api = url(ws, "t1", "api")
    assert len({front1, front2, api2, shared_api}) == 4

    (ws.worktree("t1", "front") / "branch.txt").write_text("edited in t1\n")
    (ws.worktree("t2", "api") / "branch.txt").write_text("edited in t2's api\n")

    assert http_get(f"{front1}/") == "edited in t1\n"
    assert http_get(f"{front2}/") == "front feat/ui\n"
    assert http_get(f"{api2}/") == "edited in t2's api\n"
    assert http_get(f"{shared_api}/") == "api main\n"
    # Each front-end reaches the API it is wired to, and sees that API's edit or not.
    assert http_get(f"{front1}/api") == "api main\n"
    assert http_get(f"{front2}/api") == "edited in t2's api\n"
    # The primary checkouts are untouched.
    assert (ws.root / "front" / "branch.txt").read_text() == "front main\n"
    assert (ws.root / "api" / "branch.txt").read_text() == "api main\n"


def test_ps_tracks_running_partial_stopped_and_missing_worktree(
    two_tickets: Sandbox, engine: docker.DockerClient
) -> None:
    ws = two_tickets
    views = tickets(ws)
    assert list(views) == ["t1", "t2"]
    assert {name: v["status"] for name, v in views.items()} == {"t1": "running", "t2": "running"}

    t1, t2 = services(views["t1"]), services(views["t2"])
    assert t1["front"]["dedicated"] is True
    assert t1["front"]["branch"] == "t1"
    assert t1["front"]["state"] == "running"
    assert t1["api"]["dedicated"] is False
    assert t1["api"]["branch"] is None
    assert t2["front"]["branch"] == t2["api"]["branch"] == "t2"
    assert t2["api"]["dedicated"] is True
    urls = {t1["front"]["url"], t2["front"]["url"], t2["api"]["url"], t1["api"]["url"]}
    assert len(urls) == 4
    assert all(u.startswith("http://127.0.0.1:") for u in urls)
    assert http_get(f"{t1['front']['url']}/") == "front main\n"
    assert http_get(f"{t2['front']['url']}/") == "front feat/ui\n"
    assert http_get(f"{t2['api']['url']}/") == "api feat/endpoint\n"
    assert {r["repo"]: r["branch"] for r in views["t2"]["repos"]} == {"front": "t2", "api": "t2"}

    # One container of t2 stopped behind wtdock's back: partial.
    api2 = engine.containers.list(
        filters={"label": [f"{PROJECT_LABEL}={views['t2']['project']}", "com.docker.compose.service=api"]}
    )
    assert len(api2) == 1
    api2[0].stop(timeout=5)
    views = tickets(ws)
    assert views["t2"]["status"] == "partial"
    assert views["t1"]["status"] == "running"

    (ws.worktree("t2", "front") / "note.txt").write_text("keep me\n")
    ws.cli("stop", "t2")
    assert tickets(ws)["t2"]["status"] == "stopped"
    assert (ws.worktree("t2", "front") / "note.txt").read_text() == "keep me\n"

    # A stopped ticket holds no socket, but its ports stay its own.
    ws.cli("up", "t3", "--from", "api=feat/endpoint")
    t3 = services(tickets(ws)["t3"])
    assert not {t3["front"]["url"], t3["api"]["url"]} & {t2["front"]["url"], t2["api"]["url"]}
    assert tickets(ws)["t2"]["status"] == "stopped"

    ws.cli("up", "t2")
    again = tickets(ws)
    assert again["t2"]["status"] == "running"
    assert services(again["t2"])["front"]["url"] == t2["front"]["url"]
    assert services(again["t2"])["api"]["url"] == t2["api"]["url"]
    assert http_get(f"{t2['api']['url']}/") == "api feat/endpoint\n"
    assert git(ws.worktree("t2", "api"), "branch", "--show-current").strip() == "t2"

    front1 = ws.worktree("t1", "front")
    shutil.rmtree(front1)
    assert tickets(ws)["t1"]["status"] == "missing worktree"
    assert tickets(ws)["t2"]["status"] == "running"

    # `up` cannot run it without its worktree, and says why in one line.
    refused = ws.cli("up", "t1", code=2)
    assert refused.stderr.splitlines()[0] == f"wtdock: error: ticket t1: the worktree of front ({front1}) is gone"
    assert len(refused.stderr.splitlines()) == 2

    # `down` of that ticket leaves no stale worktree metadata (locked by wtdock, so no prune drops
    # it), and the ticket can be made again on its kept branch.
    ws.cli("down", "t1")
    assert str(front1.resolve()) not in git(ws.root / "front", "worktree", "list", "--porcelain")
    again = ws.cli("up", "t1")
    assert "note: front: reusing existing branch t1" in again.stdout
    assert http_get(f"{url(ws, 't1', 'front')}/") == "front main\n"
