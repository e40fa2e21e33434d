"""The MCP server: the CLI's ticket commands as tools on one workspace, fixed at start.

Every tool takes names (a ticket, a service, a repo, a ref) and never a path, so it reaches nothing
outside the workspace; a ticket name is checked as the CLI checks it. Commands are argument lists
run in the ticket's own containers, never a shell string and never on the host. Each op runs in a
worker thread (the server keeps answering meanwhile; wtdock's locks keep one `up` or `down` of a
ticket at a time), its progress going out as progress notifications."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from anyio import from_thread, to_thread
from anyio.lowlevel import current_token
from mcp.server.mcpserver import Context as McpContext
from mcp.server.mcpserver import MCPServer
from mcp.types import CallToolResult, ToolAnnotations
from pydantic import Field

from wtdock import __version__
from wtdock.cli.output import progress
from wtdock.errors import RefusedError, WtdockError
from wtdock.mcp import texts
from wtdock.mcp.progress import tool_context
from wtdock.mcp.results import answer, failure
from wtdock.ops.context import Context
from wtdock.workspace import Workspace

LOGS_MAX = 1000  # lines a `logs` call returns at most: a tail an agent can read, not the whole history

Ticket = Annotated[str, Field(description="Ticket name, e.g. feat-02 or feat/dashboard-filters.")]
OwnService = Annotated[str, Field(description="One of the ticket's own services (not a shared instance).")]
Argv = Annotated[list[str], Field(min_length=1, description="The command as a list of arguments (no shell).")]
AnyService = Annotated[str | None, Field(description="One service; all when left out.")]
Refs = Annotated[dict[str, str], Field(description="Repo -> ref.")]
Services = Annotated[list[str], Field(description="Service names.")]

Work = Callable[[Context], tuple[Any, str]]  # an op's call: its `--json` fields and a short text

READ_ONLY = ToolAnnotations(read_only_hint=True, open_world_hint=False)
CHANGES = ToolAnnotations(read_only_hint=False, destructive_hint=False, open_world_hint=False)
REMOVES = ToolAnnotations(read_only_hint=False, destructive_hint=True, open_world_hint=False)


class WorkspaceTools:
    """The tools, bound to the workspace. ``say`` hears every progress line too (stderr, or nothing)."""

    def __init__(self, ws: Workspace, say: Callable[[str], None]) -> None:
        self.ws = ws
        self._say = say

    async def _run(self, ctx: McpContext, command: str, work: Work) -> CallToolResult:
        """``work`` in a worker thread with a Context whose progress goes to the client; a
        WtdockError becomes the tool error. Not abandoned when the client cancels: an op stops
        at its own end, never half-way through removing a ticket."""
        loop = current_token()  # progress also comes from threads of the op's own (a status watcher)

        def send(count: int, text: str) -> None:
            self._say(text)
            try:
                from_thread.run(ctx.report_progress, count, None, text, token=loop)
            except (KeyboardInterrupt, SystemExit):
                raise
            except BaseException:  # noqa: BLE001 - a lost notification (the client left) must not stop an op half-way
                return

        try:
            fields, text = await to_thread.run_sync(lambda: work(tool_context(self.ws, send)))
        except WtdockError as err:
            return failure(command, err)
        return answer(command, fields, text)

    async def up(
        self, ticket: Ticket, ctx: McpContext, *,
        from_refs: Annotated[Refs, Field(description="New ticket branches: repo -> the ref each starts from "
                                                     "(the CLI's --from REPO=REF).")] = {},  # noqa: B006 - pydantic copies defaults
        checkout: Annotated[Refs, Field(description="Existing branches to use: repo -> branch.")] = {},  # noqa: B006
        own: Annotated[Services, Field(description="Services the ticket runs itself (kept).")] = [],  # noqa: B006
        shared: Annotated[Services, Field(description="Services it uses the shared instance of (kept).")] = [],  # noqa: B006
        build: Annotated[bool, Field(description="Build its images even if their inputs did not change.")] = False,
        port_base: Annotated[int | None, Field(ge=1024, le=65526, description="Every host port of the ticket in "
                                                                             "N..N+9 (kept).")] = None,
    ) -> CallToolResult:
        """Create or resume a ticket's environment (worktrees, containers, database) and return its
        URLs, as `wtdock up TICKET --json`. Progress comes as notifications; it may take minutes."""
        from wtdock.ops.choices import ServiceChoice
        from wtdock.ops.up import up as run_up
        from wtdock.ops.worktree_steps import RepoRequest

        requests = [RepoRequest(repo, "from", ref) for repo, ref in from_refs.items()]
        requests += [RepoRequest(repo, "checkout", branch) for repo, branch in checkout.items()]
        asked = [ServiceChoice(s, "own") for s in own] + [ServiceChoice(s, "shared") for s in shared]
        return await self._run(ctx, "up", lambda w: texts.up(run_up(
            w, ticket, requests, asked, build=build, port_base=port_base)))

    async def ps(self, ctx: McpContext) -> CallToolResult:
        """Every ticket of the workspace with its URLs, branches and status, as `wtdock ps --json`."""
        from wtdock.ops.status import ps as run_ps

        return await self._run(ctx, "ps", lambda w: texts.ps(run_ps(w)))

    async def env(self, ticket: Ticket, ctx: McpContext) -> CallToolResult:
        """A ticket's host URLs, container URLs, ports and connection strings (DATABASE_URL, ...), as
        `wtdock env TICKET --json`."""
        from wtdock.ops.status import host_env, view

        def work(w: Context) -> tuple[Any, str]:
            found = view(w, ticket)
            return texts.env(found, host_env(w, found))

        return await self._run(ctx, "env", work)

    async def url(self, ticket: Ticket, ctx: McpContext, service: AnyService = None) -> CallToolResult:
        """A ticket's URLs by service (the shared instance's for services it does not run), as
        `wtdock url TICKET [SERVICE] --json`."""
        from wtdock.ops.status import urls

        return await self._run(ctx, "url", lambda w: texts.url(urls(w, ticket, service)))

    async def logs(
        self, ticket: Ticket, ctx: McpContext, service: AnyService = None,
        lines: Annotated[int, Field(ge=1, le=LOGS_MAX, description="How many of the last lines.")] = 100,
    ) -> CallToolResult:
        """The last lines of a ticket's container logs (of one service, or all)."""
        from wtdock.ops.attach import ticket_logs_tail

        return await self._run(ctx, "logs", lambda w: texts.logs(ticket_logs_tail(w, ticket, service, lines)))

    async def exec(self, ticket: Ticket, service: OwnService, command: Argv, ctx: McpContext) -> CallToolResult:
        """Run a command in one of the ticket's own containers (`wtdock exec TICKET SERVICE -- CMD...`);
        its exit code and last lines of output. A non-zero exit code is a result, not a tool error."""
        from wtdock.ops.attach import exec_captured

        return await self._run(ctx, "exec", lambda w: texts.command(exec_captured(w, ticket, service, command)))

    async def test(
        self, ticket: Ticket, service: OwnService, command: Argv, ctx: McpContext,
        isolated: Annotated[bool, Field(description="Against a throwaway stack of the ticket's checkouts, "
                                                    "removed afterwards.")] = False,
    ) -> CallToolResult:
        """Run a test command in one of the ticket's own containers, or (isolated) of a throwaway copy
        of its stack (`wtdock test TICKET [--isolated] --in SERVICE -- CMD...`); the output streams as
        progress, the result has its exit code and last lines."""
        from wtdock.ops.test_run import run_tests_captured

        return await self._run(ctx, "test", lambda w: texts.command(
            run_tests_captured(w, ticket, service, command, isolated=isolated)))

    async def stop(self, ticket: Ticket, ctx: McpContext) -> CallToolResult:
        """Stop a ticket's containers; worktrees, ports and data stay, and `up` resumes it."""
        from wtdock.ops.down import stop as run_stop

        return await self._run(ctx, "stop", lambda w: texts.stop(run_stop(w, ticket)))

    async def down(
        self, ticket: Ticket, ctx: McpContext,
        keep_worktrees: Annotated[bool, Field(description="Leave the worktrees in place (yours, unlocked).")] = False,
        drop_data: Annotated[bool, Field(description="Dump, then drop, the ticket's database.")] = False,
    ) -> CallToolResult:
        """Remove a ticket: containers, then the worktrees wtdock made, then its registry entry
        (branches are always kept). Refuses, naming the files and commits, while a worktree holds
        work no branch or remote has: commit and push it first (forcing is a person's decision)."""
        return await self._down(ctx, ticket, keep_worktrees=keep_worktrees, drop_data=drop_data, force=False)

    async def down_forcible(
        self, ticket: Ticket, ctx: McpContext,
        keep_worktrees: Annotated[bool, Field(description="Leave the worktrees in place (yours, unlocked).")] = False,
        drop_data: Annotated[bool, Field(description="Dump, then drop, the ticket's database.")] = False,
        force: Annotated[bool, Field(description="Remove worktrees with unsaved work too (kept in rescues; "
                                                 "this workspace's agents.allow_force_down allows it).")] = False,
    ) -> CallToolResult:
        """Remove a ticket: containers, then the worktrees wtdock made, then its registry entry
        (branches are always kept). Refuses, naming the files and commits, while a worktree holds
        work no branch or remote has, unless force (then that work is kept in `wtdock rescue`)."""
        return await self._down(ctx, ticket, keep_worktrees=keep_worktrees, drop_data=drop_data, force=force)

    async def _down(self, ctx: McpContext, ticket: str, *, keep_worktrees: bool, drop_data: bool,
                    force: bool) -> CallToolResult:
        from wtdock.ops.down import down as run_down

        return await self._run(ctx, "down", lambda w: texts.down(run_down(
            w, ticket, keep_worktrees=keep_worktrees, force=force, drop_data=drop_data)))

    async def db_reset(
        self, ticket: Ticket, ctx: McpContext,
        yes: Annotated[bool, Field(description="Required: the database's data is dropped (the CLI's --yes).")] = False,
    ) -> CallToolResult:
        """Drop a ticket's database and clone it again from the template, as `wtdock db reset TICKET
        --yes --json`."""
        from wtdock.ops.databases import reset
        from wtdock.ops.records import find_record

        def work(w: Context) -> tuple[Any, str]:
            record = find_record(w, ticket)
            # Without a database of its own, `reset` says so (and drops nothing): no question to ask.
            if not yes and record.database is not None:
                raise RefusedError(f"db reset drops every row of {record.database}",
                                   hint="call db_reset again with yes: true to drop it")
            return texts.db_reset(record.name, reset(w, record))

        return await self._run(ctx, "db reset", work)


def build(ws: Workspace, say: Callable[[str], None]) -> MCPServer[Any]:
    """The server for ``ws``: `down` takes ``force`` only where the config allows it."""
    tools = WorkspaceTools(ws, say)
    server: MCPServer[Any] = MCPServer(
        "wtdock", version=__version__, log_level="WARNING",
        instructions=f"wtdock workspace {ws.name} ({ws.root}): each ticket has its own git worktrees and its own "
        "running stack (URLs, database). `up` makes or resumes one, `env` and `url` describe it, `down` removes "
        "it and refuses while its worktrees hold unsaved work.",
    )
    down = tools.down_forcible if ws.config.agents.allow_force_down else tools.down
    for name, tool, hints in (
        ("up", tools.up, CHANGES), ("ps", tools.ps, READ_ONLY), ("env", tools.env, READ_ONLY),
        ("url", tools.url, READ_ONLY), ("logs", tools.logs, READ_ONLY), ("exec", tools.exec, CHANGES),
        ("test", tools.test, CHANGES), ("stop", tools.stop, CHANGES), ("down", down, REMOVES),
        ("db_reset", tools.db_reset, REMOVES),
    ):
        server.add_tool(tool, name=name, annotations=hints)
    return server


def serve(ws: Workspace, *, quiet: bool) -> None:
    """Serve ``ws`` over stdio until the client closes it. While it runs the SDK points the process's
    stdout at stderr, so nothing an op or a child process prints can reach the protocol."""
    server = build(ws, say=(lambda _: None) if quiet else progress)
    try:
        server.run("stdio")
    except KeyboardInterrupt:
        return
