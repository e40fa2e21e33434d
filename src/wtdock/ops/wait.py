"""`wtdock wait` and `wtdock brief`: for orchestrators that start a ticket in the background, and
for an agent's context."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass

from wtdock.errors import UnavailableError
from wtdock.ops.context import Context
from wtdock.ops.records import find_record
from wtdock.ops.views import TicketView, ticket_view, workspace_containers

POLL = 0.5  # seconds between engine queries: one label-filtered listing each


@dataclass(frozen=True)
class WaitResult:
    ticket: TicketView
    waited: float  # seconds


def healthy(view: TicketView) -> bool:
    """Every container of the ticket's own runs and passes its healthcheck (if it has one), and every
    shared service it uses runs."""
    own = [s for s in view.services if s.dedicated]
    return view.status == "running" and all(s.health in (None, "", "healthy") for s in own)


def wait(ctx: Context, name: str, timeout: float) -> WaitResult:
    """Block until the ticket is healthy; an UnavailableError (exit 4) naming what is not, after
    ``timeout`` seconds."""
    record = find_record(ctx, name)
    start = time.monotonic()
    while True:
        view = ticket_view(ctx.ws, ctx.registry.read(), record, workspace_containers(ctx.ws))
        if healthy(view):
            return WaitResult(view, round(time.monotonic() - start, 2))
        if time.monotonic() - start >= timeout:
            raise UnavailableError(
                f"ticket {view.name} is not healthy after {timeout:g} s ({view.status}: {_states(view)})",
                details=view.problems,
                hint=f"`wtdock logs {view.name}` shows why; `wtdock up {view.name}` starts what is stopped",
            )
        time.sleep(POLL)


def _states(view: TicketView) -> str:
    own = [s for s in view.services if s.dedicated]
    return ", ".join(f"{s.service} {s.state or 'missing'}" + (f" ({s.health})" if s.health else "") for s in own)


def brief(view: TicketView, env: Mapping[str, str], workspace: str) -> str:
    """A short Markdown description of a ticket for an agent's context: URLs, data, tests, logs, and
    the rules that keep work safe."""
    name = view.name
    lines = [f"# Ticket {name} (wtdock workspace {workspace})", ""]
    problems = f" Problems: {'; '.join(view.problems)}." if view.problems else ""
    lines.append(f"Status: {view.status or 'unknown'}.{problems}")
    lines += ["", "## Services", ""]
    for svc in view.services:
        where = f"its own, branch {svc.branch}" if svc.dedicated else "the shared instance"
        lines.append(f"- {svc.service}: {svc.url or 'no URL'} ({where})"
                     + (f"; from containers {svc.internal_url}" if svc.internal_url else ""))
    lines += ["", "## Code", ""]
    lines += [f"- {r.repo}: `{r.path}` (branch {r.branch or 'detached'})" for r in view.repos]
    lines += ["", "## Data", ""]
    if "DATABASE_URL" in env:
        database = view.database or "the base database"
        lines.append(f"- Postgres database `{database}`: `DATABASE_URL={env['DATABASE_URL']}`")
    if "REDIS_URL" in env:
        lines.append(f"- Redis database {view.redis_db or 0}: `REDIS_URL={env['REDIS_URL']}`")
    if view.events_prefix:
        lines.append(f"- Event stream prefix `{view.events_prefix}`")
    lines.append(f"- Every setting: `wtdock env {name}` (`--dotenv` for KEY=value lines)")
    lines += [
        "", "## Tests", "",
        f"- `wtdock test {name} -- CMD` runs CMD with these settings; `--in SERVICE` inside a container;"
        " `--isolated` against a throwaway copy of this stack, removed afterwards.",
        "- pytest in a worktree: the fixtures `wtdock_ticket`, `wtdock_database` (one per xdist worker),"
        " `wtdock_stack`.",
        "", "## Logs", "",
        f"- `wtdock logs {name} [SERVICE] [-f]`; `wtdock exec {name} SERVICE -- CMD`",
        "", "## Rules", "",
        f"- `wtdock down {name}` refuses while a worktree holds uncommitted files or unpushed commits: commit"
        " and push first. Never delete a worktree by hand.",
    ]
    return "\n".join(lines) + "\n"
