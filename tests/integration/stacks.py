"""Helpers for the test-stack tests: running pytest as a user would, and what a stack left behind."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import docker

from tests.integration.helpers import Sandbox, database_url, query

LABEL_TICKET = "dev.wtdock.ticket"
LABEL_WORKSPACE = "dev.wtdock.workspace"


def user_env(ws: Sandbox, **extra: str) -> dict[str, str]:
    """The environment of a person's shell: none of this suite's own pytest variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "WTDOCK_WORKSPACE"))}
    return {**env, **ws.env, "PYTHONDONTWRITEBYTECODE": "1", **extra}


def pytest_argv(*args: str) -> list[str]:
    """Plain pytest in the same environment wtdock is installed in (its plugin loads by entry point)."""
    return [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *args]


def run_pytest(
    ws: Sandbox, cwd: Path, *args: str, timeout: float = 300, **extra: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(pytest_argv(*args), cwd=cwd, env=user_env(ws, **extra), capture_output=True, text=True,
                          timeout=timeout, check=False)


def sql(ws: Sandbox, statement: str, database: str = "app") -> list[Any]:
    """SQL on the shared Postgres from the host, as a person with psql would."""
    return query(database_url(ws, database), statement)


def leftovers(ws: Sandbox, name: str) -> list[str]:
    """Everything of ticket ``name`` that is still there: containers, volumes, registry entry,
    database, lock, folders."""
    client = docker.from_env()
    labels = [f"{LABEL_WORKSPACE}={ws.name}", f"{LABEL_TICKET}={name}"]
    left = [f"container {c.name}" for c in client.containers.list(all=True, filters={"label": labels})]
    left += [f"volume {v.name}" for v in client.volumes.list(filters={"label": labels})]
    left += [f"registry entry {t['name']}" for t in ws.json("ps") if t["name"] == name]
    database = "app_" + name.replace("-", "_")
    left += [f"database {row[0]}" for row in sql(ws, f"SELECT datname FROM pg_database WHERE datname = '{database}'")]  # noqa: S608
    state = ws.root / ".wtdock"
    for path in (state / "locks" / f"ticket-{name}.lock", state / "tickets" / name, state / "worktrees" / name):
        if path.exists():
            left.append(f"{path.relative_to(ws.root)}")
    return left
