"""Integration fixtures: a real engine (a failure in CI when missing), the stand-in images, and
workspaces whose Docker resources are removed by label after each test, also when it fails."""

from __future__ import annotations

import contextlib
import itertools
import os
import re
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import docker
import pytest

from tests.integration.helpers import STANDIN_IMAGES, Sandbox
from tests.reference import REFERENCE_BASE, RUNTIME_IMAGE, reference_config
from wtdock.demo.repos import make_repo

RUN_ID = f"wt{secrets.token_hex(3)}"
STALE = re.compile(r"^wt[0-9a-f]{6}-")  # any run's workspaces: scripts/test removes them before pytest
LABEL = "dev.wtdock.workspace"


@pytest.fixture(scope="session")
def engine() -> docker.DockerClient:
    try:
        client = docker.from_env()
        client.ping()
    except Exception as err:  # noqa: BLE001 - any failure means: no engine
        message = f"no Docker engine: {err} (scripts/setup-engine starts one)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    missing = [image for image in [*STANDIN_IMAGES.values(), RUNTIME_IMAGE] if not client.images.list(name=image)]
    if missing:
        pytest.fail(f"stand-in images missing: {', '.join(missing)} (run scripts/build-standins)")
    yield client
    remove_workspaces(client, lambda name: name.startswith(RUN_ID))


def remove_workspaces(client: docker.DockerClient, match: Callable[[str], bool]) -> None:
    """Remove containers, networks and volumes whose workspace label matches. Other test sessions
    share the engine and remove their own things meanwhile: sparse listings (no inspect of each)
    and a NotFound on removal are expected."""
    gone = (docker.errors.NotFound, docker.errors.APIError)
    for container in client.containers.list(all=True, sparse=True, filters={"label": LABEL}):
        if match((container.attrs.get("Labels") or {}).get(LABEL, "")):
            with contextlib.suppress(docker.errors.NotFound):
                container.remove(force=True, v=True)
    for network in client.networks.list(filters={"label": LABEL}):
        if match((network.attrs.get("Labels") or {}).get(LABEL, "")):
            with contextlib.suppress(*gone):
                network.remove()
    for volume in client.volumes.list(filters={"label": LABEL}):
        if match((volume.attrs.get("Labels") or {}).get(LABEL, "")):
            with contextlib.suppress(*gone):
                volume.remove(force=True)


@pytest.fixture
def make_workspace(
    engine: docker.DockerClient, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[..., Sandbox]]:
    """make_workspace(tag, base=None, **config) -> a workspace with the reference config, its two
    repos (front: feat/ui, api: feat/endpoint) and the stand-in images. ``base`` shifts its ports."""
    made: list[Sandbox] = []

    def make(tag: str = "ws", base: int | None = None, edit: Callable[[dict[str, Any]], None] | None = None) -> Sandbox:
        ws = new_sandbox(tmp_path_factory, tag, base, edit)
        made.append(ws)
        return ws

    yield make
    for ws in made:
        remove_workspaces(engine, lambda name, ws=ws: name == ws.name)


@pytest.fixture(scope="module")
def module_workspace(
    engine: docker.DockerClient, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[Sandbox]:
    """One reference workspace for all the tests of a module, with its shared project up: for tests
    that each use tickets of their own, so that a module pays for one shared start, not one per
    test. Each pytest-xdist worker that runs the module makes its own."""
    tag = request.module.__name__.rsplit(".", 1)[-1].removeprefix("test_").replace("_", "-")
    ws = new_sandbox(tmp_path_factory, f"{tag[:14]}{next(_module_count)}")
    ws.cli("shared", "up")
    yield ws
    remove_workspaces(engine, lambda name: name == ws.name)


def new_sandbox(
    tmp_path_factory: pytest.TempPathFactory, tag: str, base: int | None = None,
    edit: Callable[[dict[str, Any]], None] | None = None,
) -> Sandbox:
    """What make_workspace makes, for a fixture of another scope (which removes it itself)."""
    name = f"{RUN_ID}-{tag}"[:30]
    root = tmp_path_factory.mktemp(tag)
    make_repo(root / "front", "front_server.py", "front", {"feat/ui": "front feat/ui"})
    make_repo(root / "api", "api_server.py", "api", {"feat/endpoint": "api feat/endpoint"})
    config = reference_config(name, base if base is not None else _free_base())
    if edit:
        edit(config)
    ws = Sandbox(root=root, name=name, env=dict(STANDIN_IMAGES))
    ws.write_config(config)
    return ws


_BASES = range(10000, 32000, 200)  # below the kernel's ephemeral range, away from 3000-4099
# Parallel workers (pytest-xdist) take every n-th base, so two workers never share a port range.
_WORKER = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
_WORKERS = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
_module_count = itertools.count()  # a module whose tests are run twice on one worker gets a new name
_next_base = itertools.count(os.getpid() % max(1, len(_BASES) // _WORKERS))


def _free_base() -> int:
    """Port bases for side-by-side workspaces, from a per-process start, wrapping around (a base
    still busy is no error: wtdock probes and moves on)."""
    mine = _BASES[_WORKER::_WORKERS]
    return mine[next(_next_base) % len(mine)]


@pytest.fixture
def reference_workspace(make_workspace: Callable[..., Sandbox]) -> Sandbox:
    """The reference workspace on the documented ports, unless WTDOCK_TEST_REFERENCE_BASE moves them."""
    return make_workspace("ref", base=REFERENCE_BASE)


@pytest.fixture
def hijack_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """A shell whose Compose variables would hijack a project that forgot `-p`."""
    monkeypatch.setenv("COMPOSE_PROJECT_NAME", "hijacked")


__all__ = ["Path"]
