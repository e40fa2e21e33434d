"""Before a service starts: its dependency volumes (copied from one with the same inputs when there
is one), its setup commands (once per checkout, again when their inputs change) and its migrations
(on every start). All run through ``compose run`` of the service itself: its image, mounts,
environment, network and user."""

from __future__ import annotations

import glob
import hashlib
import json
import re
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

from wtdock import engine
from wtdock.config import Config
from wtdock.errors import SetupError
from wtdock.ops import trust
from wtdock.ops.context import Context
from wtdock.plan.compose import labels
from wtdock.plan.dependencies import CACHE_ENV, CACHE_MOUNT, cache_volume, dependency_volumes
from wtdock.registry import State

# Run as root in the service's image: copy a source volume into a new one and give both the
# dependency folders and the cache to the host user. Paths come as arguments, never in the script.
_OWN_SCRIPT = """set -eu
owner=$1; shift
if [ -n "$CACHE" ]; then chown "$owner" "$CACHE"; fi
while [ "$#" -gt 0 ]; do
  target=$1; from=$2; shift 2
  if [ "$from" != - ]; then cp -a "$from/." "$target/"; fi
  chown "$owner" "$target"
done
"""
QUIET_ENV = {"npm_config_update_notifier": "false", "NO_UPDATE_NOTIFIER": "1"}
_CERTIFICATE_TROUBLE = re.compile(
    r"SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT|unable to get local issuer certificate|"
    r"CERTIFICATE_VERIFY_FAILED|certificate verify failed|self[- ]signed certificate|"
    r"UNABLE_TO_VERIFY_LEAF_SIGNATURE|invalid peer certificate|server certificate verification failed",
    re.I,
)


@dataclass(frozen=True)
class Prepared:
    """What happened to one service before it started. ``setup``: ``ran``, ``up to date`` or
    ``none``; ``copied_from``: whose dependency volumes a new one was copied from."""

    service: str
    setup: str
    copied_from: str | None
    migrated: bool
    volumes: tuple[str, ...]


@dataclass(frozen=True)
class Target:
    """Whose services are prepared: a ticket (``owner`` its slug) or the shared project."""

    owner: str
    ticket: str | None  # the ticket's name; None for the shared project
    project: str
    file: Path
    checkouts: Mapping[str, Path]  # service -> the host path of the checkout it runs from
    images: Mapping[str, str] = field(default_factory=dict)  # service -> its image (a built one's tag)


def needs_preparing(config: Config, service: str) -> bool:
    svc = config.services[service]
    return bool(svc.setup or svc.migrate or svc.dependencies)


def prepare(
    ctx: Context,
    target: Target,
    services: Sequence[str],
    *,
    force_setup: bool = False,
    migrate: bool = True,
    before_commands: Callable[[], None] | None = None,
) -> list[Prepared]:
    """Prepare ``services`` of ``target`` in config order. A failure stops with :class:`SetupError`;
    what was done before it stays done, so the next `up` resumes at the failed step.
    ``before_commands`` runs once the volumes exist (Compose refuses a file naming a missing one)."""
    config = ctx.ws.config
    chosen = [s for s in config.services if s in services and needs_preparing(config, s)]
    if any(config.services[s].setup or config.services[s].migrate for s in chosen):
        trust.check_trusted(ctx.ws)
    made = {name: _volumes(ctx, target, name) for name in chosen}
    if before_commands is not None:
        try:
            before_commands()
        except BaseException:
            # Still empty and not yet the user's: made again (and owned) by the next try.
            volumes = {n: dependency_volumes(config, target.owner, n) for n in made}
            engine.remove_volumes([volumes[n][f] for n, folders in made.items() for f in folders])
            raise
    if len(chosen) < 2:
        return [_prepare_one(ctx, target, n, made[n], force_setup=force_setup, migrate=migrate) for n in chosen]
    # Services prepare side by side (each in its own containers, on its own volumes): a front-end's
    # install and an API's install and migrations overlap instead of adding up.
    with ThreadPoolExecutor(max_workers=len(chosen), thread_name_prefix="wtdock-prepare") as pool:
        futures = [
            pool.submit(_prepare_one, ctx, target, n, made[n], force_setup=force_setup, migrate=migrate)
            for n in chosen
        ]
        wait(futures)
    for future in futures:
        if (error := future.exception()) is not None:
            raise error  # the first service (in config order) that failed
    return [future.result() for future in futures]


def _volumes(ctx: Context, target: Target, name: str) -> list[str]:
    """Make the service's dependency volumes that do not exist yet; the folders made now."""
    config = ctx.ws.config
    workdir = target.checkouts[name] / config.services[name].workdir
    role = "shared" if target.ticket is None else "ticket"
    made = []
    for folder, volume in dependency_volumes(config, target.owner, name).items():
        # Made by the host user before the engine mounts over it: else the engine makes the empty
        # mount point, owned by root, in the user's worktree.
        (workdir / folder).mkdir(parents=True, exist_ok=True)
        # The same labels as the service's containers, so Docker Desktop's Volumes view (and
        # `docker volume ls --filter label=dev.wtdock.ticket=T`) groups them with the ticket.
        found = labels(config.name, role, ticket=target.ticket, service=name, dependency=folder,
                       repo=config.services[name].repo, worktree=str(target.checkouts[name]))
        if engine.ensure_volume(volume, found):
            made.append(folder)
    return made


def _prepare_one(
    ctx: Context, target: Target, name: str, made: list[str], *, force_setup: bool, migrate: bool
) -> Prepared:
    config = ctx.ws.config
    svc = config.services[name]
    digest = inputs_hash(config, name, target.checkouts[name] / svc.workdir, target.images.get(name))
    deps = dependency_volumes(config, target.owner, name)
    cache = cache_volume(config.name)
    cache_made = bool(svc.setup) and engine.ensure_volume(cache, labels(config.name, "cache"))
    copied_from = None
    done = _recorded(ctx.registry.read(), target.owner, name)
    # A setup that never finished may have been killed before its volumes were the user's.
    if made or cache_made or (svc.setup and done is None and deps):
        sources, copied_from = _sources(ctx, target.owner, name, digest) if made else ({}, None)
        _own(ctx, target, name, {deps[f]: sources.get(f) for f in made}, deps, with_cache=bool(svc.setup))
        if copied_from:
            copied = f"dependencies copied from {copied_from} (same inputs)"
            ctx.step(name, copied)
            ctx.done(name, copied)
    ran = "none"
    if svc.setup:
        if force_setup or done != digest or (made and not copied_from):
            _record(ctx, target.owner, name, None)  # under way: not a source to copy from
            for command in svc.setup:
                _run(ctx, target, name, command, "setup", cache=cache)
            _record(ctx, target.owner, name, digest)
            ran = "ran"
        else:
            ran = "up to date"
    if migrate:
        for command in svc.migrate:
            _run(ctx, target, name, command, "migrate", cache=None)
    return Prepared(name, ran, copied_from, bool(migrate and svc.migrate), tuple(deps.values()))


def inputs_hash(config: Config, name: str, workdir: Path, image: str | None = None) -> str:
    """What a service's setup depends on: its commands, its image (``image``: the one it runs, a
    built one's tag carrying its build inputs), and the files of ``inputs`` (globs relative to its
    workdir), by name and content."""
    svc = config.services[name]
    digest = hashlib.sha256()
    build = svc.build if isinstance(svc.build, str) or svc.build is None else svc.build.model_dump()
    runs = {"setup": svc.setup, "image": image or svc.image, "build": None if image else build}
    digest.update(json.dumps(runs, sort_keys=True).encode())
    for pattern in svc.inputs:
        # glob.glob, not Path.glob: it takes `**` and hidden files the way a user writes them.
        matches = sorted(glob.glob(pattern, root_dir=workdir, recursive=True, include_hidden=True))  # noqa: PTH207
        digest.update(f"\0{pattern}\0{len(matches)}".encode())
        for relative in matches:
            path = workdir / relative
            if path.is_file():
                digest.update(f"\0{relative}\0".encode())
                digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _recorded(state: State, owner: str, name: str) -> str | None:
    if owner == "shared":
        return state.shared.setup.get(name)
    record = state.tickets.get(owner)
    return None if record is None else record.setup.get(name)


def _record(ctx: Context, owner: str, name: str, digest: str | None) -> None:
    with ctx.registry.update() as state:
        done = state.shared.setup if owner == "shared" else state.tickets[owner].setup
        if digest is None:
            done.pop(name, None)
        else:
            done[name] = digest


def _sources(ctx: Context, owner: str, name: str, digest: str) -> tuple[dict[str, str], str | None]:
    """Dependency volumes of another ticket (or of the shared instance) whose setup finished with
    the same inputs: the dependency counterpart of the template database."""
    config = ctx.ws.config
    state = ctx.registry.read()
    owners = [("shared", "the shared instance")] if state.shared.setup.get(name) == digest else []
    owners += [(t.slug, f"ticket {t.name}") for t in state.tickets.values() if t.setup.get(name) == digest]
    existing = set(engine.volumes(f"dev.wtdock.workspace={config.name}", "dev.wtdock.dependency"))
    for other, who in owners:
        if other == owner:
            continue
        theirs = dependency_volumes(config, other, name)
        if theirs and all(v in existing for v in theirs.values()):
            return theirs, who
    return {}, None


def _own(
    ctx: Context, target: Target, name: str, made: Mapping[str, str | None], deps: Mapping[str, str], *,
    with_cache: bool,
) -> None:
    """One root container: copies into the new volumes and hands them (and the cache) to the host user."""
    config = ctx.ws.config
    mounts = [f"{cache_volume(config.name)}:{CACHE_MOUNT}"] if with_cache else []
    pairs: list[str] = []
    checkout = target.checkouts[name] / config.services[name].workdir
    by_volume = {v: f for f, v in deps.items()}
    for i, (volume, source) in enumerate(made.items()):
        if source is not None:
            mounts.append(f"{source}:/wtdock/from/{i}:ro")
        pairs += [str(checkout / by_volume[volume]), f"/wtdock/from/{i}" if source else "-"]
    owner = f"{ctx.user.uid}:{ctx.user.gid}"
    outcome = engine.compose_run(
        target.project, target.file, name, ["-c", _OWN_SCRIPT, "sh", owner, *pairs],
        user="0:0", entrypoint="sh", environment={"CACHE": CACHE_MOUNT if with_cache else ""},
        volumes=mounts,
        on_line=lambda line: ctx.output(name, line),
    )
    if outcome.code != 0:
        raise SetupError(
            f"{name}: preparing its dependency volumes failed (exit {outcome.code})",
            hint="the service's image needs `sh`, `cp` and `chown` for wtdock's dependency volumes",
            returncode=outcome.code, details=outcome.tail,
        )


def _run(ctx: Context, target: Target, name: str, command: list[str] | str, step: str, *, cache: str | None) -> None:
    argv = ["sh", "-c", command] if isinstance(command, str) else list(command)
    shown = command if isinstance(command, str) else " ".join(command)
    ctx.step(name, f"{step}: {shown}")
    # A notice per run that a newer npm exists is noise under wtdock's progress lines.
    environment = {**QUIET_ENV, **(CACHE_ENV if cache else {})}
    mounts = [f"{cache}:{CACHE_MOUNT}"] if cache else []
    outcome = engine.compose_run(
        target.project, target.file, name, argv, environment=environment, volumes=mounts,
        on_line=lambda line: ctx.output(name, line),
    )
    if outcome.code != 0:
        where = f"ticket {target.ticket}" if target.ticket else "the shared instance"
        hint = f"fix it and run `wtdock up` again: it resumes at this step ({where})"
        if ctx.ws.ca_bundle is None:
            hint += "; behind a proxy that re-signs TLS, an install needs `ca_bundle: auto` in wtdock.yaml"
        if _CERTIFICATE_TROUBLE.search("\n".join(outcome.tail)):
            hint = ("a TLS certificate was not trusted: behind a proxy that re-signs TLS, set `ca_bundle: auto` "
                    "(or the path of your company's CA bundle) in wtdock.yaml")
        raise SetupError(
            f"{name}: {step} `{shown}` exited {outcome.code}",
            hint=hint, command=argv, returncode=outcome.code, stdout="\n".join(outcome.tail),
            details=outcome.tail[-12:],
        )
    ctx.done(name, f"{step} done: {shown}")

