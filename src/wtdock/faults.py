"""Crash points for the reliability tests: a named place where a test kills wtdock the way SIGKILL
does (no `finally`, no undo), to prove that the next command resumes or cleans up."""

from __future__ import annotations

import os
import signal

_AT = os.environ.get("WTDOCK_CRASH_AT")


def crash_point(name: str) -> None:
    """SIGKILL this process when ``WTDOCK_CRASH_AT`` is ``name`` (read once, at import: one
    comparison otherwise)."""
    if _AT is not None and name == _AT:
        os.kill(os.getpid(), signal.SIGKILL)
