"""The demo's two repos: each a tiny app whose ``branch.txt`` says which branch it is."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Mapping
from pathlib import Path

from wtdock import gitops
from wtdock.demo import APPS

# The demo's commits are wtdock's, not the user's: a fresh machine has no git identity at all.
IDENTITY = {
    "GIT_AUTHOR_NAME": "wtdock demo",
    "GIT_AUTHOR_EMAIL": "demo@wtdock.invalid",
    "GIT_COMMITTER_NAME": "wtdock demo",
    "GIT_COMMITTER_EMAIL": "demo@wtdock.invalid",
}
# The demo's repos: folder -> (app file, label, {extra branch: what its branch.txt says}).
REPOS: dict[str, tuple[str, str, dict[str, str]]] = {
    "front": ("front_server.py", "front", {"feat/ui": "front feat/ui"}),
    "api": ("api_server.py", "api", {"feat/endpoint": "api feat/endpoint"}),
}


def make_repo(path: Path, server: str, label: str, branches: Mapping[str, str]) -> None:
    """A repo serving ``server`` (an app of the package) whose branch.txt says ``LABEL main`` on
    main, plus one commit per extra branch saying what ``branches`` gives it."""
    path.mkdir(parents=True)
    git = _git(path)
    git("init", "-q", "-b", "main")
    shutil.copy(APPS / server, path / "server.py")
    (path / "branch.txt").write_text(f"{label} main\n", encoding="utf-8")
    (path / ".gitignore").write_text(".env\n", encoding="utf-8")
    git("add", "-A")
    git("commit", "-qm", "init")
    for branch, text in branches.items():
        git("checkout", "-q", "-b", branch, "main")
        (path / "branch.txt").write_text(f"{text}\n", encoding="utf-8")
        git("commit", "-qam", f"work on {branch}")
    git("checkout", "-q", "main")


def make_repos(root: Path) -> None:
    """Both demo repos under ``root`` (front: main and feat/ui; api: main and feat/endpoint)."""
    for folder, (server, label, branches) in REPOS.items():
        make_repo(root / folder, server, label, branches)


def _git(path: Path) -> Callable[..., None]:
    def git(*args: str) -> None:
        # No global config (a user's commit signing, hooks path) changes the demo's commits.
        gitops.run(path, "-c", "commit.gpgsign=false", "-c", "core.hooksPath=/dev/null", *args, env=IDENTITY)

    return git
