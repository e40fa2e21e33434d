"""What the reliability scenarios check after each run: the work made in tickets' worktrees is
still somewhere (issue 14's data-safety invariant), and a removed ticket left nothing behind."""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import docker

from tests.integration.helpers import Sandbox, git

RESCUE_REFS = "refs/wtdock/rescue"


@dataclass
class Work:
    """What a scenario made in one ticket's worktree of one repo: commits (by sha) and files
    (path relative to the worktree -> the content written, modified tracked files and untracked
    ones alike)."""

    ticket: str
    repo: str
    commits: list[str] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)


def make_work(ws: Sandbox, ticket: str, repo: str, tag: str) -> Work:
    """A commit, a modified tracked file and an untracked file in the ticket's worktree of ``repo``
    (what an agent leaves when it is killed mid-task)."""
    path = ws.worktree(ticket, repo)
    work = Work(ticket, repo)
    tracked = f"{tag}-tracked.txt"  # its own file per tag: a later scenario step never overwrites it
    (path / tracked).write_text(f"{tag} committed\n")
    git(path, "add", tracked)
    # Its own identity: a module-scoped fixture runs before the per-test one of tests/conftest.py.
    identity = ("-c", "user.name=wtdock tests", "-c", "user.email=tests@wtdock.dev", "-c", "commit.gpgsign=false")
    git(path, *identity, "commit", "-qm", f"{tag}: work")
    work.commits.append(git(path, "rev-parse", "HEAD").strip())
    work.files[tracked] = f"{tag} committed, then changed\n"
    work.files[f"{tag}-notes.txt"] = f"{tag} untracked\n"
    for name, text in work.files.items():
        (path / name).write_text(text)
    return work


def check_work_kept(ws: Sandbox, works: list[Work]) -> None:
    """Every commit reachable from a ref, and every file either in its worktree as written or in
    one of the ticket's rescue commits of that repo."""
    lost: list[str] = []
    for work in works:
        repo = ws.root / work.repo
        for sha in work.commits:
            if not git(repo, "for-each-ref", "--contains", sha, "--format=%(refname)").strip():
                lost.append(f"{work.ticket}/{work.repo}: commit {sha[:12]} is on no ref")
        rescues = _rescue_refs(ws, repo, work.ticket)
        for name, text in work.files.items():
            on_disk = ws.worktree(work.ticket, work.repo) / name
            if on_disk.is_file() and on_disk.read_text() == text:
                continue
            if not any(_show(repo, f"{ref}:{name}") == text for ref in rescues):
                lost.append(f"{work.ticket}/{work.repo}: {name} is neither in its worktree nor in a rescue")
    assert not lost, lost


def _rescue_refs(ws: Sandbox, repo: Path, ticket: str) -> list[str]:
    prefix = f"{RESCUE_REFS}/{ws.name}/{ticket}/"
    return git(repo, "for-each-ref", "--format=%(refname)", prefix).split()


def _show(repo: Path, spec: str) -> str | None:
    done = subprocess.run(["git", "show", spec], cwd=repo, capture_output=True, text=True, check=False)
    return done.stdout if done.returncode == 0 else None


def state(ws: Sandbox) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((ws.root / ".wtdock" / "state.json").read_text())
    return data


def psql(ws: Sandbox, query: str) -> str:
    command = ["docker", "exec", f"{ws.name}-shared-postgres-1", "psql", "-U", "wtdock", "-d", "postgres",
               "-At", "-c", query]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout.strip()


def no_lock_held(ws: Sandbox) -> list[str]:
    """The workspace's lock files that some process still holds (a crashed holder's flock is gone
    with it)."""
    held = []
    for file in sorted((ws.root / ".wtdock" / "locks").glob("*.lock")):
        fd = os.open(file, os.O_RDWR)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            held.append(file.name)
        finally:
            os.close(fd)
    return held


def check_ticket_gone(ws: Sandbox, engine: docker.DockerClient, ticket: str, database: str | None) -> None:
    """After `down --drop-data`: no container, worktree (folder or git's record of it), registry
    entry, held lock or database of the ticket; and `gc` finds nothing of it but the lock file that
    `down` leaves by design (another command may wait on it), which `gc --yes` then removes."""
    project = f"com.docker.compose.project={ws.name}-{ticket}"
    assert engine.containers.list(all=True, sparse=True, filters={"label": project}) == []
    assert not (ws.root / ".wtdock" / "worktrees" / ticket).exists()
    for repo in ("front", "api"):
        listing = git(ws.root / repo, "worktree", "list", "--porcelain")
        assert f"/worktrees/{ticket}/" not in listing, listing
    found = state(ws)
    assert ticket not in found["tickets"]
    if database is not None:
        assert database not in found["databases"]
        assert database not in psql(ws, "SELECT datname FROM pg_database").split()
    assert no_lock_held(ws) == []
    leftovers = [f for f in ws.json("gc")["found"] if ticket in f["what"]]
    assert [f["kind"] for f in leftovers] in ([], ["lock files"]), leftovers
    ws.cli("gc", "--yes")
    assert [f for f in ws.json("gc")["found"] if ticket in f["what"]] == []
