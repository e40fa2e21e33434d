"""The generated Postgres password: made once, kept with mode 0600, printed only when asked."""

from __future__ import annotations

import secrets
from pathlib import Path

from wtdock import engine
from wtdock.errors import RefusedError, StateError
from wtdock.files import write_atomic
from wtdock.ops.context import Context

# The shared Postgres keeps the password its data was made with: a lost or emptied file is not a
# reason to make a new one (every login would be refused).
RESTORE_HINT = "restore the file (the shared Postgres keeps the password it was first started with)"


def password_file(ctx: Context) -> Path:
    return ctx.ws.state_dir / "secrets" / "postgres-password"


def postgres_password(ctx: Context) -> str:
    ctx.ensure_state_dir()
    path = password_file(ctx)
    if path.exists():
        return read_password(path)
    path.parent.mkdir(mode=0o700, exist_ok=True)
    with ctx.lock("secrets"):
        if not path.exists():
            _check_no_data_without_password(ctx)
            # Hex only: it goes into URLs, where other characters would need escaping.
            write_atomic(path, secrets.token_hex(16) + "\n", mode=0o600)
    return read_password(path)


def read_password(path: Path) -> str:
    """The password in ``path``; an unreadable, hollow or garbled file is a StateError naming it."""
    try:
        text = path.read_bytes().decode("utf-8").strip()
    except OSError as err:
        raise StateError(f"{path}: cannot read the Postgres password: {err.strerror}", hint=RESTORE_HINT) from err
    except UnicodeDecodeError as err:
        raise StateError(f"{path}: the Postgres password is not UTF-8 text (byte {err.start})",
                         hint=RESTORE_HINT) from err
    if not text:
        raise StateError(f"{path}: the Postgres password file is empty", hint=RESTORE_HINT)
    if any(ch.isspace() or not ch.isprintable() for ch in text):
        raise StateError(f"{path}: the Postgres password holds whitespace or control characters",
                         hint=RESTORE_HINT)
    return text


def _check_no_data_without_password(ctx: Context) -> None:
    """Postgres sets its password only when it first makes its data: a new password over old data
    would start healthy and refuse every login."""
    volume = f"{ctx.ws.shared_project}_postgres-data"
    if engine.volume_exists(volume):
        raise RefusedError(
            f"the password of the shared Postgres data in volume {volume} is gone ({ctx.ws.state_dir}/secrets)",
            hint=f"restore that file, or delete the data: `docker volume rm {volume}` (every ticket's database)",
        )
