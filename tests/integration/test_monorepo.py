"""Monorepos can share too: one repo holds the front-end and the API, every ticket branches it, and
a ticket still chooses to use the shared API (`up --shared api`) or to run its own."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.integration.helpers import Sandbox, git, http_get
from wtdock.demo import APPS


def make_monorepo(path: Path) -> None:
    """Repo ``app``: ``web/`` (the front-end) and ``api/``, each with a branch.txt; branch
    ``feat/api`` changes the API's."""
    for folder, server in (("web", "front_server.py"), ("api", "api_server.py")):
        (path / folder).mkdir(parents=True)
        shutil.copy(APPS / server, path / folder / "server.py")
        (path / folder / "branch.txt").write_text(f"{folder} main\n")
    (path / ".gitignore").write_text(".env\n")
    git(path, "init", "-q", "-b", "main")
    git(path, "add", "-A")
    git(path, "commit", "-qm", "init")
    git(path, "checkout", "-q", "-b", "feat/api")
    (path / "api" / "branch.txt").write_text("api feat/api\n")
    git(path, "commit", "-qam", "work on the api")
    git(path, "checkout", "-q", "main")


def monorepo(config: dict[str, Any]) -> None:
    config["repos"] = {"app": {"path": "app"}}  # no base: the repo's own default branch (main)
    config["services"]["front"] |= {"repo": "app", "workdir": "web"}
    config["services"]["api"] |= {"repo": "app", "workdir": "api"}


@pytest.fixture
def mono(make_workspace: Callable[..., Sandbox]) -> Sandbox:
    ws = make_workspace("mono", edit=monorepo)
    make_monorepo(ws.root / "app")
    return ws


def services(ws: Sandbox, ticket: str) -> dict[str, dict[str, Any]]:
    found = next(t for t in ws.json("ps") if t["name"] == ticket)
    return {s["service"]: s for s in found["services"]}


def test_one_ticket_uses_the_shared_api_and_another_runs_its_own(mono: Sandbox) -> None:
    ws = mono
    first = ws.cli("up", "a", "--shared", "api")
    assert "api    " in first.stdout
    assert first.stdout.rstrip().endswith("shared")
    second = ws.cli("up", "b", "--from", "app=feat/api")

    a, b = services(ws, "a"), services(ws, "b")
    assert (a["front"]["dedicated"], a["api"]["dedicated"]) == (True, False)
    assert (b["front"]["dedicated"], b["api"]["dedicated"]) == (True, True)
    assert a["api"]["internal_url"] == "http://shared-api:8000"
    assert b["api"]["internal_url"] == "http://b-api:8000"
    # Both front-ends serve their own checkout and reach the API they are wired to.
    assert http_get(a["front"]["url"] + "/") == "web main\n"
    assert http_get(a["front"]["url"] + "/api") == "api main\n"  # the shared one, from the primary checkout
    assert http_get(b["front"]["url"] + "/api") == "api feat/api\n"
    assert http_get(b["api"]["url"] + "/") == "api feat/api\n"
    assert http_get(a["api"]["url"] + "/") == "api main\n"
    assert "[b]" in second.stdout

    # A plain `up` keeps the choice; a later --own changes it, and --shared takes it back.
    assert "a: already running" in ws.cli("up", "a").stdout
    assert services(ws, "a")["api"]["dedicated"] is False
    own = ws.envelope("up", "a", "--own", "api")
    assert own["action"] == "updated"
    a = services(ws, "a")
    assert a["api"]["dedicated"] is True
    assert a["api"]["internal_url"] == "http://a-api:8000"
    assert http_get(a["front"]["url"] + "/api") == "api main\n"
    assert http_get(a["api"]["url"] + "/") == "api main\n"
    back = ws.envelope("up", "a", "--shared", "api")
    assert back["action"] == "updated"
    a = services(ws, "a")
    assert (a["api"]["dedicated"], a["api"]["state"]) == (False, "running")  # the shared one runs
    assert http_get(a["front"]["url"] + "/api") == "api main\n"
    assert "api" not in ws.json("render", "a")["compose"]["services"]


def test_shared_needs_a_shared_instance(mono: Sandbox) -> None:
    failed = mono.cli("up", "c", "--shared", "front", code=2)
    assert "wtdock: error: --shared front: service front has no shared instance" in failed.stderr
    assert "hint: give it one (services.front.shared.host_port in wtdock.yaml)" in failed.stderr
