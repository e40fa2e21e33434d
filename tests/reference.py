"""The reference workspace both suites use: a front-end run by every ticket, an API shared unless a
ticket branches it (the README's example). It is `wtdock demo`'s workspace on the stand-in images."""

from __future__ import annotations

import os
from typing import Any

from wtdock.demo.config import HEALTH, STANDINS, Ports, demo_config

RUNTIME_IMAGE = STANDINS.front
# The documented ports (shared API on 3000, front 3001-, api 4001-); a second test session on the same
# engine (another checkout) moves them with WTDOCK_TEST_REFERENCE_BASE, and each parallel worker
# (pytest-xdist) takes the next hundred.
REFERENCE_BASE = int(os.environ.get("WTDOCK_TEST_REFERENCE_BASE", "3000")) + 100 * int(
    os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0
)

__all__ = ["HEALTH", "REFERENCE_BASE", "RUNTIME_IMAGE", "reference_config"]


def reference_config(name: str = "demo", base: int = 3000) -> dict[str, Any]:
    """The reference workspace: a front-end always per ticket, an API shared unless branched.
    ``base`` shifts every port so tests can run side by side (3000 gives the documented ports)."""
    config = demo_config(name, Ports.at(base), STANDINS)
    # The suites pick the shared images with WTDOCK_IMAGE_* (and test what wtdock.yaml leaves out).
    del config["images"]
    return config
