"""Each tool's `--json` fields (as the CLI emits them) and a short text with what the CLI prints,
for clients that show a tool's text and not its structured content."""

from __future__ import annotations

from typing import Any

from wtdock.ops.attach import CommandOutput, LogsResult
from wtdock.ops.down import DownResult, StopResult
from wtdock.ops.status import Urls
from wtdock.ops.up import UpResult
from wtdock.ops.views import TicketView

Answer = tuple[Any, str]


def _services(view: TicketView) -> list[str]:
    return [f"  {s.service}: {s.url or '-'} ({f'branch {s.branch}' if s.dedicated else 'shared'})"
            for s in view.services]


def up(result: UpResult) -> Answer:
    head = f"{result.ticket.name}: {result.action} (project {result.ticket.project})"
    return result, "\n".join([*(f"note: {n}" for n in result.notices), head, *_services(result.ticket)])


def ps(views: list[TicketView]) -> Answer:
    lines = [line for v in views for line in (f"{v.name}: {v.status}", *_services(v))]
    return {"tickets": views}, "\n".join(lines) or "no tickets yet: `up` makes one"


def env(found: TicketView, values: dict[str, str]) -> Answer:
    return {"ticket": found, "env": values}, "\n".join(f"{k}={v}" for k, v in values.items())


def url(found: Urls) -> Answer:
    return found, "\n".join(f"{service}: {value or '-'}" for service, value in found.urls.items())


def logs(found: LogsResult) -> Answer:
    return found, "\n".join(found.lines) or "no log lines"


def command(done: CommandOutput) -> Answer:
    head = f"{' '.join(done.argv)} in {done.ticket}/{done.service}: exit code {done.exit_code}"
    return done, "\n".join([head, *done.output])


def stop(result: StopResult) -> Answer:
    return result, f"stopped {result.project}"


def down(result: DownResult) -> Answer:
    lines = [f"  removed {d}" for d in result.removed] + [f"  kept    {d}" for d in result.kept]
    return result, "\n".join([f"{result.ticket}: down", *lines])


def db_reset(ticket: str, database: str) -> Answer:
    return {"ticket": ticket, "database": database}, f"{database}: cloned again from the template"
