"""`wtdock test`: a command run with a ticket's settings (on the host, or in one of its
containers), or against a throwaway test stack that is torn down afterwards. The command's exit
code is the result."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import FrameType
from typing import TypeVar

from wtdock.config.load import ENV_WORKSPACE
from wtdock.errors import UserError
from wtdock.ops.attach import CommandOutput, exec_captured, exec_in_ticket
from wtdock.ops.context import Context
from wtdock.ops.status import host_env, view
from wtdock.ops.test_sessions import TestSession
from wtdock.ops.test_stacks import session_stacks, stack_down, stack_up
from wtdock.ops.views import TicketView

T = TypeVar("T")


def run_tests(
    ctx: Context, ticket: str | None, argv: Sequence[str], *, cwd: Path, isolated: bool = False,
    service: str | None = None,
) -> int:
    """Run ``argv`` against ``ticket`` (None: the ticket whose worktree holds ``cwd``); with
    ``isolated``, against a test stack of that ticket's checkouts, removed afterwards whatever
    happens (a failing command, Ctrl-C, SIGTERM). Returns the command's exit code."""
    if not argv:
        raise UserError("no command to run", hint="wtdock test [TICKET] -- pytest -x")
    return _against(ctx, ticket, cwd=cwd, isolated=isolated, run=lambda found: _run(ctx, found, argv, service, cwd))


def run_tests_captured(
    ctx: Context, ticket: str, service: str, argv: Sequence[str], *, isolated: bool = False
) -> CommandOutput:
    """`run_tests` with no terminal (`wtdock mcp`): in one of the ticket's own containers (or of its
    test stack's), the output streamed to ``ctx.output`` and its last lines returned."""
    if not argv:
        raise UserError("no command to run", hint="give the command as a list of arguments")
    return _against(ctx, ticket, cwd=ctx.ws.root, isolated=isolated,
                    run=lambda found: exec_captured(ctx, found.name, service, argv))


def _against(ctx: Context, ticket: str | None, *, cwd: Path, isolated: bool, run: Callable[[TicketView], T]) -> T:
    """``run`` on the ticket; with ``isolated``, on a test stack of its checkouts, removed afterwards."""
    if not isolated:
        return run(view(ctx, ticket))
    session = TestSession.new()
    with _sigterm_interrupts():
        try:
            made = stack_up(ctx, session, cwd=cwd, parent=ticket)
            ctx.say(f"test stack {made.up.ticket.name} is up"
                    + (f" (the checkouts of {made.parent})" if made.parent else ""))
            return run(made.up.ticket)
        finally:
            with _shielded():
                for record in session_stacks(ctx, session):
                    stack_down(ctx, record.name)
                    ctx.say(f"test stack {record.name} removed")


def _run(ctx: Context, ticket: TicketView, argv: Sequence[str], service: str | None, cwd: Path) -> int:
    if service is not None:
        return exec_in_ticket(ctx, ticket.name, service, argv)
    # WTDOCK_TICKET (in host_env) and the workspace: the pytest plugin, and any wtdock the command
    # runs, then work on this ticket, also a test stack that no folder leads to.
    env = {**os.environ, **host_env(ctx, ticket), ENV_WORKSPACE: str(ctx.ws.config_file)}
    try:
        child = subprocess.Popen(list(argv), cwd=cwd, env=env)
    except FileNotFoundError as err:
        raise UserError(f"{argv[0]}: command not found", hint="check the command after --") from err
    except PermissionError as err:
        raise UserError(f"{argv[0]}: not executable") from err
    with _forward_sigterm(child):
        try:
            return child.wait()
        except KeyboardInterrupt:
            # The terminal sent Ctrl-C to the command too: let it finish its own cleanup.
            child.wait()
            raise


def _main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


@contextlib.contextmanager
def _sigterm_interrupts() -> Iterator[None]:
    """SIGTERM ends the run like Ctrl-C: with the stack's teardown."""
    if not _main_thread():
        yield
        return

    def interrupt(signum: int, frame: FrameType | None) -> None:  # noqa: ARG001 - a handler's signature
        raise KeyboardInterrupt

    before = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, before)


@contextlib.contextmanager
def _forward_sigterm(child: subprocess.Popen[bytes]) -> Iterator[None]:
    """A SIGTERM to wtdock reaches the command (Ctrl-C reaches it from the terminal already)."""
    if not _main_thread():
        yield
        return
    outer = signal.getsignal(signal.SIGTERM)

    def forward(signum: int, frame: FrameType | None) -> None:
        child.send_signal(signal.SIGTERM)
        if callable(outer):
            outer(signum, frame)

    signal.signal(signal.SIGTERM, forward)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, outer)


@contextlib.contextmanager
def _shielded() -> Iterator[None]:
    """The teardown runs to its end: Ctrl-C and SIGTERM are ignored meanwhile."""
    if not _main_thread():
        yield
        return
    before = {sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in before.items():
            signal.signal(sig, handler)
