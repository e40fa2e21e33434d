"""Throwaway test stacks: a ticket named ``test-<session>`` that runs the code under test as it is
on disk (the checkouts of the ticket the tests run in, uncommitted changes included) with its own
ports, database, Redis number and event prefix. It borrows those checkouts: it owns no git objects
and never removes a worktree. Given refs, it makes detached worktrees of its own instead."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from wtdock import gitops
from wtdock.errors import NotFoundError, UserError
from wtdock.names import ticket_slug
from wtdock.ops.choices import ServiceChoice
from wtdock.ops.context import Context
from wtdock.ops.down import DownResult, down
from wtdock.ops.records import find_record
from wtdock.ops.status import ticket_here
from wtdock.ops.test_sessions import TestSession
from wtdock.ops.up import UpResult, up
from wtdock.ops.worktree_steps import RepoRequest
from wtdock.registry import TestRecord, TicketRecord

PREFIX = "test-"


@dataclass(frozen=True)
class StackResult:
    """A test stack that is up, and the ticket whose checkouts it runs (None: checkouts found from
    the folder, or refs)."""

    up: UpResult
    parent: str | None


def stack_name(session: TestSession, key: str = "") -> str:
    """``test-<session id>``, plus ``-<key>`` for a session's further stacks (other refs)."""
    return f"{PREFIX}{session.id}" + (f"-{key}" if key else "")


def stack_up(
    ctx: Context, session: TestSession, *, cwd: Path, parent: str | None = None,
    refs: Mapping[str, str] | None = None, key: str = "",
) -> StackResult:
    """Bring up (or, when another worker did, find running) the session's stack. ``parent``: the
    ticket whose checkouts and choices it takes; None: the ticket whose worktree holds ``cwd``, else
    the checkout of a workspace repo that holds ``cwd``, else (in the workspace folder) every repo's
    primary checkout. ``refs``: repo -> ref, run from a detached
    worktree of the stack's own instead."""
    record = find_record(ctx, parent) if parent else _ticket_at(ctx, cwd)
    if record is not None and record.test is not None:
        raise UserError(f"ticket {record.name} is itself a test stack", hint="run the tests in a ticket's worktree")
    refs = dict(refs or {})
    for repo in refs:
        if repo not in ctx.ws.config.repos:
            raise NotFoundError(f"refs: no repo {repo!r} in {ctx.ws.config_file}",
                                hint=f"repos: {', '.join(ctx.ws.config.repos)}")
    checkouts = {r: Path(rec.path) for r, rec in record.repos.items()} if record else _checkouts_at(ctx, cwd)
    requests = [RepoRequest(repo, "detach", ref) for repo, ref in refs.items()]
    requests += [RepoRequest(repo, "borrow", str(path)) for repo, path in checkouts.items() if repo not in refs]
    if not requests:
        raise UserError(
            f"{cwd} is outside workspace {ctx.ws.name}: in no ticket's worktree and no checkout of its repos",
            hint="run it inside a ticket's worktree, a repo's checkout or the workspace folder, or name a ticket",
        )
    asked = [ServiceChoice(svc, choice) for svc, choice in record.choices.items()] if record else []
    test = TestRecord(session=session.tag, parent=record.name if record else None)
    result = up(ctx, stack_name(session, key), requests, asked, test=test)
    return StackResult(result, record.name if record else None)


def _ticket_at(ctx: Context, cwd: Path) -> TicketRecord | None:
    with contextlib.suppress(NotFoundError):
        return ticket_here(ctx, cwd)
    return None


def _checkouts_at(ctx: Context, cwd: Path) -> dict[str, Path]:
    """The checkout (primary or a worktree) of each workspace repo that holds ``cwd``; in the
    workspace folder but in none of them (CI's usual place), every repo's primary checkout."""
    here = cwd.resolve()
    found, primary = {}, {}
    for repo in ctx.ws.config.repos:
        with contextlib.suppress(NotFoundError):
            checkouts = gitops.worktrees(gitops.toplevel(ctx.ws.repo_path(repo)))
            primary[repo] = checkouts[0].path
            # The deepest: a monorepo's worktrees may sit inside its primary checkout.
            holding = [w.path for w in checkouts if here.is_relative_to(w.path.resolve())]
            if holding:
                found[repo] = max(holding, key=lambda p: len(p.resolve().parts))
    if not found and here.is_relative_to(ctx.ws.root.resolve()):
        return primary
    return found


def stack_down(ctx: Context, name: str) -> DownResult:
    """Remove a test stack and its data (no dump: it was throwaway). Its borrowed checkouts stay
    untouched; a detached worktree of its own holding files the tests wrote is refused like any
    ticket's, so that nothing is lost."""
    record = find_record(ctx, name)
    if record.test is None:
        raise UserError(f"ticket {name} is not a test stack", hint=f"`wtdock down {name}`")
    return down(ctx, name, keep_worktrees=False, force=False, drop_data=True, dump=False)


def session_stacks(ctx: Context, session: TestSession) -> list[TicketRecord]:
    return [r for r in ctx.registry.read().tickets.values() if r.test is not None and r.test.session == session.tag]


def keep_stack(ctx: Context, name: str) -> None:
    """``--wtdock-keep``: the stack outlives its session; gc leaves it alone."""
    with ctx.registry.update() as state:
        record = state.tickets.get(ticket_slug(name))
        if record is not None and record.test is not None:
            record.test = record.test.model_copy(update={"kept": True})


def orphan_stacks(ctx: Context) -> list[TicketRecord]:
    """Test stacks whose session's process is gone (a killed pytest), unless kept on purpose."""
    found = []
    for record in ctx.registry.read().tickets.values():
        if record.test is None or record.test.kept:
            continue
        session = TestSession.parse(record.test.session)
        if session is None or not session.alive():
            found.append(record)
    return found
