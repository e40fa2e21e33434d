"""wtdock's own folders are 0700 and its files 0600, whatever the umask (issue 14, security defaults):
compose files hold the Postgres password, dumps every row of a database."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from wtdock.files import private_dir
from wtdock.locks import locked, rw_locked

pytestmark = pytest.mark.reliability


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def _open_umask() -> Iterator[None]:
    """The most open umask a user may have: nothing masked."""
    before = os.umask(0)
    yield
    os.umask(before)


def test_every_missing_folder_is_made_0700_and_existing_ones_are_left(tmp_path: Path) -> None:
    (tmp_path / "ws").mkdir(mode=0o755)
    assert private_dir(tmp_path / "ws" / ".wtdock" / "tickets" / "t1") == tmp_path / "ws" / ".wtdock" / "tickets" / "t1"
    assert mode(tmp_path / "ws") == 0o755
    for folder in (".wtdock", ".wtdock/tickets", ".wtdock/tickets/t1"):
        assert mode(tmp_path / "ws" / folder) == 0o700, folder
    private_dir(tmp_path / "ws" / ".wtdock")  # there already: no error


@pytest.mark.parametrize("lock", [lambda p: locked(p, timeout=1), lambda p: rw_locked(p, exclusive=False, timeout=1)])
def test_lock_files_and_their_folder_are_private(tmp_path: Path, lock: object) -> None:
    path = tmp_path / ".wtdock" / "locks" / "state.lock"
    with lock(path):  # type: ignore[operator]
        pass
    assert (mode(path.parent), mode(path)) == (0o700, 0o600)
