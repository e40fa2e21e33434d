"""`wtdock mcp` without an engine: errors become tool errors with the CLI's kind, message and hint;
progress becomes numbered notifications; `down` takes force only where the config allows it; and
without the SDK the command is one line with the install that fixes it."""

from __future__ import annotations

import asyncio
import json
import re
import sys
from pathlib import Path

import pytest
from mcp.types import TextContent
from typer.testing import CliRunner

import wtdock.mcp
from wtdock.cli.app import app
from wtdock.cli.output import error_lines
from wtdock.config.model import Config
from wtdock.errors import NotFoundError, RefusedError
from wtdock.mcp.progress import ToolProgress
from wtdock.mcp.results import answer, failure
from wtdock.mcp.server import build
from wtdock.ops.down import StopResult
from wtdock.schemas import validate
from wtdock.workspace import Workspace


def test_an_error_is_a_tool_error_with_the_clis_kind_message_and_hint() -> None:
    err = RefusedError("ticket t1 has work that removing its worktrees would lose",
                       details=["front: untracked files: notes.md"], hint="commit and push it")
    found = failure("down", err)
    assert found.is_error
    validate(found.structured_content)
    assert found.structured_content["error"] | {} == {
        "code": 3, "kind": "refused", "message": err.message, "hint": "commit and push it",
        "details": ["front: untracked files: notes.md"],
    }
    text = found.content[0]
    assert isinstance(text, TextContent)
    assert text.text.splitlines() == [*error_lines(err), "  kind: refused (the CLI's exit code 3)"]
    assert text.text.splitlines()[:3] == [
        f"wtdock: error: {err.message}", "  front: untracked files: notes.md", "  hint: commit and push it",
    ]


def test_a_result_is_the_clis_json_envelope() -> None:
    found = answer("stop", StopResult("t1", "shop-t1"), "stopped shop-t1")
    assert not found.is_error
    assert found.structured_content == {"wtdock": 1, "command": "stop", "ticket": "t1", "project": "shop-t1"}
    validate(found.structured_content)
    assert failure("env", NotFoundError("no ticket 'x'")).structured_content["error"]["kind"] == "not_found"


def test_progress_is_numbered_and_a_status_is_sent_when_it_changes() -> None:
    sent: list[tuple[int, str]] = []
    progress = ToolProgress(lambda count, text: sent.append((count, text)))
    progress.say("feat-02: first start")
    progress.step("api", "building image")
    progress.output("api", "Step 1/3")
    progress.status("api", "running (starting)")
    progress.status("api", "running (starting)")
    progress.status("api", "running (healthy)")
    assert sent == [(1, "feat-02: first start"), (2, "api: building image"), (3, "  api | Step 1/3"),
                    (4, "api: running (starting)"), (5, "api: running (healthy)")]


@pytest.mark.parametrize("allowed", [False, True])
def test_down_takes_force_only_where_the_config_allows_it(tmp_path: Path, allowed: bool) -> None:
    config = Config(name="shop", agents={"allow_force_down": allowed})  # type: ignore[arg-type]
    server = build(Workspace(tmp_path / "wtdock.yaml", config), say=lambda _: None)
    tools = {tool.name: tool for tool in asyncio.run(server.list_tools())}
    assert set(tools) == {"up", "ps", "env", "url", "logs", "exec", "test", "stop", "down", "db_reset"}
    assert ("force" in tools["down"].input_schema["properties"]) is allowed
    assert tools["exec"].input_schema["properties"]["command"]["type"] == "array"  # an argv, never a shell string
    assert tools["logs"].input_schema["properties"]["lines"]["maximum"] == 1000


def test_the_readme_names_every_tool_and_one_command_line() -> None:
    text = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    section = text.split("### An MCP server: `wtdock mcp`", 1)[1].split("\n## ", 1)[0]
    named = set(re.findall(r"^\| `(\w+)` \|", section, re.MULTILINE))
    server = build(Workspace(Path("/ws/wtdock.yaml"), Config(name="shop")), say=lambda _: None)
    assert named == {tool.name for tool in asyncio.run(server.list_tools())}
    claude = next(line for line in section.splitlines() if line.startswith("claude mcp add"))
    configured = json.loads(next(line for line in section.splitlines() if line.startswith('{"mcpServers"')))
    wtdock = configured["mcpServers"]["wtdock"]
    assert claude.split(" -- ", 1)[1].split() == [wtdock["command"], *wtdock["args"]]


def test_without_the_sdk_it_is_one_line_naming_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [n for n in sys.modules if n == "mcp" or n.startswith("mcp.")]:
        monkeypatch.setitem(sys.modules, name, None)  # `import mcp...` fails as if it were not installed
    monkeypatch.delitem(sys.modules, "wtdock.mcp.server")
    monkeypatch.delattr(wtdock.mcp, "server")  # or `from wtdock.mcp import server` finds it there
    result = CliRunner().invoke(app, ["mcp"])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "wtdock: error: `wtdock mcp` needs the MCP SDK, which is not installed: pip install 'wtdock[mcp]'",
        "  hint: pip install 'wtdock[mcp]' (or, with pipx, `pipx inject wtdock mcp`)",
    ]
