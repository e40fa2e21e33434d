"""wtdock's pytest plugin (entry point ``pytest11``): the ticket the tests run in, throwaway test
stacks, a database per test worker or per test, and containers on a ticket's network.

Loaded into every pytest run of an environment that has wtdock installed, so it imports nothing
heavy until a fixture is used. Everything a session makes is torn down by the process that owns the
session (the xdist controller, or pytest itself), after every fixture's own teardown: also when a
test fails, on Ctrl-C and on SIGTERM. A killed session's leftovers are found by `wtdock gc`.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

import pytest

from wtdock.ops.test_sessions import TestSession

if TYPE_CHECKING:
    from testcontainers.core.container import DockerContainer

    from wtdock.errors import WtdockError
    from wtdock.ops.context import Context
    from wtdock.ops.test_databases import TestDatabase
    from wtdock.registry import TicketRecord
    from wtdock.testing.info import TicketInfo

SESSION_KEY = "wtdock_session"  # in xdist's workerinput: the controller's session, shared by every worker
TICKET_ENV = "WTDOCK_TICKET"  # set by `wtdock test` (and `wtdock env --dotenv`): the ticket to test


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("wtdock", "wtdock: tests against a ticket's running stack")
    group.addoption("--wtdock-required", action="store_true",
                    help="fail, rather than skip, tests that use wtdock_ticket outside a ticket's worktree")
    group.addoption("--wtdock-keep", action="store_true",
                    help="keep the session's test stacks for debugging (prints how to remove them)")
    group.addoption("--wtdock-workspace", metavar="DIR",
                    help="the workspace folder (default: WTDOCK_WORKSPACE, else found from the current folder)")


def pytest_configure(config: pytest.Config) -> None:
    workerinput: dict[str, Any] | None = getattr(config, "workerinput", None)
    tag = (workerinput or {}).get(SESSION_KEY)
    session = (TestSession.parse(tag) if tag else None) or TestSession.new()
    config.stash[_KEY] = _Plugin(config, session, owner=workerinput is None)
    if workerinput is None and _main_thread() and signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        # SIGTERM (a CI runner's cancel, `kill`) ends the session like Ctrl-C does: with its teardown.
        signal.signal(signal.SIGTERM, _sigterm)


def _sigterm(signum: int, frame: FrameType | None) -> None:  # noqa: ARG001 - a signal handler's signature
    raise KeyboardInterrupt


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:  # pytest-xdist's hook, when it is installed
    node.workerinput[SESSION_KEY] = node.config.stash[_KEY].session.tag


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    plugin = session.config.stash.get(_KEY, None)
    if plugin is not None and plugin.owner:
        plugin.teardown()


@pytest.fixture(scope="session")
def wtdock_ticket(request: pytest.FixtureRequest) -> TicketInfo:
    """The ticket whose worktree the tests run in: URLs, container URLs, connection settings."""
    return _plugin(request).ticket()


@pytest.fixture(scope="session")
def wtdock_stack(request: pytest.FixtureRequest) -> Callable[..., TicketInfo]:
    """wtdock_stack(refs=None, ticket=None) -> a throwaway ticket for the session, brought up on
    first use and torn down at its end. By default it runs the checkouts of the ticket the tests run
    in as they are on disk; ``refs={"api": "main"}``: detached worktrees of its own at those refs;
    ``ticket``: take the checkouts of that ticket."""
    plugin = _plugin(request)

    def make(refs: Mapping[str, str] | None = None, ticket: str | None = None) -> TicketInfo:
        return plugin.stack(dict(refs or {}), ticket)

    return make


@pytest.fixture(scope="session")
def wtdock_database(request: pytest.FixtureRequest) -> Iterator[TestDatabase]:
    """A fresh database for this test worker (each pytest-xdist worker has its own), cloned from
    the ticket's database, or the template when the tests run in no ticket; dropped afterwards."""
    plugin = _plugin(request)
    database = plugin.database(_worker())
    yield database
    plugin.drop_database(database.name)


@pytest.fixture
def wtdock_fresh_database(request: pytest.FixtureRequest) -> Iterator[TestDatabase]:
    """A fresh database for this one test (a clone takes a fraction of a second), dropped after it."""
    plugin = _plugin(request)
    database = plugin.database(f"{_worker()}_{plugin.next_number()}")
    yield database
    plugin.drop_database(database.name)


@pytest.fixture(scope="session")
def wtdock_container(request: pytest.FixtureRequest) -> Callable[..., DockerContainer]:
    """wtdock_container(ticket, image, name=None) -> a testcontainers DockerContainer (not started)
    on the ticket's network, labelled as this session's, removed at the session's end."""
    plugin = _plugin(request)

    def make(ticket: TicketInfo, image: str, name: str | None = None) -> DockerContainer:
        return plugin.container(ticket, image, name)

    return make


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def _plugin(request: pytest.FixtureRequest) -> _Plugin:
    return request.config.stash[_KEY]


class _Plugin:
    """The session's wtdock side: what it made, and its teardown."""

    def __init__(self, config: pytest.Config, session: TestSession, *, owner: bool) -> None:
        self.config = config
        self.session = session
        self.owner = owner  # tears down the session: the xdist controller, or pytest alone
        self._ctx: Context | None = None
        self._stacks: dict[tuple[tuple[tuple[str, str], ...], str | None], TicketInfo] = {}
        self._numbers = iter(range(1, 1_000_000))
        self._folder = Path(config.invocation_params.dir)

    def next_number(self) -> int:
        return next(self._numbers)

    def context(self) -> Context:
        with _reported():
            return self._load()

    def _load(self) -> Context:
        if self._ctx is None:
            from wtdock.ops.context import Context
            from wtdock.workspace import Workspace

            explicit = self.config.getoption("wtdock_workspace") or None
            self._ctx = Context(Workspace.load(self._folder, explicit=explicit), say=_say)
        return self._ctx

    def ticket(self) -> TicketInfo:
        from wtdock.errors import ConfigError, NotFoundError
        from wtdock.ops.status import ticket_info, view

        try:
            ctx = self._load()
            record = self._record(ctx)
        except (ConfigError, NotFoundError) as err:
            reason = f"wtdock: not in a ticket: {err.message}"
            if self.config.getoption("wtdock_required"):
                pytest.fail(reason + " (--wtdock-required)", pytrace=False)
            pytest.skip(reason)
        with _reported():
            return ticket_info(ctx, view(ctx, record.name))

    def _record(self, ctx: Context) -> TicketRecord:
        """The ticket `wtdock test` runs the tests against (``WTDOCK_TICKET``: maybe a test stack),
        else the one whose worktree holds the folder pytest runs in."""
        from wtdock.ops.records import find_record
        from wtdock.ops.status import ticket_here

        named = os.environ.get(TICKET_ENV)
        return find_record(ctx, named) if named else ticket_here(ctx, self._folder)

    def stack(self, refs: dict[str, str], parent: str | None) -> TicketInfo:
        from wtdock.ops.status import ticket_info
        from wtdock.ops.test_stacks import stack_up

        key = (tuple(sorted(refs.items())), parent)
        if key in self._stacks:
            return self._stacks[key]
        ctx = self.context()
        # The same name in every worker: the first `up` makes it, the others find it running.
        name = _key_name(key)
        self._note(ctx)
        with _reported(), _interrupt_after("the test stack's `up`"):
            made = stack_up(ctx, self.session, cwd=self._folder, parent=parent, refs=refs, key=name)
        info = ticket_info(ctx, made.up.ticket)
        self._stacks[key] = info
        return info

    def database(self, label: str) -> TestDatabase:
        from wtdock.errors import NotFoundError
        from wtdock.ops import test_databases

        ctx = self.context()
        self._note(ctx)
        record = None
        with contextlib.suppress(NotFoundError):
            record = self._record(ctx)
        with _reported():
            source = test_databases.source_database(ctx, record, self.session, _worker())
            return test_databases.create_test_database(ctx, source, self.session, label)

    def drop_database(self, name: str) -> None:
        from wtdock.ops import test_databases

        with _reported(), _shielded():
            test_databases.drop_test_database(self.context(), name)

    def container(self, ticket: TicketInfo, image: str, name: str | None) -> DockerContainer:
        from wtdock.testing.containers import ticket_container

        self._note(self.context())
        with _reported():
            return ticket_container(ticket, image, self.session, name=name)

    def _note(self, ctx: Context) -> None:
        """Tell the process that tears down (another one, under xdist) which workspace to clean."""
        folder = _session_folder(self.session)
        folder.mkdir(mode=0o700, exist_ok=True)
        (folder / f"{os.getpid()}.json").write_text(json.dumps({"config": str(ctx.ws.config_file)}))

    def teardown(self) -> None:
        """Everything the session made, in every worker: stacks, databases, containers."""
        folder = _session_folder(self.session)
        if not folder.is_dir():
            return
        configs = {json.loads(f.read_text())["config"] for f in folder.glob("*.json")}
        problems = []
        with _shielded():
            for config in sorted(configs):
                problems += _teardown_workspace(Path(config), self.session, keep=self.config.getoption("wtdock_keep"))
        if problems:
            # Kept for `wtdock gc` (or a second try): the folder says the session made something.
            for line in problems:
                _say(line)
            return
        for note in folder.glob("*.json"):
            note.unlink()
        folder.rmdir()


def _teardown_workspace(config_file: Path, session: TestSession, *, keep: bool) -> list[str]:
    from wtdock.errors import WtdockError
    from wtdock.ops import test_databases
    from wtdock.ops.context import Context
    from wtdock.ops.test_stacks import keep_stack, session_stacks, stack_down
    from wtdock.testing.containers import remove_test_containers
    from wtdock.workspace import Workspace

    problems: list[str] = []

    @contextlib.contextmanager
    def step() -> Iterator[None]:
        # One failure (say the shared Postgres is stopped) must not keep the rest from going.
        try:
            yield
        except WtdockError as err:
            problems.append(f"test session teardown: {_line(err)}")

    with step():
        ctx = Context(Workspace.load(config_file.parent, explicit=str(config_file)), say=_say)
    if problems:
        return problems
    with step():
        remove_test_containers(ctx.ws.name, session)
    for record in session_stacks(ctx, session):
        with step():
            if keep:
                keep_stack(ctx, record.name)
                _say(f"kept test stack {record.name} (--wtdock-keep); `wtdock -w {ctx.ws.root} down {record.name}` "
                     "removes it and its database")
            else:
                stack_down(ctx, record.name)
    with step():
        test_databases.drop_session_databases(ctx, session)
    return problems


def _key_name(key: tuple[tuple[tuple[str, str], ...], str | None]) -> str:
    """'' for the session's default stack; a short stable hash for one with refs or another ticket."""
    if key == ((), None):
        return ""
    import hashlib

    return hashlib.sha256(repr(key).encode()).hexdigest()[:4]


def _session_folder(session: TestSession) -> Path:
    return Path(tempfile.gettempdir()) / f"wtdock-test-{session.id}"


def _say(line: str) -> None:
    print(f"wtdock: {line}", file=sys.stderr, flush=True)


def _line(err: WtdockError) -> str:
    return err.message + (f" (hint: {err.hint})" if err.hint else "")


@contextlib.contextmanager
def _reported() -> Iterator[None]:
    """A wtdock error fails the test with its one line and hint, not a traceback."""
    from wtdock.errors import WtdockError

    try:
        yield
    except WtdockError as err:
        pytest.fail(f"wtdock: {_line(err)}", pytrace=False)


def _main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


@contextlib.contextmanager
def _interrupt_after(what: str) -> Iterator[None]:
    """Ctrl-C is held until ``what`` is done (then raised), so that what it made is recorded and torn
    down; a second Ctrl-C interrupts at once."""
    if not _main_thread():
        yield
        return
    pending: list[int] = []

    def hold(signum: int, frame: FrameType | None) -> None:  # noqa: ARG001
        if pending:
            raise KeyboardInterrupt
        pending.append(signum)
        _say(f"interrupted: stopping once {what} is done (Ctrl-C again stops it now)")

    before = signal.signal(signal.SIGINT, hold)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, before)
    if pending:
        raise KeyboardInterrupt


@contextlib.contextmanager
def _shielded() -> Iterator[None]:
    """Teardown runs to its end: Ctrl-C and SIGTERM are noted and ignored meanwhile."""
    if not _main_thread():
        yield
        return

    def note(signum: int, frame: FrameType | None) -> None:  # noqa: ARG001
        _say("tearing down the test session; it finishes first")

    before = {sig: signal.signal(sig, note) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in before.items():
            signal.signal(sig, handler)


_KEY = pytest.StashKey[_Plugin]()
