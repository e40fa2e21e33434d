"""The parser of ``git worktree list --porcelain -z``, on output recorded from git 2.39."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from wtdock import gitops
from wtdock.errors import GitError
from wtdock.gitops import Worktree, parse_worktrees

HEAD = "828a8df3c0e31f3d14a0496a3f0113ac8cecfaef"

# Recorded: a main checkout, a detached worktree locked with no reason, a prunable one (its folder
# was deleted), one locked by `add --lock` alone, one locked by wtdock with a reason.
RECORDED = (
    f"worktree /tmp/wtrec/repo\0HEAD {HEAD}\0branch refs/heads/main\0\0"
    f"worktree /tmp/wtrec/wt-detached\0HEAD {HEAD}\0detached\0locked\0\0"
    f"worktree /tmp/wtrec/wt-gone\0HEAD {HEAD}\0branch refs/heads/gone\0"
    "prunable gitdir file points to non-existent location\0\0"
    f"worktree /tmp/wtrec/wt-lock-noreason\0HEAD {HEAD}\0branch refs/heads/nr\0locked added with --lock\0\0"
    f"worktree /tmp/wtrec/wt-locked\0HEAD {HEAD}\0branch refs/heads/feat/ui\0locked wtdock: ticket feat-01\0\0"
)

# Recorded from a bare repo with one worktree.
RECORDED_BARE = (
    "worktree /tmp/wtrec/bare.git\0bare\0\0"
    f"worktree /tmp/wtrec/wt-from-bare\0HEAD {HEAD}\0branch refs/heads/main\0\0"
)


def test_every_kind_of_worktree() -> None:
    assert parse_worktrees(RECORDED) == [
        Worktree(Path("/tmp/wtrec/repo"), HEAD, "main", locked=None, prunable=False),
        Worktree(Path("/tmp/wtrec/wt-detached"), HEAD, None, locked="", prunable=False),
        Worktree(Path("/tmp/wtrec/wt-gone"), HEAD, "gone", locked=None, prunable=True),
        Worktree(Path("/tmp/wtrec/wt-lock-noreason"), HEAD, "nr", locked="added with --lock", prunable=False),
        Worktree(Path("/tmp/wtrec/wt-locked"), HEAD, "feat/ui", locked="wtdock: ticket feat-01", prunable=False),
    ]


def test_a_bare_repo_has_no_head_and_no_branch() -> None:
    bare, linked = parse_worktrees(RECORDED_BARE)
    assert bare == Worktree(Path("/tmp/wtrec/bare.git"), None, None, locked=None, prunable=False)
    assert linked.branch == "main"


def test_paths_and_reasons_with_spaces_and_newlines_survive() -> None:
    text = f"worktree /tmp/my work/x\ny\0HEAD {HEAD}\0branch refs/heads/a\0locked line one\nline two\0\0"
    (found,) = parse_worktrees(text)
    assert found.path == Path("/tmp/my work/x\ny")
    assert found.locked == "line one\nline two"


def test_no_output_is_no_worktrees() -> None:
    assert parse_worktrees("") == []


@pytest.mark.parametrize(
    ("call", "no"),
    [
        (lambda: gitops.current_branch(Path("/r")), None),
        (lambda: gitops.resolve_commit(Path("/r"), "feat/ui"), None),
        (lambda: gitops.branch_exists(Path("/r"), "feat/ui"), False),
    ],
)
def test_no_such_ref_is_an_answer_and_a_fatal_error_is_an_error(
    monkeypatch: pytest.MonkeyPatch, call: Callable[[], object], no: object
) -> None:
    def answers(code: int) -> Callable[..., str]:
        def run(*_: object, **__: object) -> str:
            raise GitError("git failed", returncode=code, stderr="fatal: bad object")
        return run

    monkeypatch.setattr(gitops, "run", answers(1))
    assert call() == no
    # 128: a corrupt repo is not a detached HEAD, a missing branch or an unknown ref.
    monkeypatch.setattr(gitops, "run", answers(128))
    with pytest.raises(GitError):
        call()
