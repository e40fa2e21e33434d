"""Builds that follow the code (issue 11): an image built from a context is tagged with a hash of
its inputs (Dockerfile, context as `.dockerignore` leaves it), built from the ticket's worktree, said
when built, its output streamed, a failure naming the service and its failing step."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator
from typing import Any

import docker
import pytest

from tests.integration.helpers import Sandbox, git, http_get
from tests.reference import RUNTIME_IMAGE

DOCKERFILE = f"FROM {RUNTIME_IMAGE}\nCOPY image.txt /srv/branch.txt\n"


def _built_front(config: dict[str, Any]) -> None:
    front = config["services"]["front"]
    del front["image"]
    front["build"] = "front"
    # Serves the image's /srv/branch.txt: which image runs, seen over HTTP.
    front["command"] = ["sh", "-c", 'code=$PWD; cd /srv && exec python3 "$code/server.py"']


@pytest.fixture
def built(make_workspace: Callable[..., Sandbox], engine: docker.DockerClient) -> Iterator[Sandbox]:
    """A workspace whose front-end is built from a Dockerfile committed in its repo."""
    ws = make_workspace("build", edit=_built_front)
    repo = ws.root / "front"
    (repo / "Dockerfile").write_text(DOCKERFILE)
    (repo / "image.txt").write_text("image v1\n")
    (repo / ".dockerignore").write_text("notes.md\n.git\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "build the front-end")
    yield ws
    for image in engine.images.list(name=f"wtdock/{ws.name}-front"):
        for tag in image.tags:
            with contextlib.suppress(docker.errors.APIError):
                engine.images.remove(tag, force=True)


def _tag(ws: Sandbox, ticket: str) -> str:
    return str(ws.json("render", ticket)["compose"]["services"]["front"]["image"])


def test_a_changed_dockerfile_in_a_worktree_is_rebuilt_for_that_ticket_only(built: Sandbox) -> None:
    ws = built
    first = ws.cli("up", "t1")
    tag = _tag(ws, "t1")
    assert re.fullmatch(rf"wtdock/{ws.name}-front:[0-9a-f]{{12}}", tag), tag
    assert f"wtdock: front: building image {tag} (first build)" in first.stderr
    assert "wtdock:   front | " in first.stderr  # the build's own output, as progress
    assert http_get(ws.cli("url", "t1", "front").stdout.strip() + "/") == "image v1\n"

    again = ws.cli("up", "t1")
    assert "building" not in again.stderr
    assert "already running" in again.stdout
    # A file the .dockerignore leaves out changes nothing.
    (ws.worktree("t1", "front") / "notes.md").write_text("not sent to the engine\n")
    assert "building" not in ws.cli("up", "t1").stderr

    (ws.worktree("t1", "front") / "image.txt").write_text("image v2\n")
    changed = ws.cli("up", "t1")
    new = _tag(ws, "t1")
    assert new != tag
    assert f"wtdock: front: building image {new} (Dockerfile or context changed)" in changed.stderr
    assert f"front: image {tag} -> {new}" in changed.stderr
    assert "updated" in changed.stdout
    assert http_get(ws.cli("url", "t1", "front").stdout.strip() + "/") == "image v2\n"

    # Another ticket's worktree holds the primary checkout's context: the first image, no build.
    other = ws.cli("up", "t2")
    assert "building" not in other.stderr
    assert _tag(ws, "t2") == tag

    forced = ws.cli("up", "t2", "--build")
    assert f"wtdock: front: building image {tag} (--build)" in forced.stderr


BROKEN = f"FROM {RUNTIME_IMAGE}\nRUN echo step one\nRUN python3 -c 'import nosuchmodule'\n"


def test_a_failed_build_names_the_service_and_its_failing_step(built: Sandbox) -> None:
    ws = built
    (ws.root / "front" / "Dockerfile").write_text(BROKEN)
    git(ws.root / "front", "commit", "-qam", "break the build")
    result = ws.cli("up", "t1", code=5)
    lines = result.stderr.splitlines()
    error = next(line for line in lines if line.startswith("wtdock: error:"))
    assert error.startswith(f"wtdock: error: {ws.name}-t1: the image of front did not build: failed to solve:"), error
    assert any("ModuleNotFoundError: No module named 'nosuchmodule'" in line for line in lines), result.stderr
    assert any(re.search(r"> \[front 3/3\] RUN python3 -c 'import nosuchmodule'", line) for line in lines)
    failure = ws.envelope("up", "t1", code=5)["error"]
    assert (failure["kind"], failure["service"]) == ("build_failed", "front")
    assert any("nosuchmodule" in line for line in failure["logs"])
