"""The workspace registry: tickets, their worktrees, ports and data spaces, in ``.wtdock/state.json``.

Versioned, written to a temp file and renamed (a crash leaves the old or the new file, never half
of one), and changed only under a file lock, so concurrent commands never pick the same port.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from wtdock.errors import StateError
from wtdock.files import private_dir, write_atomic
from wtdock.locks import locked

SCHEMA_VERSION: Final = 1
# wtdock always writes every one of these: a file without them was not written by wtdock (or was
# emptied by hand), and reading it as "no tickets" would hand out what running tickets hold.
STORED_KEYS: Final = ("version", "tickets", "shared", "databases")
CORRUPT_HINT = "`wtdock repair` rebuilds it from the containers, worktrees and databases (it moves this file aside)"


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
    # Whether wtdock wrote the workspace note in the worktree's git dir (an adopted worktree may
    # carry another workspace's, which is never touched).
    marked: bool = True
    # A test stack's: the checkout of the ticket the tests run in (or a primary checkout), mounted
    # as it is on disk. Never wtdock's: not marked, not locked, never removed.
    borrowed: bool = False


class TestRecord(Record):
    """What makes a ticket a throwaway test stack (ops/test_stacks.py)."""

    __test__ = False

    session: str  # TestSession.tag: gc removes the stack once that process is gone
    parent: str | None = None  # the ticket whose worktrees it borrows
    kept: bool = False  # `--wtdock-keep`: left on purpose, for a person to look at; gc leaves it


class TicketRecord(Record):
    name: str
    slug: str
    created_at: str
    repos: dict[str, RepoRecord] = {}
    ports: dict[str, int] = {}
    redis_db: int | None = None
    database: str | None = None
    rendered_hash: str | None = None  # written by wtdock before 0.2; read, never used
    # Per service, the fingerprint of what it was last started with (plan/fingerprint.py).
    rendered: dict[str, dict[str, str]] = {}
    # On the workspace network, by service: kept while the ticket exists, like its ports.
    addresses: dict[str, str] = {}
    # By service, the inputs hash its setup last finished with (ops/prepare.py); absent: to run.
    setup: dict[str, str] = {}
    # `up --own/--shared`, by service: kept, so a later plain `up` runs the same services.
    choices: dict[str, Literal["own", "shared"]] = {}
    test: TestRecord | None = None
    # `up --port-base N` (an orchestrator's block): every host port of the ticket in N..N+9, kept.
    port_base: int | None = None


class DatabaseRecord(Record):
    """A database wtdock created for a ticket. Kept after `down` unless its data is dropped."""

    ticket: str
    created_at: str
    pending: bool = False  # written before the clone: set while it may not exist yet


class SharedRecord(Record):
    ports: dict[str, int] = {}
    rendered_hash: str | None = None  # written by wtdock before 0.2; read, never used
    rendered: dict[str, dict[str, str]] = {}
    addresses: dict[str, str] = {}
    setup: dict[str, str] = {}


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


def parse_state(path: Path, raw: bytes) -> State:
    """A state file's bytes as a State; anything but what wtdock writes is a StateError naming the file."""

    def corrupt(problem: str) -> StateError:
        return StateError(f"{path}: unreadable wtdock state ({problem})", hint=CORRUPT_HINT)

    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as err:
        raise corrupt(f"not UTF-8 text: byte {err.start}") from err
    except ValueError as err:
        raise corrupt(f"Invalid JSON: {err}") from err
    if not isinstance(data, dict):
        raise corrupt("not a JSON object")
    if missing := [key for key in STORED_KEYS if key not in data]:
        raise corrupt(f"missing {', '.join(missing)}")
    try:
        return State.model_validate(data)
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise corrupt(f"{first['msg']}" + (f" at {where}" if where else "")) from err


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class Registry:
    """Reads are lock-free snapshots (renames are atomic); changes go through ``update()``."""

    def __init__(self, path: Path, lock_path: Path) -> None:
        self.path = path
        self.lock_path = lock_path

    def read(self) -> State:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            self._check_not_lost()
            return State()
        except OSError as err:
            raise StateError(f"{self.path}: cannot read: {err.strerror}", hint=CORRUPT_HINT) from err
        return parse_state(self.path, raw)

    def _check_not_lost(self) -> None:
        """No file is a new workspace, unless tickets left their compose files beside it: then
        the file was deleted under them, and an empty state would give their ports, Redis numbers
        and databases away again."""
        tickets = sorted(p.parent.name for p in (self.path.parent / "tickets").glob("*/compose.yaml"))
        if tickets:
            shown = ", ".join(tickets[:5]) + (f" (+{len(tickets) - 5} more)" if len(tickets) > 5 else "")
            raise StateError(f"{self.path} is missing, but tickets still have their files in "
                             f"{self.path.parent / 'tickets'}: {shown}", hint=CORRUPT_HINT)

    @contextlib.contextmanager
    def update(self) -> Iterator[State]:
        """Lock, read, let the caller change the state, write it back. An exception writes nothing."""
        with locked(self.lock_path):
            state = self.read()
            yield state
            self._write(state)

    @contextlib.contextmanager
    def rebuild(self) -> Iterator[tuple[State, Path | None]]:
        """Like ``update()``, for `wtdock repair`: a missing or corrupt file becomes an empty state
        to fill, and a corrupt one is first moved aside (kept, never deleted)."""
        with locked(self.lock_path):
            moved: Path | None = None
            try:
                state = parse_state(self.path, self.path.read_bytes())
            except FileNotFoundError:
                state = State()
            except (StateError, OSError):
                moved = self.path.with_name(f"{self.path.name}.corrupt-{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%SZ}")
                self.path.replace(moved)
                state = State()
            yield state, moved
            self._write(state)

    def _write(self, state: State) -> None:
        private_dir(self.path.parent)
        write_atomic(self.path, state.model_dump_json(indent=2) + "\n")
