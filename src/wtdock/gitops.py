"""The only module that imports GitPython. Small typed functions over git's porcelain.

User strings never reach git as options: paths and refs come after ``--`` or ``--end-of-options``,
and branch names are checked by ``git check-ref-format`` first.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from wtdock.errors import GitError, NotFoundError, UserError

MIN_GIT = (2, 36)  # `worktree list --porcelain -z`


@dataclass(frozen=True)
class Worktree:
    path: Path
    head: str | None
    branch: str | None
    locked: str | None
    prunable: bool


@dataclass(frozen=True)
class WorkAtRisk:
    """What removing a worktree would lose, or leave only in its branch."""

    changed: list[str] = field(default_factory=list)
    untracked: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    unpushed: list[str] = field(default_factory=list)

    @property
    def blocking(self) -> bool:
        return bool(self.changed or self.untracked or self.unpushed)


def run(cwd: Path, *args: str) -> str:
    """Run ``git args`` in ``cwd`` and return stdout; failures become :class:`GitError`."""
    # Without a git binary, GitPython's import raises (not a GitError) unless told to stay quiet;
    # the missing binary is then reported by the call below.
    os.environ.setdefault("GIT_PYTHON_REFRESH", "quiet")
    import git

    try:
        out = git.Git(str(cwd)).execute(["git", *args], strip_newline_in_stdout=False)
    except git.GitCommandError as err:
        stderr = _clean(err.stderr)
        raise GitError(
            f"git {args[0]} failed in {cwd}: {stderr.splitlines()[-1] if stderr else f'exit {err.status}'}",
            command=["git", *args],
            stderr=stderr,
        ) from None
    except git.GitCommandNotFound:
        raise GitError("git is not installed", hint="install git 2.36 or newer") from None
    return str(out)


def _clean(stderr: object) -> str:
    # GitPython wraps stderr as "\n  stderr: 'text'".
    text = str(stderr or "").strip()
    text = re.sub(r"^stderr: '(.*)'$", r"\1", text, flags=re.S)
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


def version() -> tuple[int, ...]:
    out = run(Path.cwd(), "version")
    match = re.search(r"(\d+)\.(\d+)(?:\.(\d+))?", out)
    if not match:
        raise GitError(f"cannot read git's version from {out.strip()!r}")
    return tuple(int(g) for g in match.groups(default="0"))


def toplevel(path: Path) -> Path:
    """The top of the checkout at ``path``; a clear error when it is not a git repo."""
    if not path.is_dir():
        raise NotFoundError(f"{path}: no such folder", hint="check `path` of the repo in wtdock.yaml")
    try:
        return Path(run(path, "rev-parse", "--show-toplevel").strip())
    except GitError as err:
        raise NotFoundError(f"{path} is not a git repository", hint="check `path` in wtdock.yaml") from err


def common_git_dir(path: Path) -> Path:
    """The main repo's git dir, which every worktree's ``.git`` file points into."""
    out = run(path, "rev-parse", "--git-common-dir").strip()
    return (path / out).resolve()


def current_branch(path: Path) -> str | None:
    try:
        return run(path, "symbolic-ref", "--quiet", "--short", "HEAD").strip() or None
    except GitError:
        return None  # detached HEAD


def resolve_commit(repo: Path, ref: str) -> str | None:
    try:
        return run(repo, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}").strip()
    except GitError:
        return None


def branch_exists(repo: Path, branch: str) -> bool:
    try:
        run(repo, "show-ref", "--verify", "--quiet", f"refs/heads/{branch}")
    except GitError:
        return False
    return True


def blocking_branch(repo: Path, branch: str) -> str | None:
    """An existing branch that keeps ``branch`` from being created: git stores branches as paths,
    so ``feat`` and ``feat/ui`` cannot both exist. None when there is none."""
    parts = branch.split("/")
    for prefix in ("/".join(parts[:i]) for i in range(1, len(parts))):
        if branch_exists(repo, prefix):
            return prefix
    below = run(repo, "for-each-ref", "--count=1", "--format=%(refname:short)", "--", f"refs/heads/{branch}/")
    return below.strip() or None


def check_branch_name(repo: Path, branch: str) -> None:
    if branch.startswith("-"):
        raise UserError(f"invalid branch name {branch!r}: it starts with '-'")
    try:
        run(repo, "check-ref-format", "--branch", branch)
    except GitError:
        raise UserError(f"invalid branch name {branch!r}", hint="see `git check-ref-format --help`") from None


def add_worktree(repo: Path, path: Path, branch: str, *, start_point: str | None, reason: str) -> None:
    """Create a locked worktree at ``path``: a new ``branch`` off ``start_point``, or, with no
    start point, a checkout of the existing ``branch``. Locked at creation, so no prune (not even
    one run inside a container) can drop its metadata."""
    args = ["worktree", "add", "--lock", "--reason", reason]
    if start_point is not None:
        args += ["-b", branch, "--", str(path), start_point]
    else:
        args += ["--", str(path), branch]
    run(repo, *args)


def worktrees(repo: Path) -> list[Worktree]:
    """``git worktree list --porcelain -z``, parsed."""
    return parse_worktrees(run(repo, "worktree", "list", "--porcelain", "-z"))


def parse_worktrees(text: str) -> list[Worktree]:
    """Parse ``git worktree list --porcelain -z``: NUL-terminated ``key value`` fields, one empty
    field between worktrees. ``locked`` is the reason ("" when none was given), None when unlocked."""
    found: list[Worktree] = []
    for block in text.split("\0\0"):
        fields = [f for f in block.split("\0") if f]
        if not fields:
            continue
        attrs = dict(_pair(f) for f in fields)
        found.append(
            Worktree(
                path=Path(attrs["worktree"]),
                head=attrs.get("HEAD"),
                branch=attrs["branch"].removeprefix("refs/heads/") if "branch" in attrs else None,
                locked=attrs.get("locked") if "locked" in attrs else None,
                prunable="prunable" in attrs,
            )
        )
    return found


def _pair(attr: str) -> tuple[str, str]:
    key, _, value = attr.partition(" ")
    return key, value


def find_worktree(repo: Path, path: Path) -> Worktree | None:
    """The worktree of ``repo`` at ``path`` (git records real paths, so compare those)."""
    real = path.resolve()
    return next((w for w in worktrees(repo) if w.path.resolve() == real), None)


MARKER = "wtdock-workspace"


def mark_worktree(path: Path, config_file: Path, *, keep_existing: bool = False) -> bool:
    """Note the workspace in the worktree's private git dir (``.git/worktrees/<id>/``): git ignores
    it there, it goes with the worktree, and it leads `wtdock env` back from anywhere inside.
    ``keep_existing``: leave a note someone else wrote. Returns whether the note was written."""
    marker = Path(run(path, "rev-parse", "--absolute-git-dir").strip()) / MARKER
    if keep_existing and marker.exists():
        return False
    marker.write_text(f"{config_file}\n", encoding="utf-8")
    return True


def unmark_worktree(path: Path, config_file: Path) -> None:
    """Remove the note, if it is still the one that names ``config_file``."""
    marker = Path(run(path, "rev-parse", "--absolute-git-dir").strip()) / MARKER
    if marker.is_file() and marker.read_text(encoding="utf-8", errors="replace").strip() == str(config_file):
        marker.unlink()


def marked_workspace(start: Path) -> Path | None:
    """The config file noted in the worktree holding ``start``, if any."""
    try:
        git_dir = Path(run(start, "rev-parse", "--absolute-git-dir").strip())
    except GitError:
        return None
    marker = git_dir / MARKER
    return Path(marker.read_text(encoding="utf-8").strip()) if marker.is_file() else None


def first_commit(worktree: Path) -> str | None:
    """The commit a worktree started at: the new value of the first entry of its own HEAD reflog
    (private to the worktree; written by `worktree add`). None when there is no reflog."""
    log = Path(run(worktree, "rev-parse", "--absolute-git-dir").strip()) / "logs" / "HEAD"
    try:
        with log.open(encoding="utf-8", errors="replace") as handle:
            first = handle.readline().split()
    except OSError:
        return None
    return first[1] if len(first) > 1 and re.fullmatch(r"[0-9a-f]{40,64}", first[1]) else None


def head_commit(path: Path) -> str:
    return run(path, "rev-parse", "--verify", "HEAD").strip()


def work_at_risk(worktree: Path, branch: str | None, since: str | None = None) -> WorkAtRisk:
    """Uncommitted and untracked files, ignored files (which `worktree remove` deletes silently),
    and commits on ``branch`` after ``since`` that no other branch and no remote-tracking ref
    contains."""
    status = run(worktree, "status", "--porcelain=v1", "-z", "--ignored=traditional", "--untracked-files=normal")
    risk = WorkAtRisk()
    entries = iter(status.split("\0"))
    for entry in entries:
        if len(entry) < 4:
            continue
        code, name = entry[:2], entry[3:]
        if code in ("R ", "C ", "RM", "CM"):
            next(entries, None)  # renames and copies carry the old name as a second entry
        bucket = {"??": risk.untracked, "!!": risk.ignored}.get(code, risk.changed)
        bucket.append(name)
    # HEAD too: commits made on a detached HEAD in the worktree are on no branch at all.
    tips = ["HEAD", *([f"refs/heads/{branch}"] if branch and branch_exists(worktree, branch) else [])]
    exclude = [f"--exclude={branch}"] if branch else []
    before = [since] if since else []
    log = run(worktree, "log", "--format=%h %s", *tips, "--not", *before, *exclude, "--branches", "--remotes", "--")
    risk.unpushed.extend(line for line in log.splitlines() if line)
    return risk


def unlock_worktree(repo: Path, path: Path) -> None:
    run(repo, "worktree", "unlock", "--", str(path))


def remove_worktree(repo: Path, path: Path, *, force: bool, reason: str) -> None:
    """Unlock and remove; if git refuses, lock it again so it stays protected."""
    found = find_worktree(repo, path)
    if found is not None and found.locked is not None:
        # git refuses to unlock what is not locked (`down --keep-worktrees` and `gc` unlock).
        run(repo, "worktree", "unlock", "--", str(path))
    try:
        run(repo, "worktree", "remove", *(["--force"] if force else []), "--", str(path))
    except GitError:
        run(repo, "worktree", "lock", "--reason", reason, "--", str(path))
        raise


def delete_new_branch(repo: Path, branch: str) -> None:
    """Only for undoing a branch this very command created (it holds no commits of its own)."""
    run(repo, "branch", "-D", "--", branch)


def prune(repo: Path) -> None:
    run(repo, "worktree", "prune")
