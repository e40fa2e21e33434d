"""`wtdock rescue`: the work `down` kept before it removed a ticket's worktrees, and the way back.

Three kinds, each with an id ``<slug>/<repo>/<n>`` (``n`` counts per ticket and repo):

- ``commit``: a commit that only the worktree held (a detached commit, one reset away), kept by
  ``refs/wtdock/rescue/<workspace>/<slug>/<repo>/<n>-commit``; restored as a new branch.
- ``uncommitted``: the worktree's modified, deleted and untracked files, saved as a commit on its
  HEAD under ``.../<n>-uncommitted``; restored into a worktree as uncommitted changes.
- ``ignored files``: copies of the files git ignores (``.env``), in
  ``.wtdock/rescue/<slug>/<UTC-stamp>/<repo>/``, never in git (they are often secrets, and refs
  would go out with a ``git push --mirror``); copied back, never over an existing file.

Each `down` that keeps something writes ``rescue.json`` beside the copies: the ticket's name, when,
a summary of each item. The refs are the truth for the first two kinds; the file only adds facts.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from wtdock import gitops
from wtdock.errors import NotFoundError, RefusedError, StateError, UserError
from wtdock.files import write_atomic
from wtdock.names import ticket_slug
from wtdock.ops import ignored
from wtdock.ops.context import Context
from wtdock.workspace import Workspace

Kind = Literal["commit", "uncommitted", "ignored files"]
REF_KINDS: tuple[Kind, ...] = ("commit", "uncommitted")
MANIFEST = "rescue.json"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Item(_Model):
    id: str
    repo: str
    kind: Kind
    summary: str
    ref: str | None = None
    commit: str | None = None
    files: list[str] = []
    left_out: list[str] = []


class Manifest(_Model):
    """``rescue.json``: what one `down` kept."""

    version: Literal[1] = 1
    ticket: str
    slug: str
    when: str
    items: list[Item] = []


@dataclass(frozen=True)
class Rescue:
    id: str
    ticket: str
    repo: str
    kind: Kind
    when: str
    summary: str
    ref: str | None = None
    commit: str | None = None
    folder: Path | None = None

    @property
    def number(self) -> int:
        return int(self.id.rsplit("/", 1)[1])


@dataclass(frozen=True)
class RescueDetail:
    rescue: Rescue
    message: str
    files: tuple[str, ...]
    left_out: tuple[str, ...] = ()


@dataclass(frozen=True)
class Restored:
    rescue: Rescue
    into: Path | None = None
    branch: str | None = None
    files: tuple[str, ...] = ()
    conflicts: tuple[str, ...] = ()
    skipped: tuple[str, ...] = ()


# --- where rescues live -------------------------------------------------------------------------


def rescue_dir(ws: Workspace) -> Path:
    return ws.state_dir / "rescue"


def ref_prefix(ws: Workspace, slug: str | None = None, repo: str | None = None) -> str:
    return "/".join([gitops.RESCUE_REFS, ws.name, *([slug] if slug else []), *([repo] if slug and repo else [])])


def ref_name(ws: Workspace, rescue_id: str, kind: Kind) -> str:
    slug, repo, n = rescue_id.split("/")
    return f"{ref_prefix(ws, slug, repo)}/{n}-{kind}"


def make_id(slug: str, repo: str, n: int) -> str:
    return f"{slug}/{repo}/{n}"


def parse_id(ws: Workspace, text: str) -> tuple[str, str, int]:
    """``<slug>/<repo>/<n>``, as `wtdock rescue list` prints it."""
    parts = text.split("/")
    if len(parts) != 3 or not parts[2].isdigit() or not parts[0] or ticket_slug(parts[0]) != parts[0]:
        raise UserError(f"{text!r} is not a rescue id", hint="ids look like feat-02/api/1: `wtdock rescue list`")
    if parts[1] not in ws.config.repos:
        raise NotFoundError(f"no rescue {text}: no repo {parts[1]!r} in {ws.config_file}")
    return parts[0], parts[1], int(parts[2])


def parse_ref(ws: Workspace, name: str) -> tuple[str, str, int, Kind] | None:
    """``(slug, repo, n, kind)`` of a rescue ref of ``ws``; None for anything else."""
    rest = name.removeprefix(ref_prefix(ws) + "/")
    parts = rest.split("/")
    if rest == name or len(parts) != 3:
        return None
    number, _, suffix = parts[2].partition("-")
    kind = next((k for k in REF_KINDS if k == suffix), None)
    return (parts[0], parts[1], int(number), kind) if number.isdigit() and kind else None


def manifests(ws: Workspace, slug: str | None = None) -> list[tuple[Path, Manifest]]:
    """Every ``rescue.json`` of the workspace (of one ticket), oldest first."""
    found = []
    for path in sorted(rescue_dir(ws).glob(f"{slug or '*'}/*/{MANIFEST}")):
        try:
            found.append((path, Manifest.model_validate_json(path.read_bytes().decode("utf-8"))))
        except (OSError, ValueError) as err:
            raise StateError(f"{path}: unreadable rescue record ({_problem(err)})",
                             hint="the refs it names are safe; move the file aside to go on") from err
    return found


def _problem(err: OSError | ValueError) -> str:
    """One line: pydantic's own message spans several."""
    if isinstance(err, UnicodeDecodeError):
        return f"not UTF-8 text: byte {err.start}"
    if isinstance(err, ValidationError):
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        return first["msg"] + (f" at {where}" if where else "")
    return err.strerror or str(err) if isinstance(err, OSError) else str(err)


def write_manifest(path: Path, manifest: Manifest) -> None:
    write_atomic(path, manifest.model_dump_json(indent=2) + "\n")


def repo_refs(ws: Workspace, repo: str, slug: str | None = None) -> list[gitops.Ref]:
    """The rescue refs of ``ws`` in ``repo``'s git (none when its checkout is gone)."""
    try:
        primary = gitops.toplevel(ws.repo_path(repo))
    except NotFoundError:
        return []
    return gitops.refs_under(primary, ref_prefix(ws, slug, repo))


def numbers_in_use(ws: Workspace, slug: str, repo: str) -> set[int]:
    """Numbers of rescues of ``slug`` in ``repo``: refs, and what earlier downs recorded."""
    used = {p[2] for r in repo_refs(ws, repo, slug) if (p := parse_ref(ws, r.name)) and p[1] == repo}
    used |= {int(i.id.rsplit("/", 1)[1]) for _, m in manifests(ws, slug) for i in m.items if i.repo == repo}
    return used


# --- the commands -------------------------------------------------------------------------------


def list_rescues(ctx: Context, ticket: str | None = None) -> list[Rescue]:
    """Every rescue of the workspace (or of one ticket), by ticket, repo and number."""
    ws = ctx.ws
    slug = ticket_slug(ticket) if ticket else None
    records = manifests(ws, slug)
    known = {item.id: (m, item) for _, m in records for item in m.items}
    found = []
    for repo in ws.config.repos:
        for ref in repo_refs(ws, repo, slug):
            parsed = parse_ref(ws, ref.name)
            if parsed is None or parsed[1] != repo:
                continue
            rescue_id = make_id(parsed[0], repo, parsed[2])
            manifest, item = known.get(rescue_id, (None, None))
            found.append(Rescue(
                rescue_id, manifest.ticket if manifest else parsed[0], repo, parsed[3],
                manifest.when if manifest else ref.date, item.summary if item else ref.subject,
                ref=ref.name, commit=ref.commit,
            ))
    for path, manifest in records:
        for item in manifest.items:
            if item.kind == "ignored files" and (path.parent / item.repo).is_dir():
                found.append(Rescue(item.id, manifest.ticket, item.repo, item.kind, manifest.when, item.summary,
                                    folder=path.parent / item.repo))
    return sorted(found, key=lambda r: (r.id.split("/")[0], r.repo, r.number))


def find(ctx: Context, rescue_id: str) -> Rescue:
    slug, _, _ = parse_id(ctx.ws, rescue_id)
    match = next((r for r in list_rescues(ctx, slug) if r.id == rescue_id), None)
    if match is None:
        raise NotFoundError(f"no rescue {rescue_id} in workspace {ctx.ws.name}", hint="`wtdock rescue list` lists them")
    return match


def show(ctx: Context, rescue_id: str) -> RescueDetail:
    """A commit's message and the files it changes, or the ignored files kept."""
    rescue = find(ctx, rescue_id)
    if rescue.folder is not None:
        item = _item(ctx.ws, rescue)
        return RescueDetail(rescue, f"ignored files of {rescue.repo}, kept in {rescue.folder}",
                            tuple(ignored.saved_files(rescue.folder)), tuple(item.left_out if item else ()))
    repo, sha = _primary(ctx.ws, rescue.repo), str(rescue.commit)
    changes = gitops.changed_files(repo, sha)
    return RescueDetail(rescue, gitops.commit_message(repo, sha), tuple(f"{s}  {p}" for s, p in changes))


def restore(ctx: Context, rescue_id: str, *, into: Path | None = None, branch: str | None = None) -> Restored:
    """A commit comes back as a new branch; uncommitted work as uncommitted changes in a clean
    worktree (3-way, conflicts marked, nothing overwritten), or with ``branch`` as a branch at its
    commit; ignored files as copies that never replace a file that exists."""
    rescue = find(ctx, rescue_id)
    with ctx.lock(f"ticket-{rescue.id.split('/')[0]}"):
        if rescue.kind == "commit" or branch is not None:
            if rescue.kind == "ignored files":
                raise UserError("ignored files come back into a worktree, not as a branch", hint="leave out --branch")
            if into is not None:
                raise UserError(f"--into and --branch: {rescue.id} comes back as a branch, not into a folder",
                                hint="leave out --into" if rescue.kind == "commit" else "give one of them")
            return _as_branch(ctx, rescue, branch)
        target = _target(ctx, rescue, into)
        if rescue.folder is not None:
            copied, skipped = ignored.restore(rescue.folder, target)
            return Restored(rescue, into=target, files=tuple(copied), skipped=tuple(skipped))
        return _apply(ctx, rescue, target)


def drop(ctx: Context, rescue_id: str) -> Rescue:
    """Forget a rescue: delete its ref (git's gc then prunes the commit) or its copied files."""
    rescue = find(ctx, rescue_id)
    slug = rescue.id.split("/")[0]
    with ctx.lock(f"ticket-{slug}"):
        if rescue.folder is not None:
            if not rescue.folder.resolve().is_relative_to(rescue_dir(ctx.ws).resolve()):
                raise RefusedError(f"{rescue.folder} is outside {rescue_dir(ctx.ws)}; not removing it")
            shutil.rmtree(rescue.folder)
        else:
            gitops.delete_ref(_primary(ctx.ws, rescue.repo), str(rescue.ref), str(rescue.commit))
        _tidy(ctx, slug)
    return rescue


# --- helpers ------------------------------------------------------------------------------------


def _primary(ws: Workspace, repo: str) -> Path:
    return gitops.toplevel(ws.repo_path(repo))


def _item(ws: Workspace, rescue: Rescue) -> Item | None:
    slug = rescue.id.split("/")[0]
    return next((i for _, m in manifests(ws, slug) for i in m.items if i.id == rescue.id), None)


def _as_branch(ctx: Context, rescue: Rescue, branch: str | None) -> Restored:
    slug, repo, n = rescue.id.split("/")
    name = branch or f"rescue/{slug}-{repo}-{n}"
    primary = _primary(ctx.ws, repo)
    gitops.check_branch_name(primary, name)
    if gitops.branch_exists(primary, name):
        raise UserError(f"branch {name!r} already exists in repo {repo}", hint="--branch NAME picks another name")
    if blocker := gitops.blocking_branch(primary, name):
        raise UserError(f"branch {name!r} cannot be created in repo {repo}: branch {blocker!r} exists",
                        hint="--branch NAME picks another name")
    gitops.create_branch(primary, name, str(rescue.commit))
    return Restored(rescue, branch=name)


def _target(ctx: Context, rescue: Rescue, into: Path | None) -> Path:
    """``--into``, or the worktree of the ticket, if it exists again."""
    if into is not None:
        path = into.expanduser().resolve()
        if not path.is_dir():
            raise NotFoundError(f"--into {into}: no such folder")
        return path
    record = ctx.registry.read().ticket(rescue.id.split("/")[0])
    rec = record.repos.get(rescue.repo) if record else None
    if rec is None or not Path(rec.path).is_dir():
        raise UserError(
            f"ticket {rescue.ticket} has no worktree of {rescue.repo} now: say where to restore {rescue.id}",
            hint=f"--into PATH (a worktree of {rescue.repo}), or `wtdock up {rescue.ticket}` first",
        )
    return Path(rec.path)


def _apply(ctx: Context, rescue: Rescue, target: Path) -> Restored:
    """Uncommitted work into a clean worktree of the same repo, as uncommitted changes."""
    primary, sha = _primary(ctx.ws, rescue.repo), str(rescue.commit)
    if gitops.common_git_dir(target) != gitops.common_git_dir(primary):
        raise UserError(f"--into {target}: not a worktree of repo {rescue.repo} ({primary})")
    if dirty := gitops.changed_paths(target):
        raise RefusedError(
            f"{target} has changes of its own: restoring {rescue.id} there could mix them up",
            details=[", ".join(dirty[:5]) + (f" (+{len(dirty) - 5} more)" if len(dirty) > 5 else "")],
            hint="commit or stash them first, or --into another worktree",
        )
    changes = gitops.changed_files(primary, sha)
    if clash := gitops.ignored_among(target, [p for s, p in changes if s == "A"]):
        raise RefusedError(f"{target} has ignored files that {rescue.id} would overwrite: {', '.join(clash[:5])}",
                           hint="move them aside first")
    conflicts = gitops.apply_uncommitted(target, sha)
    return Restored(rescue, into=target, files=tuple(f"{s}  {p}" for s, p in changes), conflicts=tuple(conflicts))


def _tidy(ctx: Context, slug: str) -> None:
    """Remove the records of a ticket's downs of which nothing is kept any more."""
    alive = {r.id for r in list_rescues(ctx, slug)}
    for path, manifest in manifests(ctx.ws, slug):
        if not any(item.id in alive for item in manifest.items):
            path.unlink()
            _remove_empty(path.parent)
    for folder in (rescue_dir(ctx.ws) / slug, rescue_dir(ctx.ws)):
        with contextlib.suppress(OSError):
            folder.rmdir()


def _remove_empty(folder: Path) -> None:
    """Empty folders below ``folder`` and itself; never a file."""
    for here, _, _ in sorted(os.walk(folder), key=lambda w: -len(w[0])):
        with contextlib.suppress(OSError):
            Path(here).rmdir()
