"""The only module that runs git, through GitPython. Small typed functions over git's porcelain.

User strings never reach git as options: paths and refs come after ``--`` or ``--end-of-options``,
and branch names are checked by ``git check-ref-format`` first.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

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


def run(cwd: Path, *args: str, env: Mapping[str, str] | None = None, stdin: str | None = None) -> str:
    """Run ``git args`` in ``cwd`` and return stdout; failures become :class:`GitError`. ``env``
    adds variables to git's environment (``GIT_INDEX_FILE``); ``stdin`` is fed to its input."""
    # Without a git binary, GitPython's import raises (not a GitError) unless told to stay quiet;
    # the missing binary is then reported by the call below.
    os.environ.setdefault("GIT_PYTHON_REFRESH", "quiet")
    import git

    argv = ["git", *args]
    with _input_file(stdin) as source:
        try:
            out = git.Git(str(cwd)).execute(argv, strip_newline_in_stdout=False, env=env, istream=source)
        except git.GitCommandError as err:
            stderr = _clean(err.stderr)
            raise GitError(
                f"git {_verb(args)} failed in {cwd}: {stderr.splitlines()[-1] if stderr else f'exit {err.status}'}",
                command=argv,
                returncode=err.status if isinstance(err.status, int) else None,
                stdout=str(err.stdout or ""),
                stderr=stderr,
            ) from err
        except git.GitCommandNotFound as err:
            if not cwd.is_dir():
                raise GitError(f"git {_verb(args)} failed in {cwd}: no such folder", command=argv) from err
            raise GitError("git is not installed", hint="install git 2.36 or newer") from err
    return str(out)


@contextlib.contextmanager
def _input_file(text: str | None) -> Iterator[BinaryIO | None]:
    """GitPython hands its ``istream`` to Popen as stdin: it must be a real file, not a string."""
    if text is None:
        yield None
        return
    with tempfile.TemporaryFile() as handle:
        handle.write(text.encode())
        handle.seek(0)
        yield handle


def _verb(args: Sequence[str]) -> str:
    return next((a for a in args if not a.startswith("-")), args[0])  # after `--no-optional-locks`


def _clean(stderr: object) -> str:
    """git's stderr as shown in one of our errors: its non-empty lines, stripped (GitPython wraps
    it as "stderr: 'text'")."""
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


def checkout_dirs(path: Path) -> tuple[Path, Path]:
    """``toplevel(path)`` and the main repo's git dir, in one git call."""
    if not path.is_dir():
        raise NotFoundError(f"{path}: no such folder", hint="check `path` of the repo in wtdock.yaml")
    try:
        top, common = run(path, "rev-parse", "--show-toplevel", "--git-common-dir").splitlines()[:2]
    except (GitError, ValueError) as err:
        raise NotFoundError(f"{path} is not a git repository", hint="check `path` in wtdock.yaml") from err
    return Path(top), (path / common).resolve()  # git writes the common dir relative to the folder it ran in


def common_git_dir(path: Path) -> Path:
    """The main repo's git dir, which every worktree's ``.git`` file points into."""
    out = run(path, "rev-parse", "--git-common-dir").strip()
    return (path / out).resolve()


def _answered_no(err: GitError) -> bool:
    """With ``--quiet``, git says "no such ref" (or "not a symbolic ref") by exit code 1 alone; 128
    is a real failure (a corrupt repo, not a repo at all), which must not read as "no"."""
    return err.returncode == 1


def current_branch(path: Path) -> str | None:
    """The checked-out branch; None for a detached HEAD."""
    try:
        return run(path, "symbolic-ref", "--quiet", "--short", "HEAD").strip() or None
    except GitError as err:
        if _answered_no(err):
            return None
        raise


def default_branch(repo: Path) -> str | None:
    """The repo's own default branch, for new ticket branches when ``repos.R.base`` is not set:
    the remote's (``origin/HEAD``; the local branch of that name when there is one), else the
    primary checkout's current branch, else ``main`` or ``master``, whichever exists; else None."""
    try:
        remote = run(repo, "symbolic-ref", "--quiet", "--short", "refs/remotes/origin/HEAD").strip()
    except GitError as err:
        if not _answered_no(err):
            raise
        remote = ""
    if remote:
        local = remote.removeprefix("origin/")
        return local if branch_exists(repo, local) else remote
    if (current := current_branch(repo)) is not None:
        return current
    return next((b for b in ("main", "master") if branch_exists(repo, b)), None)


def resolve_commit(repo: Path, ref: str) -> str | None:
    """The commit ``ref`` names; None when it names none."""
    try:
        return run(repo, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}").strip()
    except GitError as err:
        if _answered_no(err):
            return None
        raise


def branch_exists(repo: Path, branch: str) -> bool:
    try:
        run(repo, "show-ref", "--verify", "--quiet", f"refs/heads/{branch}")
    except GitError as err:
        if _answered_no(err):
            return False
        raise
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


def branch_state(repo: Path, branch: str) -> tuple[bool, str | None]:
    """Whether ``branch`` exists, and else the branch that keeps it from being created (see
    ``blocking_branch``): one git call. for-each-ref matches a pattern whole or up to a slash, so
    ``refs/heads/a/b`` lists that branch and those below it, and each prefix pattern its branch."""
    parts = branch.split("/")
    prefixes = ["/".join(parts[:i]) for i in range(1, len(parts))]
    out = run(repo, "for-each-ref", "--format=%(refname)", "--", f"refs/heads/{branch}",
              *(f"refs/heads/{p}" for p in prefixes))
    found = set(out.split("\n")) - {""}
    if f"refs/heads/{branch}" in found:
        return True, None
    blocker = next((p for p in prefixes if f"refs/heads/{p}" in found), None)
    below = sorted(r.removeprefix("refs/heads/") for r in found if r.startswith(f"refs/heads/{branch}/"))
    return False, blocker or (below[0] if below else None)


def check_branch_name(repo: Path, branch: str) -> None:
    if branch.startswith("-"):
        raise UserError(f"invalid branch name {branch!r}: it starts with '-'")
    try:
        run(repo, "check-ref-format", "--branch", branch)
    except GitError as err:
        raise UserError(f"invalid branch name {branch!r}", hint="see `git check-ref-format --help`") from err


def add_worktree(repo: Path, path: Path, branch: str | None, *, start_point: str | None, reason: str) -> None:
    """Create a locked worktree at ``path``: a new ``branch`` off ``start_point``, or, with no
    start point, a checkout of the existing ``branch``, or with no branch a detached HEAD at
    ``start_point``. Locked at creation, so no prune (not even one run inside a container) can drop
    its metadata."""
    args = ["worktree", "add", "--lock", "--reason", reason]
    if start_point is not None and start_point.startswith("-"):
        # `worktree add` hands its start point on to `git branch` with no `--` before it: a ref named
        # `-x` would be read there as an option. Its commit id cannot be.
        commit = resolve_commit(repo, start_point)
        if commit is None:
            raise NotFoundError(f"{start_point}: no such branch, tag or commit in {repo}")
        start_point = commit
    if branch is None:
        if start_point is None:
            raise ValueError("bug: a detached worktree needs a start point")
        args += ["--detach", "--", str(path), start_point]
    elif start_point is not None:
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
    marker = _private_git_dir(path) / MARKER
    if keep_existing and marker.exists():
        return False
    marker.write_text(f"{config_file}\n", encoding="utf-8")
    return True


def _private_git_dir(path: Path) -> Path:
    """A worktree's own git dir, from the ``gitdir:`` line `worktree add` writes into its ``.git``
    file (an absolute path); git's answer when the file says anything else."""
    with contextlib.suppress(OSError, UnicodeDecodeError):
        text = (path / ".git").read_text(encoding="utf-8").strip()
        if text.startswith("gitdir: ") and "\n" not in text and Path(text[8:]).is_absolute():
            found = Path(text[8:])
            if found.is_dir():
                return found
    return Path(run(path, "rev-parse", "--absolute-git-dir").strip())


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
    and every commit the worktree made (all its HEAD has been at: a detached commit it left, one
    reset away) or holds on ``branch``, after ``since``, that no other branch, no tag, no
    remote-tracking ref and no rescue ref contains. Four git calls, however long the reflog."""
    risk = files_at_risk(worktree)
    found = made_commits(worktree, *([f"refs/heads/{branch}"] if branch else []), *([since] if since else []))
    unsaved = unsaved_commits(worktree, found, since=since if since in found else None, but=branch)
    risk.unpushed.extend(f"{c.short} {c.subject}" for c in unsaved)
    return risk


def files_at_risk(worktree: Path) -> WorkAtRisk:
    """Uncommitted, untracked and ignored files (ignored folders end with "/"); no commits. With no
    optional locks, `status` leaves the worktree's index as it is (it would refresh and rewrite it)."""
    status = run(worktree, "--no-optional-locks", "status", "--porcelain=v1", "-z", "--ignored=traditional",
                 "--untracked-files=normal")
    risk = WorkAtRisk()
    for code, name in parse_status(status):
        bucket = {"??": risk.untracked, "!!": risk.ignored}.get(code, risk.changed)
        bucket.append(name)
    return risk


def parse_status(text: str) -> list[tuple[str, str]]:
    """``(XY, path)`` of ``git status --porcelain=v1 -z``."""
    found = []
    entries = iter(text.split("\0"))
    for entry in entries:
        if len(entry) < 4:
            continue
        if entry[:2] in ("R ", "C ", "RM", "CM"):
            next(entries, None)  # renames and copies carry the old name as a second entry
        found.append((entry[:2], entry[3:]))
    return found


@dataclass(frozen=True)
class Commit:
    sha: str
    short: str
    parents: tuple[str, ...]
    subject: str


RESCUE_REFS = "refs/wtdock/rescue"
_OID = re.compile(r"[0-9a-f]{40}(?:[0-9a-f]{24})?")


def git_path(worktree: Path, name: str) -> Path:
    """Where git keeps ``name`` for this worktree (``rev-parse --git-path``): ``logs/HEAD`` and
    ``index`` are in its private git dir, and go with it."""
    return worktree / run(worktree, "rev-parse", "--git-path", name).strip()


def made_commits(worktree: Path, *also: str) -> list[str]:
    """Every commit the worktree's HEAD has been at (its own reflog, and HEAD), and ``also`` (refs
    or ids), as far as they still exist: a reflog may name objects pruned since. Two git calls."""
    log = git_path(worktree, "logs/HEAD")
    text = log.read_text(encoding="utf-8", errors="replace") if log.is_file() else ""
    names = [*parse_reflog(text), "HEAD", *also]
    answer = run(worktree, "cat-file", "--batch-check", stdin="".join(f"{name}\n" for name in names))
    return list(dict.fromkeys(parse_batch_check(answer)))


def parse_reflog(text: str) -> list[str]:
    """The ids a reflog names, old and new of each entry, oldest first, without the null id. An
    entry is ``<old> <new> <name> <<email>> <time> <tz>\\t<message>``; a line that is not is skipped."""
    ids: dict[str, None] = {}
    for line in text.split("\n"):
        fields = line.split("\t", 1)[0].split(" ", 2)
        if len(fields) == 3 and all(_OID.fullmatch(f) for f in fields[:2]):
            ids.update((f, None) for f in fields[:2] if f.strip("0"))
    return list(ids)


def parse_batch_check(text: str) -> list[str]:
    """The commits among ``git cat-file --batch-check`` answers: ``<id> <type> <size>`` for an
    object that exists, ``<name> missing`` for one that does not."""
    answers = (line.split(" ") for line in text.split("\n"))
    return [parts[0] for parts in answers if len(parts) == 3 and parts[1] == "commit"]


def unsaved_commits(worktree: Path, tips: Sequence[str], *, since: str | None, but: str | None = None) -> list[Commit]:
    """The commits reachable from ``tips`` and not from ``since`` that no branch (``but`` aside),
    no tag, no remote-tracking ref and no rescue ref contains, newest first. One git call."""
    if not tips:
        return []
    exclude = [f"--exclude={but}"] if but else []
    out = run(
        worktree, "rev-list", "--stdin", "--no-commit-header", "--format=%H%x00%h%x00%P%x00%s",
        "--not", *([since] if since else []), *exclude, "--branches", "--tags", "--remotes", f"--glob={RESCUE_REFS}",
        stdin="".join(f"{tip}\n" for tip in tips),
    )
    return parse_commits(out)


def parse_commits(text: str) -> list[Commit]:
    """``rev-list --format=%H%x00%h%x00%P%x00%s`` lines (``split("\\n")``: a subject may hold a
    form feed, which ``splitlines`` would take for a line end)."""
    found = []
    for line in text.split("\n"):
        fields = line.split("\0")
        if len(fields) == 4 and _OID.fullmatch(fields[0]):
            found.append(Commit(fields[0], fields[1], tuple(fields[2].split()), fields[3]))
    return found


def tips(commits: Sequence[Commit]) -> list[Commit]:
    """The commits that are no parent of another one: a ref at each keeps all of ``commits`` (a
    set that ``rev-list`` gives is closed under ancestry down to what refs hold already)."""
    parents = {p for c in commits for p in c.parents}
    return [c for c in commits if c.sha not in parents]


def lost_commits(worktree: Path, since: str | None) -> list[Commit]:
    """What removing the worktree would lose of its commits: those its HEAD has been at (and their
    ancestors after ``since``) that no branch, tag, remote-tracking or rescue ref contains."""
    found = made_commits(worktree, *([since] if since else []))
    return unsaved_commits(worktree, found, since=since if since in found else None)


def snapshot(worktree: Path, message: str) -> str | None:
    """A commit on HEAD of the worktree's files as they are (modified, deleted, untracked; staged
    or not; ignored ones aside), made through a copy of its index in its private git dir: the
    worktree, its index and the stash stay as they were. None when the files are HEAD's (a staged
    change undone in the file). Four git calls."""
    answer = run(worktree, "rev-parse", "--absolute-git-dir", "--git-path", "index", "HEAD^{tree}")
    git_dir, index, head_tree = answer.splitlines()[:3]
    temp = Path(git_dir) / "wtdock-rescue-index"
    env = {"GIT_INDEX_FILE": str(temp)}
    try:
        if (worktree / index).is_file():
            shutil.copyfile(worktree / index, temp)
        run(worktree, "add", "--all", env=env)
        tree = run(worktree, "write-tree", env=env).strip()
    finally:
        temp.unlink(missing_ok=True)
    if tree == head_tree:
        return None
    return run(worktree, "commit-tree", "--no-gpg-sign", "-p", "HEAD", "-m", message, tree,
               env=_identity(worktree)).strip()


# A rescue must not fail for want of a configured name and email (a fresh machine, a CI user).
RESCUE_IDENTITY = {
    "GIT_AUTHOR_NAME": "wtdock rescue", "GIT_AUTHOR_EMAIL": "wtdock@localhost",
    "GIT_COMMITTER_NAME": "wtdock rescue", "GIT_COMMITTER_EMAIL": "wtdock@localhost",
}


def _identity(worktree: Path) -> dict[str, str] | None:
    """None when git knows who the user is (their name goes on the rescue), else wtdock's."""
    try:
        run(worktree, "var", "GIT_AUTHOR_IDENT")
        run(worktree, "var", "GIT_COMMITTER_IDENT")
    except GitError:
        return RESCUE_IDENTITY
    return None


def create_refs(repo: Path, refs: Mapping[str, str]) -> None:
    """Create every ref at its commit in one transaction (all or none); one that exists is an error."""
    if refs:
        run(repo, "update-ref", "--stdin", stdin="".join(f"create {ref} {sha}\n" for ref, sha in refs.items()))


def delete_ref(repo: Path, ref: str, old: str) -> None:
    """Delete ``ref`` if it still points at ``old``."""
    run(repo, "update-ref", "-d", ref, old)


@dataclass(frozen=True)
class Ref:
    name: str
    commit: str
    date: str
    subject: str


def refs_under(repo: Path, prefix: str) -> list[Ref]:
    """The refs below ``prefix`` (whole path parts: ``a/b`` holds ``a/b/c``, not ``a/bc``)."""
    fmt = "%(refname)%00%(objectname)%00%(committerdate:iso-strict)%00%(subject)"
    return parse_refs(run(repo, "for-each-ref", f"--format={fmt}", "--", prefix))


def parse_refs(text: str) -> list[Ref]:
    fields = (line.split("\0") for line in text.split("\n"))
    return [Ref(*f) for f in fields if len(f) == 4]


def commit_message(repo: Path, sha: str) -> str:
    return run(repo, "rev-list", "-1", "--no-commit-header", "--format=%B", sha).strip()


def changed_files(repo: Path, sha: str) -> list[tuple[str, str]]:
    """``(status, path)`` of each file ``sha`` changes against its first parent (A, M, D, T)."""
    out = run(repo, "diff-tree", "-r", "--root", "--no-commit-id", "--name-status", "-z",
              "--diff-merges=first-parent", sha)
    return parse_name_status(out)


def parse_name_status(text: str) -> list[tuple[str, str]]:
    """``--name-status -z``: a status field, then its path (two paths for renames and copies)."""
    fields = iter(text.split("\0"))
    found = []
    for status in fields:
        if not status:
            continue
        path = next(fields, "")
        if status[0] in "RC":
            path = next(fields, path)  # the new name
        found.append((status[0], path))
    return found


def changed_paths(worktree: Path) -> list[str]:
    """Modified, deleted and untracked files (not ignored ones): what makes a worktree dirty."""
    status = run(worktree, "--no-optional-locks", "status", "--porcelain=v1", "-z", "--untracked-files=normal")
    return [name for _, name in parse_status(status)]


def ignored_among(worktree: Path, paths: Sequence[str]) -> list[str]:
    """Which of ``paths`` (relative to the worktree) exist there as files git ignores."""
    if not paths:
        return []
    out = run(worktree, "ls-files", "-z", "--others", "--ignored", "--exclude-standard", "--", *paths,
              env={"GIT_LITERAL_PATHSPECS": "1"})
    return [p for p in out.split("\0") if p]


def apply_uncommitted(worktree: Path, sha: str) -> list[str]:
    """Bring ``sha``'s changes against its parent into the worktree as uncommitted changes, by a
    3-way merge (``cherry-pick --no-commit``, then ``reset``): what both sides changed comes back
    with conflict markers, never overwritten. Returns the conflicted paths."""
    conflicts: list[str] = []
    try:
        run(worktree, "cherry-pick", "--no-commit", sha)
    except GitError:
        out = run(worktree, "diff", "--name-only", "-z", "--diff-filter=U")
        conflicts = [p for p in out.split("\0") if p]
        if not conflicts:
            raise  # refused before it changed anything (a file it would overwrite)
    run(worktree, "reset", "-q")
    return conflicts


def create_branch(repo: Path, name: str, sha: str) -> None:
    check_branch_name(repo, name)
    run(repo, "branch", "--no-track", name, sha)


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


def ignored_matching(repo: Path, globs: Sequence[str]) -> list[str]:
    """Files in ``repo`` that git ignores and that match one of ``globs`` (git's pathspec globs)."""
    if not globs:
        return []
    out = run(repo, "ls-files", "-z", "--others", "--ignored", "--exclude-standard", "--",
              *(f":(glob){g}" for g in globs))
    return [p for p in out.split("\0") if p]


def is_tracked(path: Path) -> bool:
    """Whether ``path`` is a file committed to the git repo around it (False outside any repo)."""
    try:
        run(path.parent, "ls-files", "--error-unmatch", "--", path.name, env={"GIT_LITERAL_PATHSPECS": "1"})
    except GitError:
        return False
    return True
