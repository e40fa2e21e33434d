"""Stopping is quick (issue 11): a dev server under a shell that does not pass SIGTERM on (`npm run
dev` -> sh -> node) used to wait out the grace period, so `down` took 9-10 s a ticket; a
well-behaved app still gets SIGTERM and exits cleanly."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import docker

from tests.integration.helpers import Sandbox

# A shell that traps TERM (so it does not die of it) and waits for its child, which never sees it.
DEAF_SHELL = "trap 'echo shell: TERM deferred' TERM; python3 server.py"
CLEAN_EXIT = (
    "import signal, sys, time\n"
    "def bye(*_):\n"
    "    print('clean shutdown', flush=True)\n"
    "    sys.exit(0)\n"
    "signal.signal(signal.SIGTERM, bye)\n"
    "print('ready', flush=True)\n"
    "while True:\n"
    "    time.sleep(1)\n"
)


def _deaf_front(config: dict[str, Any]) -> None:
    config["services"]["front"]["command"] = ["sh", "-c", DEAF_SHELL]


def test_down_of_a_dev_server_that_does_not_pass_sigterm_on_is_quick(make_workspace: Callable[..., Sandbox]) -> None:
    ws = make_workspace("deaf", edit=_deaf_front)
    ws.cli("up", "t1")
    started = time.monotonic()
    ws.cli("down", "t1")
    took = time.monotonic() - started
    # 0.6 s on an idle 2-core machine (10.7 s before); the bound is below the 5 s grace period that
    # a deaf app waited out, with room for a busy engine shared with other test sessions.
    assert took < 4.0, f"down took {took:.1f} s"


def _clean_front(config: dict[str, Any]) -> None:
    front = config["services"]["front"]
    front["command"] = ["python3", "-c", CLEAN_EXIT]
    del front["healthcheck"]


def test_a_well_behaved_app_still_exits_cleanly_on_sigterm(
    make_workspace: Callable[..., Sandbox], engine: docker.DockerClient
) -> None:
    ws = make_workspace("clean", edit=_clean_front)
    ws.cli("up", "t1")
    started = time.monotonic()
    ws.cli("stop", "t1")
    assert time.monotonic() - started < 4.0
    (container,) = engine.containers.list(all=True, filters={"label": [f"dev.wtdock.workspace={ws.name}",
                                                                        "dev.wtdock.service=front"]})
    assert container.attrs["State"]["ExitCode"] == 0
    assert "clean shutdown" in container.logs().decode()
