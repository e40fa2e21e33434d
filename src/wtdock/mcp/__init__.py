"""`wtdock mcp`: a workspace's tickets as MCP tools for a coding agent, over stdio.

The server is the CLI's commands again, not a second implementation: each tool calls the op the
CLI calls and answers with the JSON the CLI's `--json` prints (the same envelope and schema), and an
error is a tool error with the CLI's kind, message and hint. The ``mcp`` SDK comes with the
``mcp`` extra and is imported only by `wtdock mcp` (``load``), never at CLI start.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from wtdock.errors import MissingExtraError

if TYPE_CHECKING:
    from types import ModuleType

INSTALL = "pip install 'wtdock[mcp]'"


def load() -> ModuleType:
    """The server module; a missing SDK is one line with the install that fixes it."""
    try:
        from wtdock.mcp import server
    except ModuleNotFoundError as err:
        if (err.name or "").partition(".")[0] not in ("mcp", "mcp_types"):
            raise  # the SDK is there but something else is missing: a real bug, with its traceback
        raise MissingExtraError(
            f"`wtdock mcp` needs the MCP SDK, which is not installed: {INSTALL}",
            hint=f"{INSTALL} (or, with pipx, `pipx inject wtdock mcp`)",
        ) from err
    return server
