"""Work that waits on the engine, run in a thread while the caller's own work (git) goes on."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator


@contextlib.contextmanager
def alongside(*actions: Callable[[], None]) -> Iterator[None]:
    """Run each action in its own thread while the body runs; leave only when all have ended
    (also when the body fails or is interrupted: an undo must not start while one still makes
    something). The body's error wins; else the first action's error is raised."""
    errors: list[BaseException] = []

    def run(action: Callable[[], None]) -> None:
        try:
            action()
        except BaseException as err:  # noqa: BLE001 - handed to the caller's thread below
            errors.append(err)

    threads = [threading.Thread(target=run, args=(a,), name="wtdock-alongside", daemon=True) for a in actions]
    for thread in threads:
        thread.start()
    try:
        yield
    finally:
        for thread in threads:
            thread.join()
    if errors:
        raise errors[0]
