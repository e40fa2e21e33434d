"""`down` loses no commit and no file: what only a worktree holds is refused by a plain `down`, and
kept by `--force` (commits and uncommitted work in rescue refs, ignored files in the state folder);
`wtdock rescue` lists, shows, restores and drops it. Asserted with git itself."""

from __future__ import annotations

import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tests.integration.helpers import Sandbox, git
from wtdock.ops.context import Context
from wtdock.workspace import Workspace


def unreachable(repo: Path) -> set[str]:
    """Commits no ref (and no worktree's HEAD) reaches, reflogs aside: what git's gc may prune."""
    out = git(repo, "fsck", "--unreachable", "--no-reflogs", "--no-progress")
    return {line.split()[2] for line in out.splitlines() if line.startswith("unreachable commit ")}


def refs_containing(repo: Path, sha: str) -> list[str]:
    return git(repo, "for-each-ref", "--format=%(refname)", "--contains", sha).split()


def commit(worktree: Path, name: str, text: str, message: str) -> str:
    (worktree / name).write_text(text)
    git(worktree, "add", name)
    git(worktree, "commit", "-qm", message)
    return git(worktree, "rev-parse", "HEAD").strip()


def detached_commit(worktree: Path, branch: str, message: str) -> str:
    """A commit on a detached HEAD, then back to the branch: only the worktree's reflog has it."""
    git(worktree, "checkout", "-q", "--detach")
    sha = commit(worktree, f"{message.replace(' ', '-')}.txt", f"{message}\n", message)
    git(worktree, "checkout", "-q", branch)
    return sha


def rescues(ws: Sandbox, ticket: str | None = None) -> list[dict[str, str]]:
    return list(ws.json("rescue", "list", *([ticket] if ticket else [])))


def test_a_commit_left_on_a_detached_head_blocks_down_and_force_keeps_it(
    make_workspace: Callable[..., Sandbox],
) -> None:
    ws = make_workspace("detach")
    ws.cli("up", "det")
    front, repo = ws.worktree("det", "front"), ws.root / "front"
    sha = detached_commit(front, "det", "detached experiment")
    assert git(front, "branch", "--show-current").strip() == "det"
    assert sha in unreachable(repo)  # only the worktree's reflog has it

    refused = ws.cli("down", "det", code=3)
    assert refused.stderr.splitlines() == [
        "wtdock: error: ticket det has work that removing its worktrees would lose",
        f"  front: commits on no other branch or remote: {sha[:7]} detached experiment",
        "  hint: commit and push it, or `wtdock down det --keep-worktrees`, "
        "or --force (it keeps every commit and uncommitted file in rescue refs)",
    ]
    assert front.is_dir()

    done = ws.cli("down", "det", "--force")
    assert (f"  kept    front: commit {sha[:7]} detached experiment in rescue det/front/1 "
            "(wtdock rescue restore det/front/1 makes it a branch)") in done.stdout.splitlines()
    assert not front.exists()
    assert sha not in unreachable(repo)
    assert refs_containing(repo, sha) == [f"refs/wtdock/rescue/{ws.name}/det/front/1-commit"]


@dataclass
class Dirty:
    """What a ticket's worktrees held before `down --force`."""

    front_detached: str
    api_detached: str
    api_unpushed: str
    api_head: str
    files: dict[str, str | None]  # path -> content, None for deleted
    status: list[str]


def make_dirty_ticket(ws: Sandbox, ticket: str) -> Dirty:
    """Every kind of work that removing a worktree would lose, in both repos of ``ticket``."""
    ws.cli("up", ticket, "--from", "api=feat/endpoint")
    front, api = ws.worktree(ticket, "front"), ws.worktree(ticket, "api")
    # node_modules/ is ignored through the repo's own exclude file (shared by its worktrees).
    (ws.root / "api" / ".git" / "info" / "exclude").write_text("node_modules/\n")
    front_detached = detached_commit(front, ticket, "front experiment")
    api_detached = detached_commit(api, ticket, "api experiment")
    (api / "old.txt").write_text("to be deleted\n")
    (api / "feature.txt").write_text("the feature\n")
    git(api, "add", "old.txt", "feature.txt")
    git(api, "commit", "-qm", "unpushed feature work")
    api_unpushed = git(api, "rev-parse", "HEAD").strip()
    (api / "branch.txt").write_text("half-done edit\n")  # modified, unstaged
    (api / "old.txt").unlink()  # deleted, unstaged
    (api / "feature.txt").write_text("the feature, staged\n")
    git(api, "add", "feature.txt")
    (api / "feature.txt").write_text("the feature, staged, then edited again\n")  # staged and unstaged
    (api / "staged.txt").write_text("a new file, staged\n")
    git(api, "add", "staged.txt")
    (api / "notes.txt").write_text("ideas\n")  # untracked
    (api / "docs").mkdir()
    (api / "docs" / "idea.md").write_text("# an idea\n")  # untracked, in a new folder
    (api / ".env").write_text("SECRET=api\n")  # ignored: .gitignore
    (api / "node_modules" / "pkg").mkdir(parents=True)
    (api / "node_modules" / "pkg" / "index.js").write_text("rebuilt by npm\n")  # ignored, rebuilt
    files: dict[str, str | None] = {
        "branch.txt": "half-done edit\n",
        "old.txt": None,
        "feature.txt": "the feature, staged, then edited again\n",
        "staged.txt": "a new file, staged\n",
        "notes.txt": "ideas\n",
        "docs/idea.md": "# an idea\n",
    }
    status = git(api, "status", "--porcelain").splitlines()
    head = git(api, "rev-parse", "HEAD").strip()
    return Dirty(front_detached, api_detached, api_unpushed, head, files, status)


def test_down_force_keeps_every_commit_and_every_file(make_workspace: Callable[..., Sandbox]) -> None:
    ws = make_workspace("force")
    dirty = make_dirty_ticket(ws, "frc")
    assert dirty.status == [" M branch.txt", "MM feature.txt", " D old.txt", "A  staged.txt", "?? docs/",
                            "?? notes.txt"]
    front_repo, api_repo = ws.root / "front", ws.root / "api"
    assert {dirty.front_detached} <= unreachable(front_repo)
    assert {dirty.api_detached} <= unreachable(api_repo)

    result = ws.cli("down", "frc", "--force")
    assert not ws.worktree("frc", "api").exists()
    prefix = f"refs/wtdock/rescue/{ws.name}/frc"

    # Every commit made in the worktrees is reachable from a ref: the unpushed one from its branch,
    # the detached ones from rescue refs.
    assert dirty.front_detached not in unreachable(front_repo)
    assert not {dirty.api_detached, dirty.api_unpushed} & unreachable(api_repo)
    assert refs_containing(api_repo, dirty.api_unpushed) == ["refs/heads/frc", f"{prefix}/api/2-uncommitted"]
    assert refs_containing(api_repo, dirty.api_detached) == [f"{prefix}/api/1-commit"]

    # ...and `down` says where each went.
    lines = result.stdout.splitlines()
    assert f"  kept    front: commit {dirty.front_detached[:7]} front experiment in rescue frc/front/1 " \
           "(wtdock rescue restore frc/front/1 makes it a branch)" in lines
    assert f"  kept    api: commit {dirty.api_detached[:7]} api experiment in rescue frc/api/1 " \
           "(wtdock rescue restore frc/api/1 makes it a branch)" in lines
    assert "  kept    api: uncommitted work in rescue frc/api/2 (wtdock rescue restore frc/api/2 --into PATH)" in lines
    assert "ignored files not kept" not in result.stderr  # node_modules/ is rebuilt anyway: no warning
    assert "  kept    api: branch frc" in lines

    # Every modified and untracked file is in the rescue commit, on top of the worktree's HEAD.
    kept = f"{prefix}/api/2-uncommitted"
    assert git(api_repo, "rev-parse", f"{kept}^").strip() == dirty.api_head
    for path, text in dirty.files.items():
        if text is None:
            assert git(api_repo, "ls-tree", "--name-only", kept, "--", path) == ""
        else:
            assert git(api_repo, "show", f"{kept}:{path}") == text
    assert git(api_repo, "show", f"{kept}:server.py")  # untouched files are there too
    tree = git(api_repo, "ls-tree", "-r", "--name-only", kept).split()
    assert ".env" not in tree
    assert not [p for p in tree if p.startswith("node_modules/")]
    message = git(api_repo, "log", "-1", "--format=%B", kept)
    assert message.startswith("wtdock rescue: uncommitted work of ticket frc, repo api, 20")

    # Ignored files: .env in the state folder, private; node_modules/ not.
    (folder,) = (ws.root / ".wtdock" / "rescue" / "frc").iterdir()
    assert (folder / "api" / ".env").read_text() == "SECRET=api\n"
    assert stat.S_IMODE((folder / "api" / ".env").stat().st_mode) == 0o600
    assert stat.S_IMODE((folder / "api").stat().st_mode) == 0o700
    assert not (folder / "api" / "node_modules").exists()
    assert f"  kept    api: ignored files .env in rescue frc/api/3 at {folder / 'api'} " \
           "(wtdock rescue restore frc/api/3 --into PATH)" in lines


def test_rescue_list_show_restore_drop(make_workspace: Callable[..., Sandbox]) -> None:
    ws = make_workspace("roundtrip")
    dirty = make_dirty_ticket(ws, "rt")
    ws.cli("down", "rt", "--force")
    front_repo, api_repo = ws.root / "front", ws.root / "api"

    listed = rescues(ws, "rt")
    assert [(r["id"], r["ticket"], r["repo"], r["kind"]) for r in listed] == [
        ("rt/api/1", "rt", "api", "commit"),
        ("rt/api/2", "rt", "api", "uncommitted"),
        ("rt/api/3", "rt", "api", "ignored files"),
        ("rt/front/1", "rt", "front", "commit"),
    ]
    assert listed[0]["summary"] == f"{dirty.api_detached[:7]} api experiment"
    assert listed[1]["summary"] == "6 files: branch.txt, feature.txt, old.txt, staged.txt, docs/ (+1 more)"
    assert listed[2]["summary"] == "1 file: .env"
    assert rescues(ws, "other") == []
    table = ws.cli("rescue", "list").stdout.splitlines()
    assert table[0].split() == ["ID", "TICKET", "REPO", "KIND", "WHEN", "SUMMARY"]
    assert len(table) == 5

    shown = ws.cli("rescue", "show", "rt/api/2").stdout
    assert "    wtdock rescue: uncommitted work of ticket rt, repo api, " in shown
    for line in ("  M  branch.txt", "  D  old.txt", "  M  feature.txt", "  A  staged.txt", "  A  notes.txt",
                 "  A  docs/idea.md"):
        assert line in shown.splitlines()
    shown = ws.cli("rescue", "show", "rt/api/3").stdout.splitlines()
    assert "  .env" in shown
    assert "  node_modules/ (rebuilt by your tools)" in shown
    assert "    api experiment" in ws.cli("rescue", "show", "rt/api/1").stdout.splitlines()
    detail = ws.envelope("rescue", "show", "rt/api/2")  # checked against its schema
    assert detail["rescue"]["ref"] == f"refs/wtdock/rescue/{ws.name}/rt/api/2-uncommitted"
    assert "A  docs/idea.md" in detail["files"]

    # A commit comes back as a branch.
    done = ws.cli("rescue", "restore", "rt/front/1").stdout
    assert done.startswith("restored rt/front/1 as branch rescue/rt-front-1 ")
    assert git(front_repo, "rev-parse", "rescue/rt-front-1").strip() == dirty.front_detached
    ws.cli("rescue", "restore", "rt/api/1", "--branch", "keep/experiment")
    assert git(api_repo, "rev-parse", "keep/experiment").strip() == dirty.api_detached
    again = ws.cli("rescue", "restore", "rt/api/1", "--branch", "keep/experiment", code=2)
    assert again.stderr.startswith("wtdock: error: branch 'keep/experiment' already exists in repo api")

    # Uncommitted work needs a worktree: the ticket's, once it exists again.
    gone = ws.cli("rescue", "restore", "rt/api/2", code=2)
    assert gone.stderr.startswith("wtdock: error: ticket rt has no worktree of api now")
    ws.cli("up", "rt", "--checkout", "api=rt")
    api = ws.worktree("rt", "api")
    assert git(api, "status", "--porcelain") == ""
    ws.cli("rescue", "restore", "rt/api/2")
    for path, text in dirty.files.items():
        assert (api / path).read_text() if text is not None else not (api / path).exists()
        if text is not None:
            assert (api / path).read_text() == text
    # The same files, uncommitted (what was staged comes back unstaged).
    assert git(api, "status", "--porcelain").splitlines() == [
        " M branch.txt", " M feature.txt", " D old.txt", "?? docs/", "?? notes.txt", "?? staged.txt",
    ]
    assert git(api, "rev-parse", "HEAD").strip() == dirty.api_head
    refused = ws.cli("rescue", "restore", "rt/api/2", code=3)
    assert refused.stderr.startswith(f"wtdock: error: {api} has changes of its own")

    # Ignored files come back, never over a file that exists.
    (api / ".env").unlink(missing_ok=True)
    ws.cli("rescue", "restore", "rt/api/3")
    assert (api / ".env").read_text() == "SECRET=api\n"
    (api / ".env").write_text("SECRET=newer\n")
    assert "left as they were (they exist): .env" in ws.cli("rescue", "restore", "rt/api/3").stdout
    assert (api / ".env").read_text() == "SECRET=newer\n"

    # Into a worktree that moved on: a 3-way merge; what both changed comes back with markers.
    git(api, "checkout", "-q", "--", ".")
    git(api, "clean", "-qfd")
    commit(api, "branch.txt", "committed meanwhile\n", "meanwhile")
    done = ws.cli("rescue", "restore", "rt/api/2").stdout
    assert "conflicts in branch.txt: both versions are in those files, between <<<<<<< and >>>>>>> markers" in done
    merged = (api / "branch.txt").read_text()
    assert "committed meanwhile" in merged
    assert "half-done edit" in merged
    assert (api / "notes.txt").read_text() == "ideas\n"
    assert git(api, "diff", "--cached", "--name-only") == ""  # uncommitted, unstaged, as before

    # Dropped, they are gone: refs, copies, records.
    for rescue_id in ("rt/api/1", "rt/api/2", "rt/api/3"):
        assert ws.cli("rescue", "drop", rescue_id, "--yes").stdout == f"dropped {rescue_id}\n"
    assert ws.envelope("rescue", "drop", "rt/front/1", "--yes")["rescue"]["id"] == "rt/front/1"
    assert rescues(ws) == []
    assert git(api_repo, "for-each-ref", "refs/wtdock/") == ""
    assert not (ws.root / ".wtdock" / "rescue").exists()
    missing = ws.cli("rescue", "show", "rt/api/2", code=2)
    assert missing.stderr.startswith(f"wtdock: error: no rescue rt/api/2 in workspace {ws.name}")


def test_keeping_work_touches_neither_the_worktree_nor_its_index_nor_the_stash(
    make_workspace: Callable[..., Sandbox],
) -> None:
    from wtdock import gitops
    from wtdock.ops.keep import keep_work  # here: the rest of the file also runs against older code

    ws = make_workspace("untouched")
    ws.cli("up", "keep", "--from", "api=feat/endpoint")
    api = ws.worktree("keep", "api")
    (api / "stashed.txt").write_text("in the stash\n")
    git(api, "stash", "push", "-q", "--include-untracked", "-m", "earlier stash")
    (api / "branch.txt").write_text("edited\n")
    (api / "staged.txt").write_text("staged\n")
    git(api, "add", "staged.txt")
    (api / "notes.txt").write_text("untracked\n")
    git(api, "status", "--porcelain")  # settles the index's stat data, as any git command may
    index = gitops.git_path(api, "index")
    before = (git(api, "status", "--porcelain"), index.read_bytes(), git(api, "stash", "list"))

    ctx = Context(Workspace.load(explicit=str(ws.root)))
    record = ctx.registry.read().tickets["keep"]
    lines = [line for _, line in keep_work(ctx, record, force=True)]

    assert lines == ["api: uncommitted work in rescue keep/api/1 (wtdock rescue restore keep/api/1 --into PATH)"]
    assert (git(api, "status", "--porcelain"), index.read_bytes(), git(api, "stash", "list")) == before
    kept = f"refs/wtdock/rescue/{ws.name}/keep/api/1-uncommitted"
    assert git(api, "show", f"{kept}:branch.txt") == "edited\n"
    assert git(api, "show", f"{kept}:staged.txt") == "staged\n"
    assert git(api, "show", f"{kept}:notes.txt") == "untracked\n"
    assert git(api, "ls-tree", "--name-only", kept, "--", "stashed.txt") == ""  # the stash's, not the worktree's
    assert not list(gitops.git_path(api, "index").parent.glob("wtdock-rescue-index*"))


def test_a_plain_down_keeps_ignored_files_and_keep_worktrees_keeps_nothing(
    make_workspace: Callable[..., Sandbox],
) -> None:
    ws = make_workspace("ignored")
    (ws.root / "front" / ".env").write_text("COPIED=from the primary checkout\n")
    ws.cli("up", "ign")
    front = ws.worktree("ign", "front")
    (front / ".env").write_text("COPIED=from the primary checkout\n")  # as a .worktreeinclude copy would
    (front / "config").mkdir()
    (front / "config" / ".env").write_text("MASTER_KEY=abc\n")

    result = ws.cli("down", "ign")  # nothing blocks: ignored files only

    (folder,) = (ws.root / ".wtdock" / "rescue" / "ign").iterdir()
    assert (folder / "front" / "config" / ".env").read_text() == "MASTER_KEY=abc\n"
    assert not (folder / "front" / ".env").exists()
    assert "wtdock: warning: front: ignored files not kept: .env (same as in the primary checkout)" in result.stderr
    assert f"  kept    front: ignored files config/.env in rescue ign/front/1 at {folder / 'front'} " \
           "(wtdock rescue restore ign/front/1 --into PATH)" in result.stdout.splitlines()
    assert [r["kind"] for r in rescues(ws, "ign")] == ["ignored files"]

    ws.cli("up", "kw")
    sha = detached_commit(ws.worktree("kw", "front"), "kw", "stays in the worktree")
    ws.cli("down", "kw", "--keep-worktrees")
    assert rescues(ws, "kw") == []
    assert ws.worktree("kw", "front").is_dir()
    assert refs_containing(ws.root / "front", sha) == []


def test_when_keeping_fails_nothing_is_removed(make_workspace: Callable[..., Sandbox]) -> None:
    ws = make_workspace("failing")
    ws.cli("up", "fail")
    front = ws.worktree("fail", "front")
    sha = detached_commit(front, "fail", "precious")
    blocker = ws.root / ".wtdock" / "rescue"
    blocker.write_text("a file where the rescue folder goes\n")

    failed = ws.cli("down", "fail", "--force", code=4)

    assert failed.stderr.splitlines()[0].startswith("wtdock: error: down fail: could not keep its work (")
    assert failed.stderr.splitlines()[0].endswith("); no worktree was removed")
    assert "  its containers are stopped (`wtdock up fail` starts them again)" in failed.stderr.splitlines()
    assert front.is_dir()
    assert sha in unreachable(ws.root / "front")  # still in the worktree's reflog, which still exists
    assert git(front, "rev-parse", "HEAD@{1}").strip() == sha
    assert "fail" in {t["name"] for t in ws.json("ps")}

    blocker.unlink()
    ws.cli("up", "fail")
    ws.cli("down", "fail", "--force")
    assert refs_containing(ws.root / "front", sha) == [f"refs/wtdock/rescue/{ws.name}/fail/front/1-commit"]


def test_a_commit_reset_away_on_the_branch_is_work_too(make_workspace: Callable[..., Sandbox]) -> None:
    ws = make_workspace("reset")
    ws.cli("up", "rs")
    front = ws.worktree("rs", "front")
    sha = commit(front, "work.txt", "work\n", "reset away")
    git(front, "reset", "-q", "--hard", "HEAD~1")

    refused = ws.cli("down", "rs", code=3)
    assert f"  front: commits on no other branch or remote: {sha[:7]} reset away" in refused.stderr.splitlines()

    ws.cli("down", "rs", "--force")
    assert git(ws.root / "front", "show", f"refs/wtdock/rescue/{ws.name}/rs/front/1-commit:work.txt") == "work\n"
