"""Each ticket's Redis database number: emptied when it is given out and when it is released, so
no ticket ever sees another's keys."""

from __future__ import annotations

import time

from wtdock import engine
from wtdock.errors import EngineError
from wtdock.ops.context import Context
from wtdock.ops.postgres import running_shared


def clean_redis(ctx: Context, number: int | None) -> bool:
    """Empty a ticket's Redis database; False when the shared Redis is not running. A number is
    emptied both when it is given out and when it is released, so no ticket sees another's keys."""
    if number is None or number == 0:
        return True
    container = running_shared(ctx, "redis")
    if container is None:
        return False
    for attempt in range(3):
        result = engine.exec_capture(container, ["redis-cli", "-n", str(number), "FLUSHDB"])
        if result.code == 0 and result.stdout.strip() == "OK":
            return True
        # Seen on a loaded engine right after the shared project started: an exec that answers
        # nothing. FLUSHDB is idempotent, so asking again is safe.
        time.sleep(0.5 * (attempt + 1))
    raise EngineError(f"redis-cli FLUSHDB on database {number} failed: {(result.stderr or result.stdout).strip()}")


def release_redis(ctx: Context, number: int | None) -> str | None:
    """Empty a ticket's Redis database as it is released."""
    if number is None or number == 0:
        return None
    if clean_redis(ctx, number):
        return f"Redis database {number} (emptied for the next ticket)"
    return f"Redis database {number} (the shared Redis is not running: it is emptied when next given out)"


