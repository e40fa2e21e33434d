"""Images built from a context follow the code: each is tagged with a hash of its build inputs
(the Dockerfile, and the context's files as `.dockerignore` leaves them: names, the executable bit,
contents), so a changed Dockerfile or context is a new tag, built on the next `up`, which says so.

Hashing reads files, so it happens here and the planner gets the tags as data (``images``)."""

from __future__ import annotations

import hashlib
import stat
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from wtdock import engine
from wtdock.errors import UserError
from wtdock.ops.context import Context
from wtdock.ops.drift import StartReason
from wtdock.plan.app import BuildSource, build_source
from wtdock.plan.model import Checkout
from wtdock.workspace import Workspace

HASH_LENGTH = 12
_CHUNK = 1 << 20


def repository(ws: Workspace, service: str) -> str:
    return f"wtdock/{ws.name}-{service}"


def image_tags(ws: Workspace, checkouts: Mapping[str, Checkout], services: Iterable[str]) -> dict[str, str]:
    """The tag of each built service among ``services``, its build context taken from ``checkouts``
    (a ticket's worktrees, or the primary checkouts)."""
    tags = {}
    for name in services:
        source = build_source(ws.config, ws.root, name, checkouts)
        if source is not None:
            tags[name] = f"{repository(ws, name)}:{inputs_hash(source, f'services.{name}.build')}"
    return tags


def inputs_hash(source: BuildSource, key: str = "build") -> str:
    """A hash of what a build of ``source`` reads: the Dockerfile's name and contents (also when it
    lies outside the context), and every path the engine would be sent."""
    if not source.context.is_dir():
        raise UserError(f"{key}: the build context {source.context} is not a folder")
    digest = hashlib.sha256()
    dockerfile = source.dockerfile or "Dockerfile"
    digest.update(f"dockerfile {dockerfile}\0".encode())
    _add_file(digest, source.context / dockerfile)
    for relative in engine.context_files(source.context, source.dockerfile):
        _add_path(digest, source.context, relative)
    return digest.hexdigest()[:HASH_LENGTH]


def _add_path(digest: Any, context: Path, relative: str) -> None:
    path = context / relative
    try:
        info = path.lstat()
    except FileNotFoundError:
        return  # removed while we walked: the next `up` sees the tree as it is then
    if stat.S_ISLNK(info.st_mode):
        digest.update(f"link {relative} -> {path.readlink()}\0".encode())
    elif stat.S_ISDIR(info.st_mode):
        digest.update(f"dir {relative}\0".encode())
    elif stat.S_ISREG(info.st_mode):
        executable = "x" if info.st_mode & stat.S_IXUSR else "-"
        digest.update(f"file {relative} {executable}\0".encode())
        _add_file(digest, path)


def _add_file(digest: Any, path: Path) -> None:
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(_CHUNK):
                digest.update(chunk)
    except (FileNotFoundError, IsADirectoryError):
        digest.update(b"\0missing\0")
    digest.update(b"\0end\0")


def ensure_images(
    ctx: Context, project: str, file: Path, services: Mapping[str, Mapping[str, Any]], *, force: bool
) -> tuple[str, ...]:
    """Build each built service of ``file`` whose tagged image is missing (every one with
    ``force``: `up --build`), its output streamed as progress lines. Returns the services whose
    image changed."""
    changed = []
    for name, service in services.items():
        if "build" not in service:
            continue
        tag = str(service["image"])
        before = engine.image_id(tag)
        if before is not None and not force:
            continue
        older = [t for t in engine.image_tags(tag.rsplit(":", 1)[0]) if t != tag]
        why = "--build" if force else "Dockerfile or context changed" if older else "first build"
        ctx.step(name, f"building image {tag} ({why})")
        engine.compose_build(project, file, name, _progress(ctx, name))
        if engine.image_id(tag) != before:
            changed.append(name)
        ctx.done(name, f"built image {tag}")
        if older and not force:
            ctx.say(f"{name}: older image(s) left for tickets that may still run them: {', '.join(older)} "
                    "(`docker image rm` removes one no container uses)")
    return tuple(changed)


def _progress(ctx: Context, name: str) -> Callable[[str], None]:
    return lambda line: ctx.output(name, line)


def rebuilt_reason(services: Iterable[str]) -> StartReason | None:
    """Why a project that runs its config is restarted anyway: images rebuilt under their tags."""
    said = tuple(f"{name}: image rebuilt" for name in services)
    return StartReason("changed", said) if said else None
