"""The generated Postgres password: made once, kept with mode 0600, printed only when asked."""

from __future__ import annotations

import secrets

from wtdock.ops.context import Context
from wtdock.registry import write_atomic


def postgres_password(ctx: Context) -> str:
    path = ctx.ensure_state_dir() / "secrets" / "postgres-password"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    path.parent.mkdir(mode=0o700, exist_ok=True)
    with ctx.lock("secrets"):
        if not path.exists():
            # Hex only: it goes into URLs, where other characters would need escaping.
            write_atomic(path, secrets.token_hex(16) + "\n", mode=0o600)
    return path.read_text(encoding="utf-8").strip()
