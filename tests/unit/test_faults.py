"""The crash points of the reliability suite: SIGKILL at the named one, nothing anywhere else."""

from __future__ import annotations

import os
import signal

import pytest

from wtdock import faults


@pytest.mark.parametrize(("at", "killed"), [(None, []), ("up:b", ["up:b"]), ("up", []), ("", [])])
def test_crash_point_kills_only_at_its_name(monkeypatch: pytest.MonkeyPatch, at: str | None, killed: list[str]) -> None:
    monkeypatch.setattr(faults, "_AT", at)
    signals: list[tuple[int, int]] = []
    monkeypatch.setattr(os, "kill", lambda pid, sig: signals.append((pid, sig)))
    reached = []
    for name in ("up:a", "up:b", "down:c"):
        before = len(signals)
        faults.crash_point(name)
        reached += [name] * (len(signals) - before)
    assert reached == killed
    assert signals == [(os.getpid(), signal.SIGKILL)] * len(killed)
