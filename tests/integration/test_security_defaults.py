"""Security defaults on a running workspace (issue 14, reliability suite): every published port on
the bind address (127.0.0.1 by default), wtdock's files 0600 in 0700 folders, and the Postgres
password in no process's argv while a ticket with its own API (a database clone) comes up and goes
down. One workspace for the module: it is the slow part."""

from __future__ import annotations

import contextlib
import os
import socket
import stat
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import docker
import pytest

from tests.integration.conftest import LABEL, new_sandbox, remove_workspaces
from tests.integration.helpers import Sandbox, run_wtdock

pytestmark = pytest.mark.reliability


@dataclass
class ArgvSampler:
    """Every distinct command line seen in /proc while it runs: the host's processes and, as the
    host sees them, every container's (a `docker exec` of psql included)."""

    seen: set[bytes] = field(default_factory=set)
    passes: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)

    def _run(self) -> None:
        while not self._stop.is_set():
            for proc in Path("/proc").iterdir():
                if proc.name.isdigit():
                    with contextlib.suppress(OSError):  # gone meanwhile
                        self.seen.add((proc / "cmdline").read_bytes())
            self.passes += 1
            time.sleep(0.002)  # the machine has other work; a short-lived psql still lasts longer

    def __enter__(self) -> ArgvSampler:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def lines_with(self, *words: bytes) -> list[bytes]:
        return [line for line in self.seen if all(w in line for w in words)]


@dataclass(frozen=True)
class Stack:
    ws: Sandbox
    sampled: ArgvSampler
    ports: dict[str, list[tuple[str, str]]]  # by container, while the ticket ran
    modes: dict[Path, int]  # of everything in .wtdock (worktrees aside), while it ran and after its down
    dump: Path


def wtdock(ws: Sandbox, *args: str) -> str:
    """The real entry point, in its own process (its own argv in /proc too): what it printed."""
    done = run_wtdock("-w", str(ws.root), *args, env=ws.env, timeout=300)
    assert done.returncode == 0, f"{args}: exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


def modes_in(state: Path) -> dict[Path, int]:
    """The mode of every folder and file wtdock keeps, but the worktrees (the user's checkouts: git's
    modes, not wtdock's)."""
    found = {}
    for folder, dirs, files in os.walk(state):
        if Path(folder) == state / "worktrees":
            dirs.clear()
            continue
        for path in (Path(folder), *(Path(folder, f) for f in files)):
            found[path] = stat.S_IMODE(path.stat().st_mode)
    return found


def published(container: docker.models.containers.Container) -> list[tuple[str, str]]:
    """(host address, host port) of each published port, as the engine bound it."""
    ports = container.attrs["NetworkSettings"]["Ports"] or {}
    return [(b["HostIp"], b["HostPort"]) for bindings in ports.values() for b in bindings or []]


@pytest.fixture(scope="module")
def stack(engine: docker.DockerClient, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    ws = new_sandbox(tmp_path_factory, "sec")
    try:
        with ArgvSampler() as sampled:
            wtdock(ws, "up", "own", "--from", "api=feat/endpoint")
            containers = engine.containers.list(filters={"label": f"{LABEL}={ws.name}"})
            ports = {c.name: published(c) for c in containers}
            modes = modes_in(ws.root / ".wtdock")
            # Cut in half, as a full disk or an editor could leave it: `down` writes it again.
            file = ws.root / ".wtdock" / "tickets" / "own" / "compose.yaml"
            file.write_bytes(file.read_bytes()[: file.stat().st_size // 2])
            down = wtdock(ws, "down", "own", "--drop-data")
        assert f"{file}:" in down and "written again from the registry" in down, down
        assert engine.containers.list(all=True, filters={"label": f"com.docker.compose.project={ws.name}-own"}) == []
        dump = Path(down.split("(dump: ")[1].split(")")[0])
        yield Stack(ws, sampled, ports, modes | modes_in(ws.root / ".wtdock"), dump)
    finally:
        remove_workspaces(engine, lambda name: name == ws.name)


def test_the_postgres_password_is_in_no_process_argv(stack: Stack) -> None:
    password = (stack.ws.root / ".wtdock" / "secrets" / "postgres-password").read_text().strip().encode()
    assert len(password) >= 16
    sampled = stack.sampled
    # The sampler saw the work: Compose bringing the ticket up, under this workspace's name.
    assert sampled.lines_with(b"compose", f"{stack.ws.name}-own".encode(), b"up"), sorted(sampled.seen)[:50]
    leaked = [line.replace(b"\0", b" ").decode(errors="replace") for line in sampled.seen if password in line]
    assert leaked == []


def test_every_published_port_is_on_the_loopback_address(stack: Stack) -> None:
    by_name = stack.ports
    name = stack.ws.name
    expected = {f"{name}-shared-{s}-1" for s in ("postgres", "redis", "nats", "api")}
    expected |= {f"{name}-own-front-1", f"{name}-own-api-1"}
    assert expected <= {n for n, ports in by_name.items() if ports}, by_name
    assert {host for ports in by_name.values() for host, _ in ports} == {"127.0.0.1"}, by_name
    # What a neighbour on the network would try: the host's own address, not loopback (on the
    # ports still published: the shared project's).
    outside = _outside_address()
    if outside is None:
        return
    for container, ports in by_name.items():
        if f"{name}-own-" in container:
            continue
        for host, port in ports:
            assert _answers(host, int(port)), f"{host}:{port} does not answer at all"
            assert not _answers(outside, int(port)), f"{outside}:{port} answers"


def _answers(host: str, port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(2)
        return probe.connect_ex((host, port)) == 0


def _outside_address() -> str | None:
    """An IPv4 address of this host that is not loopback (the route a neighbour would take)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        try:
            udp.connect(("192.0.2.1", 9))  # TEST-NET-1: nothing is sent, it picks the outgoing address
        except OSError:
            return None
        address = udp.getsockname()[0]
    return None if address.startswith("127.") else str(address)


def test_wtdocks_files_are_0600_in_0700_folders(stack: Stack) -> None:
    found = {str(path): oct(mode) for path, mode in stack.modes.items()}
    assert found == {str(path): oct(0o700 if path.is_dir() else 0o600) for path in stack.modes}
    # What must be among them: the password, the registry, the compose files, locks and the dump.
    state = stack.ws.root / ".wtdock"
    for path in (state / "secrets" / "postgres-password", state / "state.json", state / "shared" / "compose.yaml",
                 state / "tickets" / "own" / "compose.yaml", stack.dump):
        assert path in stack.modes, path
    assert stack.dump.is_relative_to(state)
    assert any(p.suffix == ".lock" for p in stack.modes)
