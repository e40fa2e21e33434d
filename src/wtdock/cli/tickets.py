"""Ticket commands: up, ps, stop, down, url, env, logs, exec, render, gc, test."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from wtdock.cli.common import context, split_pairs
from wtdock.cli.output import echo, emit, table

if TYPE_CHECKING:
    from wtdock.ops.views import ServiceView, TicketView

Ticket = Annotated[str, typer.Argument(help="Ticket name, e.g. feat-02 or feat/dashboard-filters.", metavar="TICKET")]
Json = Annotated[bool, typer.Option("--json", help="Print JSON.")]
Service = Annotated[str | None, typer.Argument(help="One service; all when left out.", metavar="SERVICE")]


def _where(svc: ServiceView) -> str:
    if not svc.dedicated:
        return "shared"
    return f"[{svc.branch}]" if svc.branch else "[detached HEAD]"


def _services(view: TicketView, with_state: bool = False) -> list[list[str]]:
    rows = []
    for svc in view.services:
        row = [svc.service, svc.url or "-", _where(svc)]
        if with_state:
            row.append((svc.state or "") + (f" ({svc.health})" if svc.health else ""))
        rows.append(row)
    return rows


def up(
    ctx: typer.Context,
    ticket: Ticket,
    from_: Annotated[list[str], typer.Option("--from", help="A new ticket branch off REF (repeatable).",
                                             metavar="REPO=REF")] = [],  # noqa: B006
    checkout: Annotated[list[str], typer.Option("--checkout", help="Use an existing branch.",
                                                metavar="REPO=BRANCH")] = [],  # noqa: B006
    worktree: Annotated[list[str], typer.Option("--worktree", help="Adopt an existing worktree.",
                                                metavar="REPO=PATH")] = [],  # noqa: B006
    own: Annotated[list[str], typer.Option("--own", help="Run the ticket's own instance (kept).",
                                           metavar="SERVICE")] = [],  # noqa: B006
    shared: Annotated[list[str], typer.Option("--shared", help="Use the shared instance (kept).",
                                              metavar="SERVICE")] = [],  # noqa: B006
    build: Annotated[bool, typer.Option("--build", help="Build its images even if unchanged.")] = False,
    port_base: Annotated[int | None, typer.Option(
        "--port-base", envvar="WTDOCK_PORT_BASE", min=1024, max=65526, metavar="N",
        help="Every host port of the ticket in N..N+9 (an orchestrator's block; kept).")] = None,
    json: Json = False,
) -> None:
    """Create or resume a ticket's environment and print its URLs.

    \b
    Example:
      wtdock up feat-02 --from front=feat/ui --from api=feat/endpoint
      wtdock up feat-01 --shared api
    """
    from wtdock.ops.choices import ServiceChoice
    from wtdock.ops.up import up as run_up
    from wtdock.ops.worktree_steps import MODES, RepoRequest

    requests = [
        RepoRequest(repo, mode, value)
        for mode, values in zip(MODES, (from_, checkout, worktree), strict=True)
        for repo, value in split_pairs(values, f"--{mode}")
    ]
    asked = [ServiceChoice(s, "own") for s in own] + [ServiceChoice(s, "shared") for s in shared]
    result = run_up(context(ctx), ticket, requests, asked, build=build, port_base=port_base)
    if json:
        emit("up", result)
        return
    for notice in result.notices:
        echo(f"note: {notice}")
    echo(f"{result.ticket.name}: {result.action} (project {result.ticket.project})")
    table(_services(result.ticket), indent="  ")


def ps(ctx: typer.Context, json: Json = False) -> None:
    """Every ticket with its URLs, branches and status.

    \b
    Example:
      wtdock ps --json
    """
    from wtdock.ops.status import ps as run_ps

    views = run_ps(context(ctx))
    if json:
        emit("ps", {"tickets": views})
        return
    if not views:
        echo("no tickets yet: `wtdock up TICKET` makes one")
        return
    rows = []
    for view in views:
        for i, row in enumerate(_services(view)):
            rows.append([view.name if i == 0 else "", (view.status or "") if i == 0 else "", *row])
    table(rows, headers=["TICKET", "STATUS", "SERVICE", "URL", "BRANCH"])


def stop(ctx: typer.Context, ticket: Ticket, json: Json = False) -> None:
    """Stop a ticket's containers; `up` resumes it with the same URLs.

    \b
    Example:
      wtdock stop feat-02
    """
    from wtdock.ops.down import stop as run_stop

    result = run_stop(context(ctx), ticket)
    if json:
        emit("stop", result)
    else:
        echo(f"stopped {result.project}")


def down(
    ctx: typer.Context,
    ticket: Ticket,
    keep_worktrees: Annotated[bool, typer.Option("--keep-worktrees", help="Leave the worktrees in place.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Remove worktrees with unsaved work too.")] = False,
    drop_data: Annotated[bool, typer.Option("--drop-data", help="Dump, then drop the ticket's database.")] = False,
    json: Json = False,
) -> None:
    """Remove a ticket. Refuses when a worktree holds work no branch or remote has.

    \b
    Example:
      wtdock down feat-02 --drop-data
    """
    from wtdock.ops.down import down as run_down

    result = run_down(context(ctx), ticket, keep_worktrees=keep_worktrees, force=force, drop_data=drop_data)
    if json:
        emit("down", result)
        return
    echo(f"{result.ticket}: down")
    for line in result.removed:
        echo(f"  removed {line}")
    for line in result.kept:
        echo(f"  kept    {line}")


def url(
    ctx: typer.Context,
    ticket: Ticket,
    service: Service = None,
    json: Json = False,
) -> None:
    """A ticket's URLs (the shared instance's for services it does not branch).

    \b
    Example:
      wtdock url feat-02 front
    """
    from wtdock.ops.status import urls

    found = urls(context(ctx), ticket, service)
    if json:
        emit("url", found)
    elif service is None:
        table([[name, value or "-"] for name, value in found.urls.items()])
    else:
        echo(str(found.urls[service]))


def env(
    ctx: typer.Context,
    ticket: Annotated[str | None, typer.Argument(help="Left out: the ticket whose worktree you are in.",
                                                 metavar="TICKET")] = None,
    json: Json = False,
    dotenv: Annotated[bool, typer.Option("--dotenv", help="KEY=value lines.")] = False,
) -> None:
    """Host URLs, container URLs, ports and connection strings of a ticket.

    \b
    Example:
      wtdock env feat-02 --dotenv > .env.local
    """
    from wtdock.ops.status import host_env, view

    wctx = context(ctx)
    found = view(wctx, ticket)
    values = host_env(wctx, found)
    if json:
        emit("env", {"ticket": found, "env": values})
    elif dotenv:
        for key, value in values.items():
            echo(f"{key}={value}")
    else:
        table([[k, v] for k, v in values.items()])


def logs(
    ctx: typer.Context,
    ticket: Ticket,
    service: Service = None,
    follow: Annotated[bool, typer.Option("--follow", "-f", help="Keep printing new lines.")] = False,
) -> None:
    """Logs of a ticket's containers (or of one service).

    \b
    Example:
      wtdock logs feat-02 api -f
    """
    from wtdock.ops.attach import ticket_logs

    raise typer.Exit(ticket_logs(context(ctx), ticket, service, follow=follow))


def exec_(
    ctx: typer.Context,
    ticket: Ticket,
    service: Annotated[str, typer.Argument(help="One of the ticket's own services.", metavar="SERVICE")],
    command: Annotated[list[str], typer.Argument(help="The command, after --.", metavar="-- CMD...")],
) -> None:
    """Run a command in one of a ticket's own containers.

    \b
    Example:
      wtdock exec feat-02 api -- npm run seed
    """
    from wtdock.ops.attach import exec_in_ticket

    # With interspersed arguments off, click hands the `--` that separates the command on to us.
    argv = command[1:] if command[:1] == ["--"] else command
    raise typer.Exit(exec_in_ticket(context(ctx), ticket, service, argv))


def render(ctx: typer.Context, ticket: Ticket, json: Json = False) -> None:
    """Print the ticket's complete compose file as `up` would write it (`--json`: the model); before
    its first `up`, a preview (nothing is written).

    \b
    Example:
      wtdock render feat-02 > feat-02.compose.yaml
    """
    from wtdock.names import ticket_slug
    from wtdock.ops.preview import preview
    from wtdock.ops.up import render as run_render

    wctx = context(ctx)
    record = wctx.registry.read().ticket(ticket_slug(ticket))
    plan, text = run_render(wctx, record) if record is not None else preview(wctx, ticket)
    if json:
        emit("render", {"project": plan.project, "preview": record is None, "compose": plan.compose})
    else:
        typer.echo(text, nl=False)


def gc(
    ctx: typer.Context,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Remove what was found.")] = False,
    json: Json = False,
) -> None:
    """Find orphans (containers with no ticket, tickets with no worktree, stale git metadata).

    \b
    Example:
      wtdock gc, then wtdock gc --yes
    """
    from wtdock.ops.gc import gc as run_gc

    result = run_gc(context(ctx), apply=yes)
    if json:
        emit("gc", result)
    elif not result.found:
        echo("nothing to clean up")
    else:
        table([[f.outcome, f.kind, f.what] for f in result.found])
        if not yes:
            echo("run `wtdock gc --yes` to remove them (wtdock's worktrees are only unlocked, never removed)")
    if (failure := result.failure()) is not None:
        raise failure


def register(app: typer.Typer) -> None:
    app.command()(up)
    app.command()(ps)
    app.command()(stop)
    app.command()(down)
    app.command()(url)
    app.command()(env)
    app.command()(logs)
    app.command("exec", context_settings={"allow_interspersed_args": False, "ignore_unknown_options": True})(exec_)
    app.command()(render)
    app.command()(gc)
    app.command()(wait)
    app.command()(brief)
    app.command(context_settings={"allow_interspersed_args": False, "ignore_unknown_options": True})(test)


Isolated = Annotated[bool, typer.Option("--isolated", help="Run against a throwaway stack, removed after.")]
InService = Annotated[str | None, typer.Option("--in", help="Run CMD in this service's container.", metavar="SERVICE")]


def test(
    ctx: typer.Context,
    args: Annotated[list[str], typer.Argument(help="The ticket (left out: the worktree's), then the command.",
                                              metavar="[TICKET] -- CMD...")],
    isolated: Isolated = False,
    in_: InService = None,
) -> None:
    """Run a test command with a ticket's settings (DATABASE_URL, API_URL, ...) and exit with its code.

    \b
    Example:
      wtdock test feat-02 -- npx vitest run
      wtdock test --isolated -- pytest
    """
    from pathlib import Path

    from wtdock.ops.test_run import run_tests

    ticket, argv, isolated, service = _test_arguments(args, isolated, in_)
    raise typer.Exit(run_tests(context(ctx), ticket, argv, cwd=Path.cwd(), isolated=isolated, service=service))


def _test_arguments(
    args: list[str], isolated: bool, service: str | None
) -> tuple[str | None, list[str], bool, str | None]:
    """``[TICKET] [--isolated] [--in SERVICE] -- CMD...``. Interspersed arguments are off (CMD keeps
    its own options), so options after TICKET arrive here, with the ``--``."""
    at = args.index("--") if "--" in args else 0
    before, argv = args[:at], args[at + 1 :] if "--" in args else args
    ticket = None
    words = iter(before)
    for word in words:
        if word == "--isolated":
            isolated = True
        elif word == "--in" or word.startswith("--in="):
            service = word.partition("=")[2] or next(words, None)
            if not service:
                raise typer.BadParameter("--in needs a SERVICE")
        elif word.startswith("-") or ticket is not None:
            raise typer.BadParameter(f"expected [TICKET] [--isolated] [--in SERVICE] -- CMD..., got {word!r}")
        else:
            ticket = word
    return ticket, argv, isolated, service


def wait(
    ctx: typer.Context,
    ticket: Ticket,
    timeout: Annotated[float, typer.Option("--timeout", help="Give up after S seconds.", metavar="S")] = 300.0,
    json: Json = False,
) -> None:
    """Block until a ticket's containers run and pass their healthchecks (for orchestrators that
    start it in the background); exit 4 with one line after the timeout.

    Example:
      wtdock up feat-02 --json > up.json & wtdock wait feat-02 --timeout 120
    """
    from wtdock.ops.wait import wait as run_wait

    result = run_wait(context(ctx), ticket, timeout)
    if json:
        emit("wait", result)
    else:
        echo(f"{result.ticket.name}: healthy (waited {result.waited:g} s)")


def brief(
    ctx: typer.Context,
    ticket: Annotated[str | None, typer.Argument(help="Left out: the ticket whose worktree you are in.",
                                                 metavar="[TICKET]")] = None,
) -> None:
    """A short Markdown description of a ticket for an agent's context: URLs, database, how to run
    its tests, where its logs are.

    Example:
      wtdock brief feat-02 >> AGENTS.md
    """
    from wtdock.ops.status import host_env, view
    from wtdock.ops.wait import brief as write_brief

    wctx = context(ctx)
    found = view(wctx, ticket, with_status=True)
    typer.echo(write_brief(found, host_env(wctx, found), wctx.ws.name), nl=False)
