"""The generated Postgres password: made once, kept with mode 0600, printed only when asked."""

from __future__ import annotations

import secrets

from wtdock import engine
from wtdock.errors import RefusedError
from wtdock.files import write_atomic
from wtdock.ops.context import Context


def postgres_password(ctx: Context) -> str:
    path = ctx.ensure_state_dir() / "secrets" / "postgres-password"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    path.parent.mkdir(mode=0o700, exist_ok=True)
    with ctx.lock("secrets"):
        if not path.exists():
            _check_no_data_without_password(ctx)
            # Hex only: it goes into URLs, where other characters would need escaping.
            write_atomic(path, secrets.token_hex(16) + "\n", mode=0o600)
    return path.read_text(encoding="utf-8").strip()


def _check_no_data_without_password(ctx: Context) -> None:
    """Postgres sets its password only when it first makes its data: a new password over old data
    would start healthy and refuse every login."""
    volume = f"{ctx.ws.shared_project}_postgres-data"
    if engine.volume_exists(volume):
        raise RefusedError(
            f"the password of the shared Postgres data in volume {volume} is gone ({ctx.ws.state_dir}/secrets)",
            hint=f"restore that file, or delete the data: `docker volume rm {volume}` (every ticket's database)",
        )
