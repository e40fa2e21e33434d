"""Test sessions and `wtdock test`'s arguments: no engine, no git."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest
import typer

from wtdock.cli.tickets import _test_arguments
from wtdock.ops.test_sessions import TestSession
from wtdock.ops.test_stacks import stack_name


def test_a_session_is_one_label_value_and_back() -> None:
    session = TestSession.new()
    assert TestSession.parse(session.tag) == session
    assert session.pid == os.getpid()
    assert session.alive()
    for bad in ("", "xyz.1.host", "0123456789.1.h", "01234567.-1.h", "01234567.12"):
        assert TestSession.parse(bad) is None


def test_a_session_whose_process_is_gone_is_dead_and_another_hosts_is_left_alone() -> None:
    never = int(Path("/proc/sys/kernel/pid_max").read_text())  # pids stay below it
    assert not TestSession("0123abcd", never, socket.gethostname()).alive()
    assert TestSession("0123abcd", never, "another-host").alive()


def test_stack_names() -> None:
    session = TestSession("0123abcd", 1, "h")
    assert stack_name(session) == "test-0123abcd"
    assert stack_name(session, "9f2e") == "test-0123abcd-9f2e"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--", "pytest", "-x"], (None, ["pytest", "-x"], False, None)),
        (["feat-02", "--", "env"], ("feat-02", ["env"], False, None)),
        (["feat-02", "--isolated", "--in", "api", "--", "npm", "test"], ("feat-02", ["npm", "test"], True, "api")),
        (["feat-02", "--in=api", "--", "sh", "-c", "exit 3"], ("feat-02", ["sh", "-c", "exit 3"], False, "api")),
        (["pytest", "-x"], (None, ["pytest", "-x"], False, None)),
        (["--", "cmd", "--isolated"], (None, ["cmd", "--isolated"], False, None)),
    ],
)
def test_test_arguments(args: list[str], expected: tuple[object, ...]) -> None:
    assert _test_arguments(args, False, None) == expected


@pytest.mark.parametrize(
    "args", [["a", "b", "--", "x"], ["feat-02", "--in", "--", "x"], ["feat-02", "--bogus", "--", "x"]]
)
def test_bad_test_arguments(args: list[str]) -> None:
    with pytest.raises(typer.BadParameter):
        _test_arguments(args, False, None)
