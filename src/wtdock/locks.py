"""Locks between wtdock commands: file locks (flock), released when the holder's process ends."""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Iterator
from pathlib import Path

from filelock import FileLock, Timeout

from wtdock.errors import StateError, UnavailableError
from wtdock.files import private_dir

LOCK_TIMEOUT = 120.0


def _unusable(path: Path, err: OSError) -> StateError:
    """A lock file wtdock cannot open (a folder in its place, another user's file after a `sudo
    wtdock`): one line naming it, not a traceback."""
    return StateError(f"{path}: cannot open the lock file: {err.strerror}",
                      hint="remove it (no wtdock command may be running), or fix its owner and mode")


@contextlib.contextmanager
def rw_locked(path: Path, *, exclusive: bool, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """A reader/writer lock (flock): many holders share it, an exclusive holder is alone."""
    private_dir(path.parent)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as err:
        raise _unusable(path, err) from err
    try:
        deadline = time.monotonic() + timeout
        mode = fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH
        while True:
            try:
                fcntl.flock(fd, mode | fcntl.LOCK_NB)
                break
            except BlockingIOError as err:
                if time.monotonic() > deadline:
                    raise UnavailableError(f"another wtdock command has held {path} for {timeout:.0f} s") from err
                time.sleep(0.05)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


@contextlib.contextmanager
def locked(path: Path, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    private_dir(path.parent)
    lock = FileLock(path, timeout=timeout, mode=0o600)
    try:
        lock.acquire()
    except Timeout as err:
        raise UnavailableError(
            f"another wtdock command has held {path} for {timeout:.0f} s",
            hint="wait for it to finish; a crashed holder releases the lock when its process ends",
        ) from err
    except OSError as err:
        raise _unusable(path, err) from err
    try:
        yield
    finally:
        lock.release()
