"""`wtdock gc`: find, and when asked remove, what lost its owner."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from wtdock import engine, gitops
from wtdock.config.load import CONFIG_NAME
from wtdock.errors import GitError, NotFoundError, RefusedError, UnavailableError, WtdockError
from wtdock.locks import locked
from wtdock.names import ticket_slug
from wtdock.ops import network
from wtdock.ops.context import Context
from wtdock.ops.repair import evidence
from wtdock.ops.worktree_steps import lock_reason, locked_by_wtdock
from wtdock.plan.model import LABEL_DEPENDENCY, LABEL_ROLE, LABEL_ROOT, LABEL_TICKET, LABEL_WORKSPACE


@dataclass
class Orphan:
    kind: str
    what: str
    fix: Callable[[], None] | None = field(repr=False)  # None: only reported, never removed
    removed: bool = False
    error: str | None = None
    done: str = "removed"


@dataclass(frozen=True)
class Found:
    """One thing gc found: ``outcome`` is found (not asked to fix), removed, unlocked (yours now),
    kept (reported only, never removed) or failed (``error`` says why)."""

    kind: str
    what: str
    outcome: str
    error: str | None = None


@dataclass(frozen=True)
class GcResult:
    applied: bool
    found: tuple[Found, ...]

    def failure(self) -> WtdockError | None:
        """The error `gc --yes` ends with when something could not be cleaned up."""
        failed = [f for f in self.found if f.error]
        if not failed:
            return None
        return UnavailableError(f"{len(failed)} could not be cleaned up", details=[f.error or "" for f in failed])


def gc(ctx: Context, *, apply: bool) -> GcResult:
    """Find (and with ``apply`` fix) what lost its owner."""
    orphans = _find(ctx, apply=apply)
    return GcResult(apply, tuple(Found(o.kind, o.what, _outcome(o), o.error) for o in orphans))


def _outcome(orphan: Orphan) -> str:
    if orphan.error:
        return "failed"
    if orphan.fix is None:
        return orphan.done
    return orphan.done if orphan.removed else "found"


def _find(ctx: Context, *, apply: bool) -> list[Orphan]:
    found = engine.network_info(ctx.ws.network)
    # Another folder that still holds a workspace of this name owns its containers and network: this
    # folder (whose `up` is refused) has none of its own, and must not take theirs for orphans.
    elsewhere = found is not None and _owned_elsewhere(ctx, found)
    living = _unregistered(ctx)
    orphans = [*living.values(), *([] if elsewhere else _orphan_containers(ctx, set(living)))]
    orphans += [] if elsewhere else _orphan_volumes(ctx, set(living))
    orphans += [*_lost_tickets(ctx), *_stale_metadata(ctx)]
    with contextlib.suppress(NotFoundError):
        orphans += _unowned_worktrees(ctx, set(living))
    if found is not None and not elsewhere:
        orphans += _unused_network(ctx, found)
    orphans += _stale_locks(ctx, set(living))
    orphans += _test_leftovers(ctx)
    if apply:
        for orphan in orphans:
            if orphan.fix is None:
                continue
            # One that cannot be fixed (git refuses, a container is gone already) stops no other.
            try:
                orphan.fix()
                orphan.removed = True
            except WtdockError as err:
                orphan.error = err.message
    return orphans


def _unregistered(ctx: Context) -> dict[str, Orphan]:
    """Tickets the registry does not know but that still live: their containers or compose files
    AND a worktree wtdock locked for them. The registry was lost or emptied, not the tickets:
    removing their containers (or unlocking their worktrees) would break running work."""
    known = {t.name for t in ctx.registry.read().tickets.values()}
    found = {}
    for name, seen in sorted(evidence(ctx).items()):
        if name not in known and seen.worktrees and seen.sources - {"worktrees"}:
            found[name] = Orphan(
                "unregistered ticket",
                f"ticket {name}: {', '.join(sorted(seen.sources))} but no registry entry "
                "(`wtdock repair` brings it back)",
                None,
                done="kept",
            )
    return found


def _orphan_containers(ctx: Context, living: set[str]) -> list[Orphan]:
    """Ticket containers of this workspace whose ticket is not in the registry and not alive."""
    ws = ctx.ws
    known = {ws.ticket_project(slug) for slug in ctx.registry.read().tickets}
    projects: dict[str, list[str]] = {}
    for c in engine.containers(f"{LABEL_WORKSPACE}={ws.name}", f"{LABEL_ROLE}=ticket"):
        if c.project not in known and c.labels.get(LABEL_TICKET) not in living:
            projects.setdefault(c.project, []).append(c.name)
    return [
        Orphan("containers", f"{project}: {', '.join(sorted(names))} (no ticket in the registry)",
               _remover(project))
        for project, names in sorted(projects.items())
    ]


def _orphan_volumes(ctx: Context, living: set[str]) -> list[Orphan]:
    """Dependency volumes of tickets that are gone (a `down` killed between its steps): rebuilt by
    any setup, never anyone's work."""
    ws = ctx.ws
    known = {t.name for t in ctx.registry.read().tickets.values()} | living
    orphans = []
    for volume in engine.volume_labels(f"{LABEL_WORKSPACE}={ws.name}", f"{LABEL_ROLE}=ticket", LABEL_DEPENDENCY):
        ticket = volume.labels.get(LABEL_TICKET)
        if ticket not in known:
            orphans.append(Orphan("dependency volume", f"{volume.name} (ticket {ticket} is gone)",
                                  _volume_remover(volume.name)))
    return orphans


def _volume_remover(name: str) -> Callable[[], None]:
    def remove() -> None:
        engine.remove_volumes([name])

    return remove


def _remover(project: str) -> Callable[[], None]:
    return lambda: engine.remove_project(project)


def _lost_tickets(ctx: Context) -> list[Orphan]:
    """Registry entries none of whose worktrees exist any more."""
    found = []
    for record in ctx.registry.read().tickets.values():
        if record.repos and not any(Path(r.path).is_dir() for r in record.repos.values()):
            found.append(
                Orphan("registry entry", f"ticket {record.name}: its worktrees are gone (branches stay)",
                       _forgetter(ctx, record.slug))
            )
    return found


def _forgetter(ctx: Context, slug: str) -> Callable[[], None]:
    def forget() -> None:
        with ctx.lock(f"ticket-{slug}"):
            engine.remove_project(ctx.ws.ticket_project(slug))
            with ctx.registry.update() as state:
                state.tickets.pop(slug, None)
            (ctx.ws.lock_dir / f"ticket-{slug}.lock").unlink(missing_ok=True)  # held: no one else is in it

    return forget


def _unowned_worktrees(ctx: Context, living: set[str]) -> list[Orphan]:
    """Worktrees wtdock made and locked for a ticket it no longer knows (an `up` killed half-way,
    or an undo that git refused). They may hold work: gc only unlocks them, never removes them."""
    ws = ctx.ws
    # A ticket that exists may be half-way through an `up` that has not recorded its worktree yet,
    # or have been killed there (its next `up` takes the worktree over): only a gone ticket's count.
    alive = {lock_reason(ws, t) for t in {t.name for t in ctx.registry.read().tickets.values()} | living}
    found = []
    for repo in ws.config.repos:
        repo_path = gitops.toplevel(ws.repo_path(repo))
        for wt in gitops.worktrees(repo_path)[1:]:
            if locked_by_wtdock(wt.locked, ws) and wt.path.exists() and wt.locked not in alive:
                found.append(Orphan("worktree", f"{repo}: {wt.path} ({wt.locked}; no such ticket now)",
                                    _unlocker(repo_path, wt.path), done="unlocked (yours now)"))
    return found


def _unlocker(repo_path: Path, path: Path) -> Callable[[], None]:
    return lambda: gitops.unlock_worktree(repo_path, path)


def _stale_metadata(ctx: Context) -> list[Orphan]:
    """git worktree entries of wtdock's (locked by it) or unlocked ones whose folder is gone."""
    found = []
    for repo in ctx.ws.config.repos:
        try:
            repo_path = gitops.toplevel(ctx.ws.repo_path(repo))
        except NotFoundError:
            continue
        for wt in gitops.worktrees(repo_path)[1:]:
            ours = locked_by_wtdock(wt.locked)
            if not wt.path.exists() and (ours or wt.locked is None):
                found.append(Orphan("worktree metadata", f"{repo}: {wt.path} (folder is gone)",
                                    _pruner(repo_path, wt.path, ours)))
    return found


def _pruner(repo_path: Path, path: Path, locked_by_us: bool) -> Callable[[], None]:
    def prune() -> None:
        if locked_by_us:
            with contextlib.suppress(GitError):
                gitops.unlock_worktree(repo_path, path)
        gitops.prune(repo_path)

    return prune


def _owned_elsewhere(ctx: Context, found: engine.NetworkInfo) -> bool:
    owner = found.labels.get(LABEL_ROOT)
    return owner is not None and owner != str(ctx.ws.root) and network.owner_is_alive(found.labels, ctx.ws.name)


def _unused_network(ctx: Context, found: engine.NetworkInfo) -> list[Orphan]:
    """The workspace network when a folder that is gone made it (its name would be refused to a new
    folder otherwise), or when nothing at all is on it (what a `shared down` of an older wtdock left)."""
    ws = ctx.ws
    owner = found.labels.get(LABEL_ROOT)
    mine = owner is None or owner == str(ws.root)
    on_it = network.attached(ws)
    if mine and on_it:
        return []
    why = "nothing is on it" if mine else f"made by the workspace that was in {owner}, whose {CONFIG_NAME} is gone"
    if on_it:
        why += f"; {len(on_it)} container(s) still on it"
    return [Orphan("network", f"{ws.network} ({why}; `up` makes it again)", _network_remover(ctx))]


def _network_remover(ctx: Context) -> Callable[[], None]:
    def remove() -> None:
        # As `shared down` does it: no `up` may be between its network check and its containers.
        with ctx.using_shared(exclusive=True), ctx.lock("shared"):
            on_it = network.attached(ctx.ws)
            if on_it or not engine.remove_network(ctx.ws.network):
                raise RefusedError(f"network {ctx.ws.network} is in use by {len(on_it)} container(s)",
                                   hint="`wtdock shared down --force`, or remove them")

    return remove


def _stale_locks(ctx: Context, living: set[str]) -> list[Orphan]:
    """Lock files of tickets that are gone (`down` leaves its ticket's lock file: another command
    may be waiting on it); not of a ticket that lives unregistered."""
    folder = ctx.ws.lock_dir
    known = set(ctx.registry.read().tickets) | {ticket_slug(name) for name in living}
    stale = sorted(
        f for f in (folder.glob("ticket-*.lock") if folder.is_dir() else ())
        if f.name.removeprefix("ticket-").removesuffix(".lock") not in known
    )
    if not stale:
        return []
    names = ", ".join(f.name for f in stale[:5]) + (f" (+{len(stale) - 5} more)" if len(stale) > 5 else "")
    return [Orphan("lock files", f"{len(stale)} of tickets that are gone: {names}", _lock_pruner(ctx, stale))]


def _lock_pruner(ctx: Context, files: list[Path]) -> Callable[[], None]:
    def prune() -> None:
        for file in files:
            slug = file.name.removeprefix("ticket-").removesuffix(".lock")
            # Held while it is removed, and only when no `up` of that ticket holds it or made it
            # meanwhile: an `up` takes the lock before its registry entry exists.
            with contextlib.suppress(UnavailableError), locked(file, timeout=0):
                if ctx.registry.read().ticket(slug) is None:
                    file.unlink(missing_ok=True)

    return prune


def _test_leftovers(ctx: Context) -> list[Orphan]:
    """What test sessions whose process is gone (a killed pytest or `wtdock test`) left: stacks,
    containers, databases. A live session's are never touched; a stack kept with --wtdock-keep stays."""
    from wtdock.ops import test_databases
    from wtdock.ops.test_sessions import TestSession
    from wtdock.ops.test_stacks import orphan_stacks, stack_down
    from wtdock.testing.containers import orphan_test_containers, remove_test_containers

    found = [
        Orphan("test stack", f"{r.name} (its test session {r.test.session if r.test else ''} is gone)",
               _bound(stack_down, ctx, r.name))
        for r in orphan_stacks(ctx)
    ]
    sessions: dict[TestSession, list[str]] = {}
    for name, session in orphan_test_containers(ctx.ws.name):
        sessions.setdefault(session, []).append(name)
    found += [
        Orphan("test containers", f"{', '.join(sorted(names))} (test session {session.tag} is gone)",
               _bound(remove_test_containers, ctx.ws.name, session))
        for session, names in sorted(sessions.items(), key=lambda item: item[0].tag)
    ]
    with contextlib.suppress(UnavailableError):  # no shared Postgres running: no databases to look at
        found += [
            Orphan("test database", f"{name} (test session {session.tag} is gone)",
                   _bound(test_databases.drop_test_database, ctx, name))
            for name, session in test_databases.orphan_test_databases(ctx)
        ]
    return found


def _bound(fix: Callable[..., object], *args: object) -> Callable[[], None]:
    def run() -> None:
        fix(*args)

    return run
