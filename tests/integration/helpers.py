"""A test workspace: two tiny repos (front, api) served by the stand-in runtime, and ways to drive
wtdock on it the way a user does."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from typer.testing import CliRunner, Result

from wtdock.cli.app import app

STANDIN_IMAGES = {
    "WTDOCK_IMAGE_POSTGRES": "wtdock-standin/postgres:16",
    "WTDOCK_IMAGE_REDIS": "wtdock-standin/redis:7",
    "WTDOCK_IMAGE_NATS": "wtdock-standin/nats:2.10",
}


COMMAND_GROUPS = ("shared", "db", "rescue")  # their commands are two words: `shared status`


def check_schema(found: dict[str, Any]) -> None:
    """Every `--json` output the tests read is checked against its command's schema, when there is one."""
    from wtdock.schemas import validate

    validate(found)


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


def run_wtdock(
    *args: str, env: dict[str, str], cwd: Path | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """`wtdock ARGS` in its own process, to the end: for what must not run in-process (no engine,
    a different folder, output written by child processes)."""
    return subprocess.run(
        [sys.executable, "-m", "wtdock", *args],
        cwd=cwd,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@dataclass
class Sandbox:
    root: Path
    name: str
    env: dict[str, str] = field(default_factory=dict)

    @property
    def config_file(self) -> Path:
        return self.root / "wtdock.yaml"

    def write_config(self, config: dict[str, Any]) -> None:
        yaml = YAML()
        with self.config_file.open("w") as handle:
            yaml.dump(config, handle)

    def cli(self, *args: str, code: int | None = 0) -> Result:
        """Run wtdock in-process, as `wtdock -w ROOT ARGS`; check the exit code unless None."""
        result = CliRunner().invoke(app, ["-w", str(self.root), *args], env=self.env)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        if code is not None:
            assert result.exit_code == code, f"exit {result.exit_code}\n{result.stdout}\n{result.stderr}"
        return result

    def envelope(self, *args: str, code: int | None = 0) -> dict[str, Any]:
        """`wtdock ARGS --json`, parsed: the versioned envelope as a program reads it."""
        found = json.loads(self.cli(*args, "--json", code=code).stdout)
        assert found["wtdock"] == 1, found
        words = args[:2] if args[0] in COMMAND_GROUPS else args[:1]
        assert found["command"] == " ".join(words), found
        check_schema(found)
        return dict(found)

    def json(self, *args: str) -> Any:
        """The payload of `wtdock ARGS --json`: its one field (`ps` -> the tickets), or its fields."""
        fields = {k: v for k, v in self.envelope(*args).items() if k not in ("wtdock", "command")}
        return next(iter(fields.values())) if len(fields) == 1 else fields

    def process(self, *args: str) -> subprocess.Popen[str]:
        """wtdock in its own process (for concurrency), started now."""
        command = [sys.executable, "-m", "wtdock", "-w", str(self.root), *args]
        return subprocess.Popen(command, env={**os.environ, **self.env}, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def worktree(self, ticket: str, repo: str) -> Path:
        return self.root / ".wtdock" / "worktrees" / ticket / repo


def http_get(url: str, timeout: float = 20.0) -> str:
    """GET a 127.0.0.1 URL, retrying while the app starts; the body as text."""
    assert url.startswith("http://127.0.0.1:"), url
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback only
                return response.read().decode()
        except urllib.error.HTTPError as err:
            return f"HTTP {err.code}: {err.read().decode()}"
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def http_json(url: str) -> Any:
    return json.loads(http_get(url))


RESOLVE = (
    "import socket, sys; "
    "print(' '.join(sorted({a[4][0] for a in socket.getaddrinfo(sys.argv[1], None, socket.AF_INET)})))"
)


def resolve_in(container: str, name: str) -> set[str]:
    """Every IPv4 address ``name`` resolves to inside a running container (getaddrinfo, as an app
    asks: /etc/hosts first, then the engine's DNS)."""
    done = subprocess.run(["docker", "exec", container, "python3", "-c", RESOLVE, name],
                          capture_output=True, text=True, timeout=60, check=False)
    return set(done.stdout.split()) if done.returncode == 0 else set()


def finish_all(procs: dict[str, subprocess.Popen[str]], timeout: float = 600) -> dict[str, tuple[int, str, str]]:
    """Wait for every process (killing those left when one times out): name -> (code, out, err)."""
    results = {}
    try:
        for name, proc in procs.items():
            out, err = proc.communicate(timeout=timeout)
            results[name] = (proc.returncode, out, err)
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.kill()
    return results


def shared_env(ws: Sandbox) -> dict[str, str]:
    """The shared project's settings as `wtdock shared env` prints them."""
    return dict(line.split("=", 1) for line in ws.cli("shared", "env").stdout.splitlines())


def database_url(ws: Sandbox, database: str = "app") -> str:
    """The shared Postgres's address from the host, for ``database``."""
    return shared_env(ws)["DATABASE_URL"].rsplit("/", 1)[0] + f"/{database}"


def query(url: str, *statements: str) -> list[Any]:
    """Run SQL from the host as a person with psql would (autocommit: CREATE DATABASE cannot run
    in a transaction); the rows of the last statement that returned any."""
    import psycopg2

    conn = psycopg2.connect(url, connect_timeout=5)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            rows: list[Any] = []
            for statement in statements:
                cur.execute(statement)
                if cur.description:
                    rows = cur.fetchall()
            return rows
    finally:
        conn.close()
