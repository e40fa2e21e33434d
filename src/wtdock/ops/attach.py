"""Commands that hand the terminal to a tool in a container: logs, exec, psql. Each returns the
tool's exit code; which containers they may reach is decided here, not in the CLI. With no terminal
(`wtdock mcp`), logs and exec have captured variants that return their last lines as data."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from wtdock import engine
from wtdock.errors import EngineError, NotFoundError, UserError
from wtdock.ops.context import Context
from wtdock.ops.records import ensure_file, find_record
from wtdock.ops.status import view
from wtdock.ops.views import TicketView

LINE_MAX = 2000  # characters of one captured line: a minified JSON log line must not fill an answer
OUTPUT_TAIL = 200  # lines of a captured command's output that its result keeps


def logs_args(service: str | None, *, follow: bool, tail: int | None = None) -> list[str]:
    last = ["--no-color", "--tail", str(tail)] if tail is not None else []
    return ["logs", *(["--follow"] if follow else []), *last, *([service] if service else [])]


@dataclass(frozen=True)
class LogsResult:
    """The last ``lines`` log lines of a ticket's containers (of one service, or all: ``service`` None)."""

    ticket: str
    service: str | None
    lines: list[str]


@dataclass(frozen=True)
class CommandOutput:
    """A command run in one of a ticket's own containers: its exit code and its last lines of output
    (stdout and stderr together, each line at most ``LINE_MAX`` characters)."""

    ticket: str
    service: str
    argv: list[str]
    exit_code: int
    output: list[str]


def _clip(line: str) -> str:
    return line if len(line) <= LINE_MAX else f"{line[:LINE_MAX]}... ({len(line) - LINE_MAX} more characters)"


def own_service(ctx: Context, ticket: str, service: str) -> TicketView:
    """The ticket, when ``service`` is one it runs itself (not the shared instance)."""
    found = view(ctx, ticket)
    match = next((s for s in found.services if s.service == service), None)
    if match is None:
        raise NotFoundError(f"no service {service!r} in {ctx.ws.config_file}")
    if not match.dedicated:
        raise UserError(
            f"ticket {found.name} uses the shared {service}",
            hint=f"`wtdock shared logs {service}`, or docker compose -p {ctx.ws.shared_project} exec {service} ...",
        )
    return found


def ticket_logs(ctx: Context, ticket: str, service: str | None, *, follow: bool) -> int:
    record = find_record(ctx, ticket)
    if service is not None:
        own_service(ctx, ticket, service)
    project = ctx.ws.ticket_project(record.slug)
    return engine.compose_attached(project, ensure_file(ctx, record), logs_args(service, follow=follow))


def ticket_logs_tail(ctx: Context, ticket: str, service: str | None, lines: int) -> LogsResult:
    """The last ``lines`` lines of the ticket's logs, captured (no terminal, no follow)."""
    record = find_record(ctx, ticket)
    if service is not None:
        own_service(ctx, ticket, service)
    project = ctx.ws.ticket_project(record.slug)
    args = logs_args(service, follow=False, tail=lines)
    done = engine.compose_captured(project, ensure_file(ctx, record), args, on_line=lambda _: None, tail=lines)
    if done.code != 0:
        raise EngineError(f"docker compose logs failed for {project}: {done.tail[-1] if done.tail else done.code}",
                          command=args, returncode=done.code, stderr="\n".join(done.tail))
    return LogsResult(record.name, service, [_clip(line) for line in done.tail])


def shared_logs(ctx: Context, service: str | None, *, follow: bool) -> int:
    from wtdock.ops.shared import ensure_compose_file
    from wtdock.plan.shared import infra_services, shared_instances

    known = [*infra_services(ctx.ws), *shared_instances(ctx.ws)]
    if service is not None and service not in known:
        # Checked like a ticket's service: an unknown value must not reach Compose (`-- --since=x`
        # would be read as its option).
        raise NotFoundError(f"no shared service {service!r} in workspace {ctx.ws.name}",
                            hint=f"shared services: {', '.join(known) or 'none'}")
    return engine.compose_attached(ctx.ws.shared_project, ensure_compose_file(ctx), logs_args(service, follow=follow))


def exec_in_ticket(ctx: Context, ticket: str, service: str, argv: Sequence[str]) -> int:
    """Run ``argv`` in one of the ticket's own containers, on this terminal."""
    found, file = _exec_target(ctx, ticket, service, argv, hint=f"wtdock exec {ticket} {service} -- CMD...")
    return engine.compose_attached(found.project, file, ["exec", service, *argv])


def _exec_target(ctx: Context, ticket: str, service: str, argv: Sequence[str], *, hint: str) -> tuple[TicketView, Path]:
    """The ticket and its compose file, when ``service`` is its own and there is a command."""
    if not argv:
        raise UserError("no command to run", hint=hint)
    found = own_service(ctx, ticket, service)
    return found, ensure_file(ctx, find_record(ctx, ticket))


def exec_captured(ctx: Context, ticket: str, service: str, argv: Sequence[str]) -> CommandOutput:
    """Run ``argv`` (a list, never a shell string) in one of the ticket's own containers with no
    terminal; each line it prints goes to ``ctx.output`` as it comes, the last ones to the result."""
    found, file = _exec_target(ctx, ticket, service, argv, hint="give the command as a list of arguments")
    done = engine.compose_captured(found.project, file, ["exec", "-T", service, *argv],
                                   on_line=lambda line: ctx.output(service, _clip(line)), tail=OUTPUT_TAIL)
    return CommandOutput(found.name, service, list(argv), done.code, [_clip(line) for line in done.tail])


def psql(ctx: Context, ticket: str | None) -> int:
    """An interactive psql on a ticket's database (or the base one) inside the shared Postgres."""
    from wtdock.ops.databases import psql_argv

    container, argv = psql_argv(ctx, find_record(ctx, ticket) if ticket else None)
    return engine.exec_interactive(container, argv)
