"""`wtdock mcp` through the MCP SDK's own client over stdio, as an agent's client talks to it: the
tools, `up`'s URLs as structured content (they answer), `env` as the CLI's `--json`, a command in
the ticket's container, and `down` refusing unsaved work (the file named, and still there)."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

from mcp import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.types import CallToolResult

from tests.integration.helpers import Sandbox, check_schema, http_get

TOOLS = {"up", "ps", "env", "url", "logs", "exec", "test", "stop", "down", "db_reset"}
SLOW = 600.0  # seconds an `up` may take on a loaded engine; a hang fails the test instead of blocking it


def _fields(result: CallToolResult) -> dict[str, Any]:
    found = result.structured_content
    assert isinstance(found, dict), result
    check_schema(found)
    return found


def readme_server(root: Path) -> list[str]:
    """The README's `.mcp.json` command line, for the workspace at ``root``."""
    text = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    line = next(line for line in text.splitlines() if line.startswith('{"mcpServers"'))
    server = json.loads(line)["mcpServers"]["wtdock"]
    return [server["command"], *(str(root) if arg == "/path/to/ws" else arg for arg in server["args"])]


async def _agent(ws: Sandbox, errlog: Path) -> None:
    command, *args = readme_server(ws.root)
    assert command == "wtdock"  # this checkout's, as python -m wtdock (the venv need not be on PATH)
    server = StdioServerParameters(command=sys.executable, args=["-m", "wtdock", *args], env={**os.environ, **ws.env})
    progress: list[str] = []
    started = asyncio.Event()

    async def heard(_: float, __: float | None, message: str | None) -> None:
        progress.append(message or "")
        started.set()

    with errlog.open("w") as err:
        async with stdio_client(server, errlog=err) as (read, write), ClientSession(read, write) as session:
            await session.initialize()
            listed = {tool.name: tool for tool in (await session.list_tools()).tools}
            assert set(listed) == TOOLS
            assert "force" not in listed["down"].input_schema["properties"]  # agents.allow_force_down is off

            starting = asyncio.create_task(session.call_tool(
                "up", {"ticket": "feat-02", "from_refs": {"api": "feat/endpoint"}},
                read_timeout_seconds=SLOW, progress_callback=heard))
            await started.wait()  # the shared project is starting: seconds of waiting for healthy
            meanwhile = await session.call_tool("ps", {})
            assert not starting.done() and not meanwhile.is_error  # answered while `up` runs in its thread
            up = await starting
            assert not up.is_error, up.content
            urls = {s["service"]: s["url"] for s in _fields(up)["ticket"]["services"]}
            assert http_get(urls["api"]) == "api feat/endpoint\n"
            assert http_get(urls["front"]).startswith("front")
            # From the op's own thread and from the thread that watches the containers' health:
            assert any(line.startswith("feat-02: first start") for line in progress), progress
            assert any(line.startswith("api: running (healthy)") for line in progress), progress

            env = await session.call_tool("env", {"ticket": "feat-02"})
            assert _fields(env) == ws.envelope("env", "feat-02")
            assert f"API_URL={urls['api']}" in env.content[0].text  # type: ignore[union-attr]

            printed = asyncio.Event()

            async def line(_: float, __: float | None, message: str | None) -> None:
                if message == "  api | in-api":
                    printed.set()

            ran = await session.call_tool("exec", {"ticket": "feat-02", "service": "api",
                                                   "command": ["sh", "-c", "echo in-api; exit 3"]},
                                          progress_callback=line)
            assert _fields(ran)["exit_code"] == 3 and _fields(ran)["output"] == ["in-api"], ran
            # The client hands each notification to its own task: it may come just after the answer.
            await asyncio.wait_for(printed.wait(), SLOW)
            tested = await session.call_tool("test", {"ticket": "feat-02", "service": "api", "command": ["true"]})
            assert _fields(tested)["exit_code"] == 0, tested
            missing = await session.call_tool("exec", {"ticket": "feat-02", "service": "nope", "command": ["true"]})
            assert missing.is_error and _fields(missing)["error"]["kind"] == "not_found"

            logs = await session.call_tool("logs", {"ticket": "feat-02", "service": "api", "lines": 5})
            assert len(_fields(logs)["lines"]) <= 5, logs
            asked = await session.call_tool("db_reset", {"ticket": "feat-02"})
            assert asked.is_error and _fields(asked)["error"]["kind"] == "refused"
            reset = await session.call_tool("db_reset", {"ticket": "feat-02", "yes": True})
            assert _fields(reset)["database"] == _fields(env)["ticket"]["database"], reset

            unsaved = ws.worktree("feat-02", "front") / "notes.md"
            unsaved.write_text("the agent's notes\n")
            down = await session.call_tool("down", {"ticket": "feat-02"}, read_timeout_seconds=SLOW)
            assert down.is_error
            error = _fields(down)["error"]
            assert error["kind"] == "refused" and any("notes.md" in line for line in error["details"]), error
            assert "notes.md" in down.content[0].text  # type: ignore[union-attr]
            assert unsaved.read_text() == "the agent's notes\n"

            unknown = await session.call_tool("env", {"ticket": "no-such"})
            assert unknown.is_error and _fields(unknown)["error"]["kind"] == "not_found"
            assert "kind: not_found" in unknown.content[0].text  # type: ignore[union-attr]


def test_an_agent_ups_reads_and_cannot_lose_work_through_mcp(reference_workspace: Sandbox, tmp_path: Path) -> None:
    ws = reference_workspace
    errlog = tmp_path / "server.err"
    asyncio.run(_agent(ws, errlog))
    # Progress went to stderr too (stdout is the protocol), and nothing crashed.
    logged = errlog.read_text()
    assert "wtdock: " in logged and "Traceback" not in logged, logged
    assert ws.worktree("feat-02", "api").is_dir()
