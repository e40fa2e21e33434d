"""The pytest plugin as a user runs it: plain `pytest` in a ticket's worktree, a throwaway stack per
session that leaves nothing behind (passing, failing, Ctrl-C, SIGTERM), and one clear line when
there is no ticket, no workspace or no engine."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.integration.helpers import Sandbox, git, http_get
from tests.integration.stacks import leftovers, pytest_argv, run_pytest, sql, user_env

# Test databases (clones and their sources) of any session: app__t<session>_<label>, app__s<session>_<worker>.
TEST_DATABASES = "SELECT datname FROM pg_database WHERE datname ~ '^app__[ts][0-9a-f]{8}_'"

TICKET_TEST = '''
import json
import urllib.request

import psycopg2


def test_reaches_the_api_and_the_database(wtdock_ticket):
    assert wtdock_ticket.name == "feat-02"
    api = wtdock_ticket.url("api")
    assert urllib.request.urlopen(api + "/").read().decode() == "api feat/endpoint\\n"
    urllib.request.urlopen(api + "/db/put?key=plugin&value=reached")
    with psycopg2.connect(wtdock_ticket.env["DATABASE_URL"]) as conn, conn.cursor() as cur:
        cur.execute("SELECT current_database(), value FROM kv WHERE key = 'plugin'")
        assert cur.fetchone() == (wtdock_ticket.database, "reached")
    assert wtdock_ticket.internal_url("api").startswith("http://feat-02-api:")
'''

STACK_TEST = '''
import json
import os
import time
import urllib.request
from pathlib import Path


def test_stack(wtdock_stack):
    stack = wtdock_stack()
    assert stack is wtdock_stack()
    served = urllib.request.urlopen(stack.url("api") + "/").read().decode()
    Path(os.environ["STACK_NOTE"]).write_text(json.dumps({"name": stack.name, "served": served}))
    if os.environ.get("STACK_MODE") == "fail":
        raise AssertionError("this test fails on purpose")
    if os.environ.get("STACK_MODE") == "hang":
        time.sleep(600)
'''


@pytest.fixture
def ticket_ws(reference_workspace: Sandbox) -> Sandbox:
    reference_workspace.cli("up", "feat-02", "--from", "api=feat/endpoint")
    return reference_workspace


def test_plain_pytest_in_a_worktree_reaches_its_tickets_api_and_database(ticket_ws: Sandbox) -> None:
    api = ticket_ws.worktree("feat-02", "api")
    (api / "test_ticket.py").write_text(TICKET_TEST)
    result = run_pytest(ticket_ws, api, "test_ticket.py")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout


def test_outside_a_ticket_it_skips_with_the_reason_or_fails_when_required(ticket_ws: Sandbox, tmp_path: Path) -> None:
    (tmp_path / "test_ticket.py").write_text(TICKET_TEST)
    skipped = run_pytest(ticket_ws, tmp_path, "-rs", "test_ticket.py")
    assert skipped.returncode == 0, skipped.stdout
    assert "1 skipped" in skipped.stdout
    assert "wtdock: not in a ticket: no wtdock.yaml" in skipped.stdout
    required = run_pytest(ticket_ws, tmp_path, "--wtdock-required", "test_ticket.py")
    assert required.returncode == 1
    assert "wtdock: not in a ticket: no wtdock.yaml" in required.stdout
    assert "Traceback" not in required.stdout and "wtdock/pytest_plugin.py" not in required.stdout


def _stack_session(ws: Sandbox, tmp_path: Path, mode: str) -> tuple[subprocess.CompletedProcess[str], dict[str, str]]:
    api = ws.worktree("feat-02", "api")
    (api / "test_stack.py").write_text(STACK_TEST)
    note = tmp_path / f"{mode}.json"
    result = run_pytest(ws, api, "test_stack.py", STACK_NOTE=str(note), STACK_MODE=mode)
    return result, json.loads(note.read_text())


@pytest.mark.parametrize("mode", ["pass", "fail"])
def test_a_stack_runs_the_code_on_disk_and_leaves_nothing(ticket_ws: Sandbox, tmp_path: Path, mode: str) -> None:
    ws = ticket_ws
    api = ws.worktree("feat-02", "api")
    (api / "branch.txt").write_text("api on disk\n")
    result, note = _stack_session(ws, tmp_path, mode)
    assert result.returncode == (0 if mode == "pass" else 1), result.stdout + result.stderr
    assert note["served"] == "api on disk\n"
    assert leftovers(ws, note["name"]) == []
    assert (api / "branch.txt").read_text() == "api on disk\n"
    assert [t["name"] for t in ws.json("ps")] == ["feat-02"]


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupted_session_tears_its_stack_down(ticket_ws: Sandbox, tmp_path: Path, sig: signal.Signals) -> None:
    ws = ticket_ws
    api = ws.worktree("feat-02", "api")
    (api / "test_stack.py").write_text(STACK_TEST)
    note = tmp_path / "hang.json"
    proc = subprocess.Popen(pytest_argv("test_stack.py"), cwd=api, text=True, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, env=user_env(ws, STACK_NOTE=str(note), STACK_MODE="hang"))
    deadline = time.monotonic() + 300
    while not note.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert note.exists(), proc.communicate()[0] if proc.poll() is not None else "no stack after 300 s"
    name = json.loads(note.read_text())["name"]
    assert leftovers(ws, name) != []
    proc.send_signal(sig)
    output, _ = proc.communicate(timeout=300)
    assert proc.returncode != 0
    assert leftovers(ws, name) == [], output
    assert "Traceback" not in output


def test_keep_leaves_the_stack_and_says_how_to_remove_it(ticket_ws: Sandbox, tmp_path: Path) -> None:
    ws = ticket_ws
    api = ws.worktree("feat-02", "api")
    (api / "test_stack.py").write_text(STACK_TEST)
    note = tmp_path / "keep.json"
    result = run_pytest(ws, api, "--wtdock-keep", "test_stack.py", STACK_NOTE=str(note))
    assert result.returncode == 0, result.stdout + result.stderr
    name = json.loads(note.read_text())["name"]
    assert f"kept test stack {name} (--wtdock-keep)" in result.stderr
    assert name in [t["name"] for t in ws.json("ps")]
    assert not [f for f in ws.json("gc")["found"] if name in f["what"]]
    ws.cli("down", name)
    assert leftovers(ws, name) == []


def test_no_engine_is_one_line(ticket_ws: Sandbox, tmp_path: Path) -> None:
    ws = ticket_ws
    api = ws.worktree("feat-02", "api")
    (api / "test_stack.py").write_text(STACK_TEST)
    result = run_pytest(ws, api, "test_stack.py", STACK_NOTE=str(tmp_path / "n.json"),
                        DOCKER_HOST=f"unix://{tmp_path}/no-engine.sock")
    assert result.returncode == 1
    assert "Failed: wtdock: " in result.stdout or "wtdock: " in result.stdout
    assert "Traceback" not in result.stdout and "wtdock/pytest_plugin.py" not in result.stdout


DATABASE_TEST = '''
import json
import os
import time
from pathlib import Path

import psycopg2
import pytest


def rows(url, statement):
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute(statement)
        return cur.fetchall() if cur.description else []


@pytest.mark.parametrize("n", range(6))
def test_worker_database(wtdock_database, n):
    (name,), = rows(wtdock_database.url, "SELECT current_database()")
    assert name == wtdock_database.name
    values = rows(wtdock_database.url, "SELECT value FROM kv WHERE key = 'seed'")
    rows(wtdock_database.url, f"INSERT INTO kv VALUES ('written-{n}', 'by a test')")
    note = Path(os.environ["NOTES"]) / f"{os.environ.get('PYTEST_XDIST_WORKER', 'main')}-{n}.json"
    note.write_text(json.dumps({"database": name, "values": values}))
    time.sleep(0.3)


def test_fresh_databases(wtdock_fresh_database, request):
    rows(wtdock_fresh_database.url, "INSERT INTO kv VALUES ('fresh', 'x')")
    Path(os.environ["NOTES"], f"fresh-{os.getpid()}.json").write_text(json.dumps(wtdock_fresh_database.name))
'''


def test_three_workers_get_three_databases_with_the_tickets_rows_and_they_go(
    ticket_ws: Sandbox, tmp_path: Path
) -> None:
    ws = ticket_ws
    api_url = ws.json("url", "feat-02", "api")["urls"]["api"]
    http_get(f"{api_url}/db/put?key=seed&value=from-the-ticket")
    api = ws.worktree("feat-02", "api")
    (api / "test_databases.py").write_text(DATABASE_TEST)
    notes = tmp_path / "notes"
    notes.mkdir()
    result = run_pytest(ws, api, "-n", "3", "test_databases.py", NOTES=str(notes))
    assert result.returncode == 0, result.stdout + result.stderr
    seen = [json.loads(p.read_text()) for p in notes.glob("gw*.json")]
    assert len(seen) == 6
    assert len({s["database"] for s in seen}) == 3
    assert all(s["values"] == [["from-the-ticket"]] for s in seen)
    fresh = {json.loads(p.read_text()) for p in notes.glob("fresh-*.json")}
    assert len(fresh) == 1 and not fresh & {s["database"] for s in seen}
    # All dropped, and what the tests wrote never reached the ticket's database.
    assert sql(ws, TEST_DATABASES) == []
    assert sql(ws, "SELECT count(*) FROM kv", database="app_feat_02") == [(1,)]


GC_TEST = '''
import os
import signal


def test_killed(wtdock_stack, wtdock_database, wtdock_container, wtdock_ticket):
    wtdock_stack()
    wtdock_container(wtdock_ticket, "wtdock-standin/runtime:1").with_command("sleep 600").start()
    os.kill(os.getpid(), signal.SIGKILL)
'''


def test_gc_removes_what_a_killed_session_left_and_nothing_else(ticket_ws: Sandbox) -> None:
    ws = ticket_ws
    api = ws.worktree("feat-02", "api")
    (api / "test_killed.py").write_text(GC_TEST)
    (api / "branch.txt").write_text("uncommitted\n")
    result = run_pytest(ws, api, "test_killed.py")
    assert result.returncode == -signal.SIGKILL
    stacks = [t["name"] for t in ws.json("ps") if t["name"].startswith("test-")]
    assert len(stacks) == 1
    found = {f["kind"]: f for f in ws.json("gc")["found"]}
    assert {"test stack", "test containers", "test database"} <= set(found), found
    removed = ws.json("gc", "--yes")["found"]
    kinds = {f["kind"] for f in removed if f["outcome"] == "removed"}
    assert kinds >= {"test stack", "test containers", "test database"}
    assert leftovers(ws, stacks[0]) == []
    assert sql(ws, TEST_DATABASES) == []
    assert [t["name"] for t in ws.json("ps")] == ["feat-02"]
    assert (api / "branch.txt").read_text() == "uncommitted\n"
    assert not [f for f in ws.json("gc")["found"] if f["kind"].startswith("test")]


REFS_TEST = '''
import json
import os
import urllib.request
from pathlib import Path


def test_refs(wtdock_stack):
    stack = wtdock_stack(refs={"api": "main"})
    assert stack is not wtdock_stack()
    served = urllib.request.urlopen(stack.url("api") + "/").read().decode()
    Path(os.environ["STACK_NOTE"]).write_text(json.dumps({"name": stack.name, "served": served}))
'''


def test_a_stack_at_refs_runs_detached_worktrees_of_its_own_and_removes_them(
    ticket_ws: Sandbox, tmp_path: Path
) -> None:
    ws = ticket_ws
    api = ws.worktree("feat-02", "api")
    repo = ws.root / "api"
    branches_before = git(repo, "branch", "--list")
    (api / "test_refs.py").write_text(REFS_TEST)
    note = tmp_path / "refs.json"
    result = run_pytest(ws, api, "test_refs.py", STACK_NOTE=str(note))
    assert result.returncode == 0, result.stdout + result.stderr
    found = json.loads(note.read_text())
    assert found["served"] == "api main\n"
    assert leftovers(ws, found["name"]) == []
    assert git(repo, "branch", "--list") == branches_before
    assert str(ws.root / ".wtdock" / "worktrees" / found["name"]) not in git(repo, "worktree", "list")
    assert [t["name"] for t in ws.json("ps")] == ["feat-02"]


def test_a_stack_outside_a_workspace_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "test_stack.py").write_text(STACK_TEST)
    result = subprocess.run(pytest_argv("test_stack.py"), cwd=tmp_path, capture_output=True, text=True, timeout=120,
                            check=False, env=user_env(Sandbox(tmp_path, "none")))
    assert result.returncode == 1
    assert "wtdock: no wtdock.yaml in" in result.stdout
    assert "Traceback" not in result.stdout and "wtdock/pytest_plugin.py" not in result.stdout
