"""Claude Code's worktree hooks on a real engine and real git, fed the recorded payloads on stdin the
way Claude Code runs them (its own process, in the session's folder): the ticket is made across its
repos and answers, stdout is exactly the session's worktree, and a remove keeps unsaved work."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.claude_code_payloads import CREATE_DOCUMENTED, CREATE_SENT, REMOVE_SENT, payload
from tests.integration.helpers import Sandbox, git, http_get


def hook(ws: Sandbox, verb: str, sent: dict[str, Any], cwd: Path) -> subprocess.CompletedProcess[str]:
    """`wtdock hook claude-code VERB` as Claude Code runs it: no -w, the payload on stdin."""
    return subprocess.run(
        [sys.executable, "-m", "wtdock", "hook", "claude-code", verb], input=json.dumps(sent), cwd=cwd,
        env={**os.environ, **ws.env, "CLAUDE_PROJECT_DIR": str(cwd)}, capture_output=True, text=True, timeout=600,
        check=False,
    )


def ticket(ws: Sandbox, name: str) -> dict[str, Any] | None:
    return next((t for t in ws.json("ps") if t["name"] == name), None)


def urls(found: dict[str, Any]) -> dict[str, str]:
    return {s["service"]: s["url"] for s in found["services"]}


def test_create_makes_the_whole_ticket_and_remove_keeps_unsaved_work(make_workspace: Callable[..., Sandbox]) -> None:
    ws = make_workspace("hook")
    session = ws.root / "api"
    made = hook(ws, "create", payload(CREATE_SENT, cwd=session, name="agent-7f3a"), session)
    assert made.returncode == 0, made.stderr
    # Exactly one line, the absolute path of the session's repo's worktree; progress on stderr.
    api = ws.worktree("agent-7f3a", "api").resolve()
    assert made.stdout == f"{api}\n"
    assert "wtdock: agent-7f3a: first start; starting " in made.stderr
    assert git(api, "branch", "--show-current") == "agent-7f3a\n"
    # Every repo the ticket needs: the front-end runs in every ticket, so it is branched too.
    assert git(ws.worktree("agent-7f3a", "front"), "branch", "--show-current") == "agent-7f3a\n"
    found = ticket(ws, "agent-7f3a")
    assert found is not None and found["status"] == "running"
    assert all(s["dedicated"] and s["health"] == "healthy" for s in found["services"])
    assert http_get(urls(found)["api"]) == "api main\n"
    assert http_get(urls(found)["front"] + "/api") == "api main\n"  # wired to its own API

    again = hook(ws, "create", payload(CREATE_SENT, cwd=session, name="agent-7f3a"), session)
    assert (again.returncode, again.stdout) == (0, f"{api}\n")
    assert "agent-7f3a: already running" in again.stderr

    # Work no branch has: nothing is removed, the reason is on stderr.
    (api / "notes.txt").write_text("unsaved\n")
    gone = payload(REMOVE_SENT, cwd=api, worktree_path=api)
    refused = hook(ws, "remove", gone, api)
    assert (refused.returncode, refused.stdout) == (3, "")
    first = refused.stderr.splitlines()[0]
    assert first == "wtdock: error: ticket agent-7f3a has work that removing its worktrees would lose"
    assert "  api: untracked files: notes.txt\n" in refused.stderr
    assert (api / "notes.txt").read_text() == "unsaved\n"
    assert ticket(ws, "agent-7f3a") is not None
    assert http_get(urls(found)["api"]) == "api main\n"

    (api / "notes.txt").unlink()
    removed = hook(ws, "remove", gone, api)  # run from inside the worktree it removes
    assert (removed.returncode, removed.stdout) == (0, ""), removed.stderr
    assert "removed api: worktree" in removed.stderr
    assert not api.exists() and not ws.worktree("agent-7f3a", "front").exists()
    assert ticket(ws, "agent-7f3a") is None
    assert git(ws.root / "api", "branch", "--list", "agent-7f3a").strip() == "agent-7f3a"  # branches stay
    # Claude Code asks again for a worktree that is gone: nothing to do is no failure.
    assert hook(ws, "remove", gone, ws.root).returncode == 0


def test_the_documented_payload_and_a_session_in_the_workspace_folder(make_workspace: Callable[..., Sandbox]) -> None:
    ws = make_workspace("hookdoc")
    # The documented shape: worktree_name and a base the ticket branch starts from.
    front = ws.root / "front"
    sent = payload(CREATE_DOCUMENTED, cwd=front, worktree_name="feat/login form", source_ref="feat/ui")
    made = hook(ws, "create", sent, front)
    assert made.returncode == 0, made.stderr
    assert made.stdout == f"{ws.worktree('feat-login-form', 'front').resolve()}\n"
    assert "worktree feat/login form: ticket feat/login-form" in made.stderr
    found = ticket(ws, "feat/login-form")
    assert found is not None
    assert http_get(urls(found)["front"]) == "front feat/ui\n"
    assert [s["dedicated"] for s in found["services"]] == [True, False]  # the shared API, as `up` does

    # In the workspace folder, outside every repo: every repo, and the ticket's folder of worktrees.
    top = hook(ws, "create", payload(CREATE_SENT, cwd=ws.root, name="agent-top"), ws.root)
    assert top.returncode == 0, top.stderr
    folder = Path(top.stdout.removesuffix("\n"))
    assert folder == (ws.root / ".wtdock" / "worktrees" / "agent-top").resolve()
    assert sorted(p.name for p in folder.iterdir()) == ["api", "front"]
    found = ticket(ws, "agent-top")
    assert found is not None and all(s["dedicated"] for s in found["services"])
    assert http_get(urls(found)["api"]) == "api main\n"
    removed = hook(ws, "remove", payload(REMOVE_SENT, cwd=ws.root, worktree_path=folder), ws.root)
    assert removed.returncode == 0, removed.stderr
    assert ticket(ws, "agent-top") is None and not folder.exists()
