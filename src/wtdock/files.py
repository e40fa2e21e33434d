"""Files wtdock writes: whole or not at all, private by default."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def private_dir(path: Path) -> Path:
    """``path``, with every missing folder up to it made 0700: what wtdock keeps there (compose
    files holding the Postgres password, dumps, the registry) is the user's alone. Folders that
    exist are left as they are."""
    missing = []
    for folder in (path, *path.parents):
        if folder.is_dir():
            break
        missing.append(folder)
    for folder in reversed(missing):
        with contextlib.suppress(FileExistsError):  # another wtdock command made it meanwhile
            folder.mkdir(mode=0o700)
    return path


def write_atomic(path: Path, text: str, mode: int = 0o600) -> None:
    """Write to a temp file in the same folder, fsync, rename over ``path``."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        Path(tmp).chmod(mode)
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    # The rename itself lives in the folder: without this, a power cut could still lose it.
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)
