"""Claude Code's worktree hooks without an engine or git: the recorded payloads parse, a bad one is
one line, a hint and exit 2 with nothing on stdout, worktree names become valid ticket names, and
`install` merges its two hooks into a repo's .claude/settings.json (once, keeping the rest)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.claude_code_payloads import CREATE_DOCUMENTED, CREATE_SENT, REMOVE_SENT
from tests.unit.helpers import dump_yaml, reference_config
from wtdock.cli.app import app
from wtdock.errors import ConfigError, RefusedError, TicketNameError
from wtdock.names import ticket_slug
from wtdock.ops.claude_hooks import first_object, parse_create, parse_remove, ticket_name
from wtdock.ops.claude_settings import install
from wtdock.workspace import Workspace

README = Path(__file__).parents[2] / "README.md"


def test_the_recorded_payloads_parse() -> None:
    sent = parse_create(json.dumps(CREATE_SENT))
    assert (sent.name, sent.cwd, sent.base) == ("wt-hooked", Path("/home/you/shop/api"), None)
    documented = parse_create(json.dumps(CREATE_DOCUMENTED))
    assert (documented.name, documented.base) == ("feat-auth", "main")
    removed = parse_remove(json.dumps(REMOVE_SENT))
    assert removed.worktree_path == Path("/home/you/shop/.wtdock/worktrees/wt-hooked/api")


def test_the_payload_is_read_up_to_its_end_not_to_the_end_of_stdin() -> None:
    # Claude Code need not close stdin: reading stops at the first whole object.
    lines = iter(['{"name": "a",\n', ' "cwd": "/x"}\n'])
    assert json.loads(first_object(lines)) == {"name": "a", "cwd": "/x"}
    assert next(lines, None) is None
    assert first_object(iter(["not json\n"])) == "not json\n"


def hook(verb: str, stdin: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["hook", "claude-code", verb], input=stdin)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


CREATE_HINT = ("  hint: Claude Code runs this as its WorktreeCreate hook and sends one JSON object on stdin "
               "(see README.md)\n")


@pytest.mark.parametrize(
    ("stdin", "line"),
    [
        ("", "no payload on stdin"),
        ("{nope", "the payload on stdin is not JSON (Expecting property name enclosed in double quotes: "
                  "line 1 column 2 (char 1))"),
        ('["feat-02"]', "the payload on stdin is not a JSON object"),
        (json.dumps({"cwd": "/x"}), "the payload has no worktree name (worktree_name or name)"),
        (json.dumps({"name": "a", "worktree_name": "b"}), "the payload names two different worktrees "
                                                          "(worktree_name or name)"),
        (json.dumps({"name": 7}), "name in the payload is not a non-empty string: 7"),
        (json.dumps({"name": "a", "cwd": ""}), "cwd in the payload is not a non-empty string: ''"),
    ],
)
def test_a_bad_create_payload_is_one_line_a_hint_and_exit_2(stdin: str, line: str) -> None:
    assert hook("create", stdin) == (2, "", f"wtdock: error: WorktreeCreate hook: {line}\n{CREATE_HINT}")


def test_a_payload_for_the_other_hook_names_the_command_it_wants() -> None:
    code, out, err = hook("create", json.dumps(REMOVE_SENT))
    assert (code, out) == (2, "")
    assert err == ("wtdock: error: WorktreeCreate hook: the payload is for 'WorktreeRemove'\n"
                   "  hint: the WorktreeRemove hook runs `wtdock hook claude-code remove`\n")


@pytest.mark.parametrize("path", [None, "", "relative/api"])
def test_a_remove_payload_needs_an_absolute_worktree_path(path: str | None) -> None:
    sent = {k: v for k, v in REMOVE_SENT.items() if k != "worktree_path"}
    if path is not None:
        sent["worktree_path"] = path
    code, out, err = hook("remove", json.dumps(sent))
    assert (code, out) == (2, "")
    assert err.splitlines()[0].startswith("wtdock: error: WorktreeRemove hook: ")
    assert len(err.splitlines()) == 2 and "Traceback" not in err  # the line and its hint


@pytest.mark.parametrize(
    ("worktree", "ticket"),
    [
        ("feat-02", "feat-02"),
        ("feat/04-product-config", "feat/04-product-config"),
        ("agent-a1b2c3d4", "agent-a1b2c3d4"),
        ("fix the login bug!", "fix-the-login-bug"),
        ("-a//b..c/.d./e.lock", "a/b.c/d/e"),
    ],
)
def test_a_worktree_name_becomes_a_valid_ticket_name(worktree: str, ticket: str) -> None:
    assert ticket_name(worktree) == ticket
    ticket_slug(ticket)


def test_a_long_worktree_name_keeps_its_start_and_a_hash_of_the_whole() -> None:
    first, second = ticket_name("a" * 60 + "-one"), ticket_name("a" * 60 + "-two")
    assert first != second
    assert len(first) == 40 and re.fullmatch(r"a{32}-[0-9a-f]{7}", first)
    assert ticket_name("a" * 60 + "-one") == first  # the same session's worktree: the same ticket


@pytest.mark.parametrize("worktree", ["!!!", "shared"])
def test_a_worktree_name_with_no_ticket_in_it_is_refused(worktree: str) -> None:
    with pytest.raises(TicketNameError):
        ticket_name(worktree)


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    dump_yaml(reference_config("shop"), tmp_path / "wtdock.yaml")
    for repo in ("front", "api"):
        (tmp_path / repo).mkdir()
    return Workspace.load(explicit=str(tmp_path))


def settings(ws: Workspace, repo: str, name: str = "settings.json") -> dict[str, Any]:
    return dict(json.loads((ws.repo_path(repo) / ".claude" / name).read_text()))


def test_install_merges_into_a_settings_file_keeping_everything_else_and_never_twice(ws: Workspace) -> None:
    file = ws.repo_path("api") / ".claude" / "settings.json"
    file.parent.mkdir(parents=True)
    theirs = {"permissions": {"allow": ["Bash(npm test)"]}, "model": "opus",
              "hooks": {"PostToolUse": [{"matcher": "Edit", "hooks": [{"type": "command", "command": "make fmt"}]}]}}
    file.write_text(json.dumps(theirs))
    done = install(ws, [])
    both = ("WorktreeCreate", "WorktreeRemove")
    assert [(d.repo, d.added) for d in done] == [("front", both), ("api", both)]
    merged = settings(ws, "api")
    assert {k: v for k, v in merged.items() if k != "hooks"} == {k: v for k, v in theirs.items() if k != "hooks"}
    assert merged["hooks"]["PostToolUse"] == theirs["hooks"]["PostToolUse"]
    assert merged["hooks"]["WorktreeCreate"] == [
        {"hooks": [{"type": "command", "command": "wtdock hook claude-code create", "timeout": 600}]}]
    assert merged["hooks"]["WorktreeRemove"] == [
        {"hooks": [{"type": "command", "command": "wtdock hook claude-code remove", "timeout": 600}]}]
    before = file.read_text()
    again = install(ws, ["api"])
    assert [(d.repo, d.added) for d in again] == [("api", ())]
    assert file.read_text() == before


def test_install_local_and_a_repo_outside_the_workspace_folder(tmp_path: Path) -> None:
    config = reference_config("shop")
    config["repos"]["api"]["path"] = "../elsewhere/api"
    for folder in ("ws/front", "elsewhere/api"):
        (tmp_path / folder).mkdir(parents=True)
    dump_yaml(config, tmp_path / "ws" / "wtdock.yaml")
    ws = Workspace.load(explicit=str(tmp_path / "ws"))
    install(ws, ["api"], local=True)
    hooks = settings(ws, "api", "settings.local.json")["hooks"]
    assert hooks["WorktreeCreate"][0]["hooks"][0]["command"] == f"wtdock -w {ws.root} hook claude-code create"
    assert not (ws.repo_path("front") / ".claude").exists()


def test_install_refuses_another_tools_worktree_hook_and_a_broken_file_writing_nothing(ws: Workspace) -> None:
    file = ws.repo_path("api") / ".claude" / "settings.json"
    file.parent.mkdir(parents=True)
    file.write_text(json.dumps({"hooks": {"WorktreeCreate": [{"hooks": [{"type": "command", "command": "wt x"}]}]}}))
    with pytest.raises(RefusedError, match=r"hooks.WorktreeCreate already runs another command: wt x"):
        install(ws, [])
    assert not (ws.repo_path("front") / ".claude").exists()  # checked all before writing any
    file.write_text("{not json")
    with pytest.raises(ConfigError, match=r"settings.json: not valid JSON"):
        install(ws, ["api"])
    assert file.read_text() == "{not json"


def test_the_readme_snippet_is_what_install_writes(ws: Workspace) -> None:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("### Claude Code's worktree hooks"):]
    snippet = json.loads(re.search(r"```json\n(.*?)```", section, re.S).group(1))  # type: ignore[union-attr]
    install(ws, ["api"])
    assert snippet == settings(ws, "api")


def test_while_a_hook_works_stdout_goes_to_stderr_also_for_child_processes(capfd: pytest.CaptureFixture[str]) -> None:
    from wtdock.cli.hook import stdout_to_stderr

    with stdout_to_stderr():
        print("progress")
        os.write(1, b"what a child process writes\n")  # a child inherits file descriptor 1
    print("/the/path")
    out, err = capfd.readouterr()
    assert out == "/the/path\n"
    assert err == "progress\nwhat a child process writes\n"
