"""`wtdock test`: a command with a ticket's settings, in one of its containers, or against a
throwaway stack of the code on disk that leaves nothing behind; the command's exit code is the result."""

from __future__ import annotations

import re
from pathlib import Path

from tests.integration.helpers import Sandbox, run_wtdock
from tests.integration.stacks import leftovers, pytest_argv, user_env


def test_isolated_runs_the_code_on_disk_passes_the_exit_code_and_leaves_nothing(reference_workspace: Sandbox) -> None:
    ws = reference_workspace
    ws.cli("up", "feat-02", "--from", "api=feat/endpoint")
    api = ws.worktree("feat-02", "api")
    (api / "branch.txt").write_text("api edited, not committed\n")
    probe = 'curl -s "$API_URL/" > served.txt; echo "$WTDOCK_TICKET $DATABASE_URL" > settings.txt; exit 3'
    result = run_wtdock("test", "--isolated", "--", "sh", "-c", probe, env=user_env(ws), cwd=api, timeout=300)

    assert result.returncode == 3, result.stderr
    assert "Traceback" not in result.stderr
    assert (api / "served.txt").read_text() == "api edited, not committed\n"
    stack, url = (api / "settings.txt").read_text().split()
    assert re.fullmatch(r"test-[0-9a-f]{8}", stack)
    assert url.endswith(f"/app_{stack.replace('-', '_')}")
    assert f"test stack {stack} removed" in result.stderr
    assert leftovers(ws, stack) == []
    # The ticket's own worktree, its uncommitted change and its stack are as they were.
    assert (api / "branch.txt").read_text() == "api edited, not committed\n"
    assert [t["name"] for t in ws.json("ps")] == ["feat-02"]
    assert ws.json("ps")[0]["status"] == "running"


def test_runs_with_the_tickets_settings_on_the_host_and_in_a_container(reference_workspace: Sandbox) -> None:
    ws = reference_workspace
    ws.cli("up", "feat-02", "--from", "api=feat/endpoint")
    expected = ws.json("env", "feat-02")["env"]["DATABASE_URL"]

    shown = run_wtdock("-w", str(ws.root), "test", "feat-02", "--", "env", env=user_env(ws))
    assert shown.returncode == 0, shown.stderr
    assert f"DATABASE_URL={expected}\n" in shown.stdout

    inside = run_wtdock("-w", str(ws.root), "test", "feat-02", "--in", "api", "--",
                        "sh", "-c", 'echo "$DATABASE_URL"; exit 4', env=user_env(ws))
    assert inside.returncode == 4, inside.stderr
    assert inside.stdout.strip().endswith("@postgres:5432/app_feat_02")


def test_bad_commands_are_one_line(reference_workspace: Sandbox) -> None:
    ws = reference_workspace
    ws.cli("up", "feat-02", "--from", "api=feat/endpoint")
    missing = run_wtdock("-w", str(ws.root), "test", "feat-02", "--", "no-such-command-x", env=user_env(ws))
    assert missing.returncode == 2
    assert missing.stderr.startswith("wtdock: error: no-such-command-x: command not found")
    outside = run_wtdock("-w", str(ws.root), "test", "--isolated", "--", "true", env=user_env(ws), cwd=ws.root.parent)
    assert outside.returncode == 2
    assert "is outside workspace" in outside.stderr
    assert "Traceback" not in missing.stderr + outside.stderr


NAME_TEST = '''
import os
from pathlib import Path


def test_names(wtdock_ticket, wtdock_database):
    Path(os.environ["NOTE"]).write_text(f"{wtdock_ticket.name} {wtdock_ticket.database} {wtdock_database.source}")
'''


def test_pytest_under_isolated_tests_the_stack_not_the_ticket(reference_workspace: Sandbox, tmp_path: Path) -> None:
    ws = reference_workspace
    ws.cli("up", "feat-02", "--from", "api=feat/endpoint")
    api = ws.worktree("feat-02", "api")
    (api / "test_names.py").write_text(NAME_TEST)
    note = tmp_path / "names.txt"
    result = run_wtdock("test", "--isolated", "--", *pytest_argv("test_names.py"), env=user_env(ws, NOTE=str(note)),
                        cwd=api, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    ticket, database, source = note.read_text().split()
    assert re.fullmatch(r"test-[0-9a-f]{8}", ticket)
    assert database == "app_" + ticket.replace("-", "_")
    assert source.startswith("app__s")  # a copy of the stack's database, not of feat-02's
    assert leftovers(ws, ticket) == []
