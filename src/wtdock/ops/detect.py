"""The repos of a folder and the services they seem to run, for `wtdock init`. Files only: a repo
is a folder with a `.git` (a folder, or a file in a worktree or submodule)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from wtdock.config.model import RESERVED_SERVICE_NAMES
from wtdock.ops.guessers import Guess, guess

# Folders that hold installed or built things, never a service of their own.
SKIPPED = frozenset({"node_modules", "vendor", "dist", "build", "target", "tmp", "log", "venv", "env",
                     "__pycache__", "coverage", "public", "static", "docs", "test", "tests"})
# Where monorepos keep their services, one level further down (apps/web, services/api).
NESTING = ("apps", "services", "packages")
LOOKED_FOR = (
    "a package.json with a `dev` script (Node, Vite)",
    "a pyproject.toml or requirements.txt naming FastAPI, Django or Flask",
    "a Gemfile with rails",
    "a go.mod",
)


@dataclass(frozen=True)
class Repo:
    key: str  # its name in `repos` (and, for a repo of one service, the service's)
    path: str  # relative to the workspace folder; `.` for a monorepo at the top


@dataclass(frozen=True)
class Service:
    name: str
    repo: str
    workdir: str  # inside the repo, `.` for its top
    guess: Guess
    folder: str  # relative to the workspace folder, for people: `front`, `apps/web`


@dataclass(frozen=True)
class Detection:
    folder: Path  # where wtdock.yaml goes: the folder of repos, or the monorepo's top
    monorepo: bool
    repos: tuple[Repo, ...]
    services: tuple[Service, ...]


def is_repo(path: Path) -> bool:
    return (path / ".git").exists()


def detect(start: Path) -> Detection:
    """The repos of ``start`` (a folder of repos, a repo, or a folder inside one) and their services."""
    folder, repos, monorepo = find_repos(start.resolve())
    services: list[Service] = []
    taken: set[str] = set(RESERVED_SERVICE_NAMES)
    for repo in repos:
        for workdir, found in _services_in(folder / repo.path):
            name = _unique(repo.key if workdir == "." else key_of(Path(workdir).name), repo.key, taken)
            folder_shown = (Path(repo.path) / workdir).as_posix()
            services.append(Service(name, repo.key, workdir, found, folder_shown))
    return Detection(folder, monorepo, repos, tuple(services))


def find_repos(folder: Path) -> tuple[Path, tuple[Repo, ...], bool]:
    """A repo itself (a monorepo), else its subfolders that are repos, else the repo it is inside."""
    if is_repo(folder):
        return folder, (Repo(key_of(folder.name), "."),), True
    subfolders = sorted(p for p in folder.iterdir() if p.is_dir() and is_repo(p)) if folder.is_dir() else []
    if subfolders:
        return folder, tuple(_keyed(subfolders)), False
    top = next((p for p in folder.parents if is_repo(p)), None)
    if top is not None:
        return top, (Repo(key_of(top.name), "."),), True
    return folder, (), False


def _keyed(folders: list[Path]) -> list[Repo]:
    repos: list[Repo] = []
    taken: set[str] = set()
    for path in folders:
        key = _unique(key_of(path.name), "repo", taken)
        repos.append(Repo(key, path.name))
    return repos


def _services_in(repo: Path) -> list[tuple[str, Guess]]:
    """The repo's top when it runs something; else its subfolders (and apps/*, services/*, packages/*)."""
    found = guess(repo)
    if found is not None:
        return [(".", found)]
    hits = []
    for folder in _children(repo):
        inner = [folder] if folder.name not in NESTING else _children(folder)
        for candidate in inner:
            if (found := guess(candidate)) is not None:
                hits.append((candidate.relative_to(repo).as_posix(), found))
    return hits


def _children(folder: Path) -> list[Path]:
    return sorted(
        p for p in folder.iterdir()
        if p.is_dir() and not p.name.startswith(".") and p.name not in SKIPPED
    )


def key_of(name: str) -> str:
    """A folder's name as a repo or service key (`[a-z0-9][a-z0-9-]*`): `My_App` -> `my-app`."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "app"


def _unique(key: str, prefix: str, taken: set[str]) -> str:
    """``key``, else ``prefix-key``, else with a number: never a name already taken or reserved."""
    candidates = [key, f"{prefix}-{key}", *(f"{key}-{n}" for n in range(2, 100))]
    chosen = next(c for c in candidates if c not in taken)
    taken.add(chosen)
    return chosen
