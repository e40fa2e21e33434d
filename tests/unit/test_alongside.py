"""ops.alongside: actions run while the body runs, and the block ends only once they have."""

from __future__ import annotations

import threading
import time

import pytest

from wtdock.ops.alongside import alongside


def test_actions_run_during_the_body_and_end_before_it_returns() -> None:
    started, done = threading.Event(), []

    def action() -> None:
        started.set()
        time.sleep(0.05)
        done.append("action")

    with alongside(action):
        assert started.wait(5)
        done.append("body")
    assert sorted(done) == ["action", "body"]


def test_an_action_error_is_raised_after_the_body() -> None:
    def fail() -> None:
        raise ValueError("clone failed")

    body = []
    with pytest.raises(ValueError, match="clone failed"), alongside(fail):
        body.append("ran")
    assert body == ["ran"]


def test_the_body_error_wins_and_waits_for_the_actions() -> None:
    finished = []

    def slow() -> None:
        time.sleep(0.05)
        finished.append(True)

    with pytest.raises(KeyError), alongside(slow):
        raise KeyError("git failed")
    assert finished == [True]  # no undo may start while an action still makes something
