"""The workspace registry: tickets, their worktrees, ports and data spaces, in ``.wtdock/state.json``.

Versioned, written to a temp file and renamed (a crash leaves the old or the new file, never half
of one), and changed only under a file lock, so concurrent commands never pick the same port.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Final, Literal

from filelock import FileLock, Timeout
from pydantic import BaseModel, ConfigDict, ValidationError

from wtdock.errors import StateError, UnavailableError

SCHEMA_VERSION: Final = 1
LOCK_TIMEOUT = 120.0


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RepoRecord(Record):
    path: str
    repo_path: str
    git_dir: str
    branch: str | None
    start_point: str | None = None
    # The commit the worktree started at: commits before it were never this ticket's work.
    start_commit: str | None = None
    created_worktree: bool
    created_branch: bool


class TicketRecord(Record):
    name: str
    slug: str
    created_at: str
    repos: dict[str, RepoRecord] = {}
    ports: dict[str, int] = {}
    redis_db: int | None = None
    database: str | None = None
    rendered_hash: str | None = None


class DatabaseRecord(Record):
    """A database wtdock created for a ticket. Kept after `down` unless its data is dropped."""

    ticket: str
    created_at: str
    pending: bool = False  # written before the clone: set while it may not exist yet


class SharedRecord(Record):
    ports: dict[str, int] = {}
    rendered_hash: str | None = None


class State(Record):
    version: Literal[1] = SCHEMA_VERSION
    tickets: dict[str, TicketRecord] = {}
    shared: SharedRecord = SharedRecord()
    databases: dict[str, DatabaseRecord] = {}

    def ticket(self, slug: str) -> TicketRecord | None:
        return self.tickets.get(slug)

    def held_ports(self, *, except_ticket: str | None = None) -> set[int]:
        held = set(self.shared.ports.values())
        for slug, record in self.tickets.items():
            if slug != except_ticket:
                held.update(record.ports.values())
        return held


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class Registry:
    """Reads are lock-free snapshots (renames are atomic); changes go through ``update()``."""

    def __init__(self, path: Path, lock_path: Path) -> None:
        self.path = path
        self.lock_path = lock_path

    def read(self) -> State:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return State()
        except OSError as err:
            raise StateError(f"{self.path}: cannot read: {err.strerror}") from err
        try:
            return State.model_validate_json(text)
        except ValidationError as err:
            raise StateError(
                f"{self.path}: unreadable wtdock state ({err.errors()[0]['msg']})",
                hint="restore it or move it aside; wtdock never resets it by itself",
            ) from None

    @contextlib.contextmanager
    def update(self) -> Iterator[State]:
        """Lock, read, let the caller change the state, write it back. An exception writes nothing."""
        with locked(self.lock_path):
            state = self.read()
            yield state
            self._write(state)

    def _write(self, state: State) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(self.path, state.model_dump_json(indent=2) + "\n")


def write_atomic(path: Path, text: str, mode: int = 0o600) -> None:
    """Write to a temp file in the same folder, fsync, rename over ``path``."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        Path(tmp).chmod(mode)
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    # The rename itself lives in the folder: without this, a power cut could still lose it.
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


@contextlib.contextmanager
def rw_locked(path: Path, *, exclusive: bool, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """A reader/writer lock (flock): many holders share it, an exclusive holder is alone."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        deadline = time.monotonic() + timeout
        mode = fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH
        while True:
            try:
                fcntl.flock(fd, mode | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise UnavailableError(f"another wtdock command has held {path} for {timeout:.0f} s") from None
                time.sleep(0.05)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


@contextlib.contextmanager
def locked(path: Path, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with FileLock(path, timeout=timeout):
            yield
    except Timeout:
        raise UnavailableError(
            f"another wtdock command has held {path} for {timeout:.0f} s",
            hint="wait for it to finish; a crashed holder releases the lock when its process ends",
        ) from None
