"""Remove what earlier test runs left on the engine (runs killed before their fixtures cleaned up):
every container, network and volume of a workspace named like a test run's. scripts/test runs it
once before pytest, so that parallel workers never remove each other's workspaces.

    .venv/bin/python -m tests.integration.stale
"""

from __future__ import annotations

import docker

from tests.integration.conftest import STALE, remove_workspaces


def main() -> None:
    remove_workspaces(docker.from_env(), lambda name: bool(STALE.match(name)))


if __name__ == "__main__":
    main()
