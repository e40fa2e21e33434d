"""Git-ignored files a new worktree needs (``.env``, ``config/master.key``), copied from the repo's
primary checkout: the globs of ``repos.R.include`` and of the repo's ``.worktreeinclude`` (the
convention Claude Code reads for the same job)."""

from __future__ import annotations

import shutil
from pathlib import Path

from wtdock import gitops

INCLUDE_FILE = ".worktreeinclude"


def include_globs(primary: Path, configured: list[str]) -> list[str]:
    """The configured globs and the lines of ``.worktreeinclude`` (no comments, no blank lines)."""
    globs = list(configured)
    listed = primary / INCLUDE_FILE
    if listed.is_file():
        for raw in listed.read_text(encoding="utf-8", errors="replace").splitlines():
            line = raw.strip()
            if line and not line.startswith("#") and not line.startswith("/") and ".." not in line.split("/"):
                globs.append(line.removeprefix("./"))
    return globs


def copy_included(primary: Path, worktree: Path, configured: list[str]) -> list[str]:
    """Copy the ignored files that the globs match into a new worktree; never over a file that is
    there (a tracked file, or one the user made). Returns the paths copied."""
    globs = include_globs(primary, configured)
    copied = []
    for relative in gitops.ignored_matching(primary, globs):
        source, target = primary / relative, worktree / relative
        if not source.is_file() or source.is_symlink() or target.exists() or target.is_symlink():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
        copied.append(relative)
    return copied
