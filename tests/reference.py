"""The reference workspace both suites use: a front-end run by every ticket, an API shared unless a
ticket branches it (the README's example)."""

from __future__ import annotations

import os
from typing import Any

RUNTIME_IMAGE = "wtdock-standin/runtime:1"
# The documented ports (shared API on 3000, front 3001-, api 4001-); a second test session on the same
# engine (another checkout) moves them with WTDOCK_TEST_REFERENCE_BASE, and each parallel worker
# (pytest-xdist) takes the next hundred.
REFERENCE_BASE = int(os.environ.get("WTDOCK_TEST_REFERENCE_BASE", "3000")) + 100 * int(
    os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0
)
HEALTH = ["CMD", "python3", "-c", "import urllib.request as u; u.urlopen('http://127.0.0.1:8000/health')"]


def reference_config(name: str = "demo", base: int = 3000) -> dict[str, Any]:
    """The reference workspace: a front-end always per ticket, an API shared unless branched.
    ``base`` shifts every port so tests can run side by side (3000 gives the documented ports)."""
    return {
        "name": name,
        "repos": {"front": {"path": "front"}, "api": {"path": "api"}},
        "services": {
            "front": {
                "repo": "front",
                "image": RUNTIME_IMAGE,
                "command": ["python3", "server.py"],
                "port": 8000,
                "host_ports": f"{base + 1}-{base + 99}",
                "environment": {"API_URL": "{{ services.api.internal_url }}"},
                "healthcheck": {"test": list(HEALTH)},
            },
            "api": {
                "repo": "api",
                "image": RUNTIME_IMAGE,
                "command": ["python3", "server.py"],
                "port": 8000,
                "host_ports": f"{base + 1001}-{base + 1099}",
                "shared": {"host_port": base},
                "uses": ["postgres", "redis", "events"],
                "healthcheck": {"test": list(HEALTH)},
            },
        },
    }
