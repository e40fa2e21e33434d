"""`wtdock mcp`: serve the workspace's tickets to a coding agent over MCP (stdio)."""

from __future__ import annotations

import typer


def mcp(ctx: typer.Context) -> None:
    """Serve this workspace's tickets to a coding agent as MCP tools, over stdin/stdout: up, ps,
    env, url, logs, exec, test, stop, down, db_reset. The workspace is fixed at start; `down`
    refuses unsaved work (no force unless the config's agents.allow_force_down). Needs the
    `mcp` extra: pip install 'wtdock[mcp]'.

    \b
    Example:
      claude mcp add wtdock -- wtdock -w ~/work/shop mcp
    """
    from wtdock.mcp import load
    from wtdock.workspace import Workspace

    server = load()  # first: a missing SDK is the error, whatever the workspace
    options = ctx.find_root().obj or {}
    server.serve(Workspace.load(explicit=options.get("workspace")), quiet=bool(options.get("quiet")))
