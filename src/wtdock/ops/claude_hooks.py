"""Claude Code's `WorktreeCreate` and `WorktreeRemove` hooks: a session's worktree is a whole
wtdock ticket, made by `up` and removed by `down` with its rules.

The contract (https://code.claude.com/docs/en/hooks#worktreecreate and #worktreeremove): a command
hook gets one JSON object on stdin; `WorktreeCreate` prints the absolute path of the worktree it
made on stdout and fails with a non-zero exit; `WorktreeRemove` gets that path as
``worktree_path``. The name of the worktree has come as ``worktree_name`` (the docs) and as
``name`` (what Claude Code 2.1.x sends: anthropics/claude-code#77566, #65646), so both are read.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wtdock import gitops
from wtdock.errors import NotFoundError, TicketNameError, UserError
from wtdock.names import MAX_TICKET_LENGTH, ticket_slug
from wtdock.ops.context import Context
from wtdock.ops.down import DownResult, down
from wtdock.ops.up import UpResult, up
from wtdock.ops.wait import wait
from wtdock.ops.worktree_steps import RepoRequest, base_ref, ticket_branch
from wtdock.registry import State, TicketRecord
from wtdock.workspace import Workspace

CREATE, REMOVE = "WorktreeCreate", "WorktreeRemove"
NAME_KEYS = ("worktree_name", "name")
BASE_KEYS = ("base_commit", "source_ref", "base_ref")  # optional; what the ticket branch starts from
_HINT = "Claude Code runs this as its {event} hook and sends one JSON object on stdin (see README.md)"


@dataclass(frozen=True)
class CreatePayload:
    name: str
    cwd: Path | None
    base: str | None


@dataclass(frozen=True)
class RemovePayload:
    worktree_path: Path
    cwd: Path | None


@dataclass(frozen=True)
class Created:
    """What `create` made: the ticket (by `up`) and the worktree the session goes into."""

    ticket: str
    path: Path
    up: UpResult


def first_object(lines: Iterable[str]) -> str:
    """The text of stdin up to the first complete JSON object: Claude Code need not close stdin
    after the payload, and a hook that reads to the end would wait for ever."""
    text = ""
    for line in lines:
        text += line
        try:
            json.loads(text)
        except ValueError:
            continue
        return text
    return text


def _object(text: str, event: str) -> dict[str, Any]:
    hint = _HINT.format(event=event)
    if not text.strip():
        raise UserError(f"{event} hook: no payload on stdin", hint=hint)
    try:
        found = json.loads(text)
    except ValueError as err:
        raise UserError(f"{event} hook: the payload on stdin is not JSON ({err})", hint=hint) from None
    if not isinstance(found, dict):
        raise UserError(f"{event} hook: the payload on stdin is not a JSON object", hint=hint)
    said = found.get("hook_event_name")
    if said is not None and said != event:
        other = "create" if said == CREATE else "remove"
        raise UserError(f"{event} hook: the payload is for {said!r}",
                        hint=f"the {said} hook runs `wtdock hook claude-code {other}`")
    return found


def _text(found: dict[str, Any], key: str, event: str) -> str | None:
    value = found.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise UserError(f"{event} hook: {key} in the payload is not a non-empty string: {value!r}",
                        hint=_HINT.format(event=event))
    return value


def _cwd(found: dict[str, Any], event: str) -> Path | None:
    cwd = _text(found, "cwd", event)
    return Path(cwd) if cwd else None


def parse_create(text: str) -> CreatePayload:
    found = _object(text, CREATE)
    names = {v for k in NAME_KEYS if (v := _text(found, k, CREATE)) is not None}
    if len(names) != 1:
        what = "names two different worktrees" if names else "has no worktree name"
        raise UserError(f"{CREATE} hook: the payload {what} ({' or '.join(NAME_KEYS)})",
                        hint=_HINT.format(event=CREATE))
    base = next((v for k in BASE_KEYS if (v := _text(found, k, CREATE)) is not None), None)
    return CreatePayload(names.pop(), _cwd(found, CREATE), base)


def parse_remove(text: str) -> RemovePayload:
    found = _object(text, REMOVE)
    path = _text(found, "worktree_path", REMOVE)
    if path is None or not Path(path).is_absolute():
        raise UserError(f"{REMOVE} hook: the payload has no absolute worktree_path",
                        hint=_HINT.format(event=REMOVE))
    return RemovePayload(Path(path), _cwd(found, REMOVE))


def ticket_name(worktree: str) -> str:
    """A valid ticket name for a worktree name: what wtdock refuses becomes ``-`` (doubled
    separators and dots are squeezed, the ends of each part trimmed); a name over the length limit
    keeps its start and gets a short hash of the whole, so two long names stay two tickets and the
    same name is always the same ticket."""
    parts = (re.sub(r"\.{2,}", ".", re.sub(r"[^A-Za-z0-9._-]+", "-", raw)) for raw in worktree.split("/"))
    trimmed = (re.sub(r"(\.lock)+$", "", part.strip(".-")).strip(".-") for part in parts)
    name = "/".join(part for part in trimmed if part)
    if len(name) > MAX_TICKET_LENGTH:
        digest = hashlib.sha256(worktree.encode()).hexdigest()[:7]
        name = f"{name[: MAX_TICKET_LENGTH - 8].rstrip('./-')}-{digest}"
    if not re.search(r"[A-Za-z0-9]", name):
        raise TicketNameError(f"worktree name {worktree!r} has no letters or digits to name a ticket",
                              hint="give the worktree a name such as feat-02 (`claude -w feat-02`)")
    ticket_slug(name)  # the reserved names stay refused
    return name


def session_repo(ws: Workspace, state: State, cwd: Path) -> str | None:
    """The repo the session runs in: the one whose checkout (its primary one, or a ticket's
    worktree of it) holds ``cwd``, the innermost when they nest (a monorepo's worktrees sit in its
    checkout). None for the workspace folder outside every repo; an error elsewhere."""
    real = cwd.resolve()
    checkouts = [(ws.repo_path(r), r) for r in ws.config.repos]
    checkouts += [(Path(rec.path).resolve(), r) for t in state.tickets.values() for r, rec in t.repos.items()]
    holding = [(len(path.parts), repo) for path, repo in checkouts if real.is_relative_to(path)]
    if holding:
        return max(holding)[1]
    if real.is_relative_to(ws.root):
        return None
    raise NotFoundError(
        f"the session's folder {cwd} is in no repo of workspace {ws.name}",
        hint=f"start Claude Code in one of its repos ({', '.join(ws.config.repos)}) or in {ws.root}",
    )


def _request(ws: Workspace, name: str, repo: str, base: str | None) -> RepoRequest:
    """The repo as `up --checkout` (the ticket branch a `down` kept) or `up --from` (a new ticket
    branch off the payload's base, else off ``repos.R.base`` or the repo's default branch)."""
    path = ws.repo_path(repo)
    branch = ticket_branch(ws, name)
    if gitops.branch_exists(path, branch):
        return RepoRequest(repo, "checkout", branch)
    return RepoRequest(repo, "from", base or base_ref(ws, repo, path))


def create(ctx: Context, payload: CreatePayload, cwd: Path) -> Created:
    """Make (or find) the ticket of the session's worktree: the session's repo branched as by
    `up --from` (off the payload's base, if any), from the workspace folder every repo, plus what
    the config makes every ticket run; started and healthy. Idempotent: again, it finds the ticket
    and its path."""
    ws = ctx.ws
    name = ticket_name(payload.name)
    state = ctx.registry.read()
    repo = session_repo(ws, state, cwd)
    existing = state.ticket(ticket_slug(name))
    have = set(existing.repos) if existing is not None else set()
    wanted = [repo] if repo is not None else list(ws.config.repos)
    if name != payload.name:
        ctx.say(f"worktree {payload.name}: ticket {name}")
    if repo is None and payload.base is not None:
        ctx.say(f"{name}: base {payload.base} left out: the session is in no repo, so each starts from its own base")
    requests = [_request(ws, name, r, payload.base if r == repo else None) for r in wanted if r not in have]
    made = up(ctx, name, requests)
    wait(ctx, name, ws.config.wait_timeout)
    record = ctx.registry.read().tickets[made.ticket.slug]
    path = Path(record.repos[repo].path) if repo is not None else ws.worktrees_dir / record.slug
    return Created(name, path.resolve(), made)


def ticket_at(ws: Workspace, state: State, path: Path) -> TicketRecord | None:
    """The ticket whose worktree (or folder of worktrees) is, or holds, ``path``."""
    real = path.resolve()
    for record in state.tickets.values():
        if record.test is not None:
            continue  # a test stack's is never a session's
        places = [Path(rec.path).resolve() for rec in record.repos.values()]
        if real == ws.worktrees_dir / record.slug or any(real.is_relative_to(p) for p in places):
            return record
    return None


def remove(ctx: Context, payload: RemovePayload) -> DownResult | None:
    """`down` of the ticket of the worktree, with its rules (work at risk: refused, nothing
    removed). None when there is nothing left to remove: Claude Code asks again for a worktree
    that is gone, and a failure would keep its session for ever."""
    ws = ctx.ws
    record = ticket_at(ws, ctx.registry.read(), payload.worktree_path)
    if record is not None:
        return down(ctx, record.name, keep_worktrees=False, force=False, drop_data=False)
    if not payload.worktree_path.exists():
        ctx.say(f"{payload.worktree_path}: no ticket and no folder; nothing to remove")
        return None
    raise NotFoundError(
        f"{payload.worktree_path} is no worktree of a ticket of workspace {ws.name}",
        hint="wtdock removes only what it made; `wtdock ps` lists its tickets",
    )
