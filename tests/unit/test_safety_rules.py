"""Names that must never meet, an undo that keeps what it cannot finish, and a worktree that leads
back to the workspace that made it."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.unit.helpers import reference_config, workspace
from wtdock.errors import GitError, UserError
from wtdock.gitops import MARKER
from wtdock.names import ticket_slug
from wtdock.ops.context import Context
from wtdock.ops.undo import Undo
from wtdock.ops.up import _check_aliases
from wtdock.plan.connections import database_name, template_database
from wtdock.registry import RepoRecord, State, TicketRecord
from wtdock.workspace import Workspace

TICKET_NAMES = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._/-]{0,38}[A-Za-z0-9]", fullmatch=True)


@given(TICKET_NAMES)
def test_no_ticket_database_is_ever_the_template_or_its_scratch_copies(name: str) -> None:
    try:
        slug = ticket_slug(name)
    except UserError:
        return
    config = workspace(reference_config()).config
    template = template_database(config)
    assert database_name("app", slug) not in (template, f"{template}_new", f"{template}_old", "app")


@pytest.mark.parametrize("slug", ["template", "template-new", "template-old"])
def test_the_tickets_named_like_the_template_get_their_own_database(slug: str) -> None:
    assert database_name("app", slug) == f"app_{slug.replace('-', '_')}"
    assert template_database(workspace(reference_config()).config) == "app__template"


def test_an_undo_that_fails_keeps_the_registry_entry_for_down() -> None:
    said: list[str] = []
    done: list[str] = []
    undo = Undo(said.append)
    undo.push("registry entry of t", lambda: done.append("registry"), only_if_clean=True)
    undo.push("branch t", lambda: done.append("branch"))

    def refuse() -> None:
        raise GitError("worktree has untracked files")

    undo.push("worktree /w/t", refuse)
    undo.run()
    assert done == ["branch"]
    assert said[0].startswith("could not undo (worktree /w/t)")
    assert said[-1] == "kept: registry entry of t, for `wtdock down` to finish what could not be undone"


def test_a_clean_undo_runs_every_step_in_reverse() -> None:
    done: list[str] = []
    undo = Undo(lambda _: None)
    undo.push("a", lambda: done.append("a"), only_if_clean=True)
    undo.push("b", lambda: done.append("b"))
    undo.run()
    assert done == ["b", "a"]


def _ticket(name: str, *repos: str) -> TicketRecord:
    repo = RepoRecord(path="/w", repo_path="/r", git_dir="/r/.git", branch=name,
                      created_worktree=True, created_branch=True)
    return TicketRecord(name=name, slug=ticket_slug(name), created_at="now", repos=dict.fromkeys(repos, repo))


def test_two_tickets_whose_network_names_would_meet_are_refused() -> None:
    config = reference_config()
    config["services"]["api-worker"] = {"repo": "api", "image": "x"}
    config["services"]["worker"] = {"repo": "front", "image": "x"}
    ctx = Context(workspace(config))
    state = State(tickets={"x": _ticket("x", "api")})
    # Ticket x runs api-worker as x-api-worker; ticket x-api would run worker under that name.
    with pytest.raises(UserError, match="would share the network name x-api-worker with ticket x"):
        _check_aliases(ctx, state, _ticket("x-api", "front"), {"front"})
    _check_aliases(ctx, state, _ticket("y", "front"), {"front"})


def test_a_worktree_holding_a_copy_of_wtdock_yaml_leads_to_the_workspace_that_made_it(tmp_path: Path) -> None:
    """A monorepo commits wtdock.yaml: each ticket's worktree has a copy, which must not win."""
    real = tmp_path / "ws" / "wtdock.yaml"
    real.parent.mkdir()
    real.write_text("name: real\n")
    git_dir = tmp_path / "ws" / "mono" / ".git" / "worktrees" / "t1"
    git_dir.mkdir(parents=True)
    (git_dir / MARKER).write_text(f"{real}\n")
    worktree = tmp_path / "ws" / ".wtdock" / "worktrees" / "t1" / "mono"
    (worktree / "src").mkdir(parents=True)
    (worktree / ".git").write_text(f"gitdir: {git_dir}\n")
    (worktree / "wtdock.yaml").write_text("name: copy\n")

    assert Workspace.load(start=worktree / "src").config_file == real
    # Anywhere else the nearest wtdock.yaml is the workspace, as always.
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "wtdock.yaml").write_text("name: other\n")
    assert Workspace.load(start=tmp_path / "other").name == "other"


def test_a_copy_of_wtdock_yaml_in_a_subfolder_of_the_worktree_does_not_win_either(tmp_path: Path) -> None:
    real = tmp_path / "ws" / "wtdock.yaml"
    real.parent.mkdir()
    real.write_text("name: real\n")
    git_dir = tmp_path / "mono.git" / "worktrees" / "t1"
    git_dir.mkdir(parents=True)
    (git_dir / MARKER).write_text(f"{real}\n")
    worktree = tmp_path / "ws" / ".wtdock" / "worktrees" / "t1" / "mono"
    (worktree / "deploy" / "dev").mkdir(parents=True)
    (worktree / ".git").write_text(f"gitdir: {git_dir}\n")
    (worktree / "deploy" / "wtdock.yaml").write_text("name: copy\n")
    assert Workspace.load(start=worktree / "deploy" / "dev").config_file == real
