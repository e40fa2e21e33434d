"""`repos.R.base` left out: new ticket branches start from the repo's own default branch (real git)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.helpers import git
from wtdock import gitops


def repo(path: Path, branch: str) -> Path:
    path.mkdir()
    git(path, "init", "-q", "-b", branch)
    (path / "a.txt").write_text("a\n")
    git(path, "add", "-A")
    git(path, "commit", "-qm", "init")
    return path


def test_the_remotes_default_branch_comes_first(tmp_path: Path) -> None:
    origin = repo(tmp_path / "origin", "trunk")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(origin), str(clone))
    git(clone, "checkout", "-q", "-b", "feature")
    assert gitops.default_branch(clone) == "trunk"  # the local trunk, not the current branch
    git(clone, "branch", "-q", "-D", "trunk")
    assert gitops.default_branch(clone) == "origin/trunk"


def test_else_the_current_branch_else_main_or_master(tmp_path: Path) -> None:
    path = repo(tmp_path / "r", "develop")
    assert gitops.default_branch(path) == "develop"
    git(path, "branch", "-q", "master")
    git(path, "checkout", "-q", "--detach")
    assert gitops.default_branch(path) == "master"
    git(path, "branch", "-q", "-m", "master", "other")
    git(path, "branch", "-q", "-D", "develop")
    assert gitops.default_branch(path) is None


def test_no_default_branch_is_an_error_naming_the_key(tmp_path: Path) -> None:
    """(`up` off the default branch is covered end to end by the monorepo test: its repo has no `base`.)"""
    from wtdock.config.model import Config
    from wtdock.errors import NotFoundError
    from wtdock.ops.worktree_steps import base_ref
    from wtdock.workspace import Workspace

    path = repo(tmp_path / "r", "develop")
    git(path, "checkout", "-q", "--detach")
    git(path, "branch", "-q", "-D", "develop")
    ws = Workspace(config_file=tmp_path / "wtdock.yaml",
                   config=Config.model_validate({"name": "x", "repos": {"r": {"path": "r"}}}))
    with pytest.raises(NotFoundError, match="repo r: cannot tell its default branch") as err:
        base_ref(ws, "r", path)
    assert err.value.hint == f"set repos.r.base in {tmp_path / 'wtdock.yaml'}, or give --from r=REF"
