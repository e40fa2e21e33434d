"""The files git ignores in a worktree (an `.env`, `config/master.key`): which of them `down` keeps
in the workspace's state folder before the worktree goes, the copy, and the copy back.

Plain file work, no git: git names the ignored paths (`git status --ignored`), this module walks
them. Not kept: what tools rebuild anyway (dependency, cache and build folders), files identical to
the same path in the repo's primary checkout (they were copied from there), and what is over the
size caps; each is named, with its reason.
"""

from __future__ import annotations

import filecmp
import os
import shutil
import stat
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

REBUILT_DIRS = frozenset({
    "node_modules", ".venv", "venv", "__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".tox",
    ".next", "dist", "build", "target", ".cache", "coverage", ".vite",
})
REBUILT_PATHS = (("vendor", "bundle"),)
REBUILT_SUFFIXES = (".pyc",)
MAX_FILE = 10 * 1024 * 1024
MAX_TOTAL = 200 * 1024 * 1024


@dataclass(frozen=True)
class Selection:
    """What to keep of a worktree's ignored files (paths relative to it); the user's files that are
    not kept, each with why (what `down` warns about); and what tools rebuild anyway (no warning)."""

    files: tuple[str, ...]
    left_out: tuple[str, ...]
    size: int
    rebuilt: tuple[str, ...] = ()

    @property
    def not_kept(self) -> tuple[str, ...]:
        """Everything not kept, with why (a rescue's record of it)."""
        return (*self.left_out, *(f"{path} (rebuilt by your tools)" for path in self.rebuilt))


def rebuilt(path: str, folders_of_deps: Collection[str] = ()) -> bool:
    """Whether ``path`` is, or is inside, a folder that tools rebuild (node_modules, .venv, ...), or
    one of ``folders_of_deps`` (a service's ``dependencies``, relative to the worktree)."""
    parts = PurePosixPath(path.rstrip("/")).parts
    if path.endswith(REBUILT_SUFFIXES):
        return True
    folders = parts if path.endswith("/") else parts[:-1]
    if any(part in REBUILT_DIRS for part in folders):
        return True
    deps = [PurePosixPath(d.strip("/")).parts for d in folders_of_deps]
    if any(parts[: len(dep)] == dep for dep in deps if dep):
        return True
    return any(folders[i : i + len(seq)] == seq for seq in REBUILT_PATHS for i in range(len(folders)))


def select(
    worktree: Path, primary: Path, entries: Iterable[str], *, max_file: int = MAX_FILE, max_total: int = MAX_TOTAL,
    dependencies: Collection[str] = (),
) -> Selection:
    """The ignored files to keep, from ``git status --ignored`` entries (a folder ends with "/").
    ``dependencies``: more folders that are rebuilt (the services' dependency folders)."""
    files: list[str] = []
    left_out: list[str] = []
    skipped: list[str] = []
    total = 0
    for rel in _walk(worktree, entries, _Skip(skipped, tuple(dependencies))):
        why = _not_kept(worktree / rel, primary / rel, max_file)
        if why is None and total + _size(worktree / rel) > max_total:
            why = f"over the {_amount(max_total)} in all"
        if why:
            left_out.append(f"{rel} ({why})")
            continue
        files.append(rel)
        total += _size(worktree / rel)
    return Selection(tuple(files), tuple(left_out), total, tuple(skipped))


@dataclass(frozen=True)
class _Skip:
    """Where rebuilt paths are noted while walking, and the extra folders that count as rebuilt."""

    found: list[str]
    dependencies: tuple[str, ...]

    def __call__(self, rel: str) -> bool:
        if rebuilt(rel, self.dependencies):
            self.found.append(rel)
            return True
        return False


def _walk(worktree: Path, entries: Iterable[str], skip: _Skip) -> Iterable[str]:
    """Every file (or symlink) below the entries; rebuilt folders are named, not entered."""
    for entry in sorted(entries):
        if skip(entry):
            continue
        if entry.endswith("/") and not (worktree / entry.rstrip("/")).is_symlink():
            yield from _files_below(worktree, worktree / entry, skip)
        else:
            yield entry.rstrip("/")


def _files_below(root: Path, top: Path, skip: _Skip | None = None) -> Iterable[str]:
    for folder, dirs, names in os.walk(top):
        here = Path(folder)
        links = [d for d in dirs if (here / d).is_symlink()]  # kept as links, never followed
        for name in list(dirs):
            rel = (here / name).relative_to(root).as_posix()
            if name in links or (skip is not None and skip(f"{rel}/")):
                dirs.remove(name)
        dirs.sort()
        for name in sorted([*names, *links]):
            rel = (here / name).relative_to(root).as_posix()
            if skip is None or not skip(rel):
                yield rel


def _not_kept(path: Path, twin: Path, max_file: int) -> str | None:
    """Why ``path`` is not kept, or None. ``twin`` is the same path in the primary checkout."""
    try:
        info = path.lstat()
    except OSError as err:
        return f"unreadable: {err.strerror}"
    if stat.S_ISLNK(info.st_mode):
        same = twin.is_symlink() and twin.readlink() == path.readlink()
    elif not stat.S_ISREG(info.st_mode):
        return "not a regular file"
    elif info.st_size > max_file:
        return f"over {_amount(max_file)}"
    elif not os.access(path, os.R_OK):
        return "unreadable: permission denied"
    else:
        same = twin.is_file() and not twin.is_symlink() and _same(path, twin)
    return "same as in the primary checkout" if same else None


def _same(path: Path, twin: Path) -> bool:
    try:
        return filecmp.cmp(path, twin, shallow=False)
    except OSError:
        return False


def _amount(size: int) -> str:
    return f"{size // 2**20} MB" if size % 2**20 == 0 else f"{size} bytes"


def _size(path: Path) -> int:
    info = path.lstat()
    return 0 if stat.S_ISLNK(info.st_mode) else info.st_size


def copy(worktree: Path, files: Sequence[str], target: Path) -> None:
    """Copy ``files`` to the same relative paths below ``target`` (which must not exist yet):
    folders 0700, files 0600 (they are often secrets), symlinks as symlinks."""
    for folder in [*reversed(target.parents), target]:
        if not folder.exists():
            _make_dir(folder)
    for rel in files:
        dest = target / rel
        for folder in reversed(dest.parents):
            if folder.is_relative_to(target) and not folder.exists():
                _make_dir(folder)
        _copy_file(worktree / rel, dest)


def _make_dir(path: Path) -> None:
    path.mkdir(mode=0o700)
    path.chmod(0o700)  # whatever the umask


def _copy_file(source: Path, dest: Path) -> None:
    if source.is_symlink():
        dest.symlink_to(source.readlink())
        return
    fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with source.open("rb") as src, os.fdopen(fd, "wb") as out:
        os.fchmod(out.fileno(), 0o600)
        shutil.copyfileobj(src, out)


def saved_files(folder: Path) -> list[str]:
    """The files kept below ``folder``, relative to it."""
    return list(_files_below(folder, folder))


def restore(folder: Path, target: Path) -> tuple[list[str], list[str]]:
    """Copy the kept files back below ``target``, never over an existing file (or link): returns
    what was copied and what was left as it was."""
    copied, skipped = [], []
    for rel in saved_files(folder):
        dest = target / rel
        if dest.exists() or dest.is_symlink():
            skipped.append(rel)
            continue
        dest.parent.mkdir(parents=True, exist_ok=True)
        _copy_file(folder / rel, dest)
        copied.append(rel)
    return copied, skipped
