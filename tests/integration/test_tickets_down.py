"""`wtdock down` never loses work, removes everything of the ticket and nothing else; `--checkout`
and `--worktree` use branches and worktrees the user already has, and `down` leaves adopted ones."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import docker

from tests.integration.helpers import Sandbox, git, http_get

PROJECT_LABEL = "com.docker.compose.project"


def tickets(ws: Sandbox) -> dict[str, dict[str, Any]]:
    return {t["name"]: t for t in ws.json("ps")}


def urls(ws: Sandbox, ticket: str) -> dict[str, str]:
    return {s["service"]: s["url"] for s in tickets(ws)[ticket]["services"]}


def worktree_paths(repo: Path) -> list[Path]:
    listing = git(repo, "worktree", "list", "--porcelain")
    return [
        Path(line.removeprefix("worktree ")).resolve() for line in listing.splitlines() if line.startswith("worktree ")
    ]


def branches(repo: Path) -> set[str]:
    return set(git(repo, "for-each-ref", "--format=%(refname:short)", "refs/heads").split())


def refused(ws: Sandbox, ticket: str) -> str:
    result = ws.cli("down", ticket, code=3)
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith(f"wtdock: error: ticket {ticket} has work that removing its worktrees would lose")
    return result.stderr


def test_down_refuses_to_lose_work_and_force_keeps_the_branch(
    make_workspace: Callable[..., Sandbox], engine: docker.DockerClient
) -> None:
    ws = make_workspace("down")
    ws.cli("up", "stay")
    ws.cli("up", "gone", "--from", "api=feat/endpoint")
    project = tickets(ws)["gone"]["project"]
    front, api = ws.worktree("gone", "front"), ws.worktree("gone", "api")

    # A modified tracked file.
    (front / "branch.txt").write_text("half-done edit\n")
    assert "front: uncommitted changes: branch.txt" in refused(ws, "gone")
    git(front, "checkout", "--", "branch.txt")

    # An untracked file.
    (front / "notes.md").write_text("ideas\n")
    assert "front: untracked files: notes.md" in refused(ws, "gone")
    (front / "notes.md").unlink()

    # A commit made on a detached HEAD: on no branch at all.
    git(front, "checkout", "-q", "--detach")
    git(front, "commit", "-q", "--allow-empty", "-m", "detached experiment")
    assert "detached experiment" in refused(ws, "gone")
    git(front, "checkout", "-q", "gone")

    # A commit on the ticket branch that no other branch or remote has.
    (api / "feature.txt").write_text("the feature\n")
    git(api, "add", "feature.txt")
    git(api, "commit", "-qm", "unpushed feature work")
    message = refused(ws, "gone")
    assert "api: commits on no other branch or remote:" in message
    assert "unpushed feature work" in message

    # Refusing touched nothing.
    assert tickets(ws)["gone"]["status"] == "running"
    assert front.is_dir()
    assert api.is_dir()

    # A git-ignored .env is copied to the state folder before the worktree takes it with it.
    (front / ".env").write_text("SECRET=1\n")
    result = ws.cli("down", "gone", "--force")
    assert "  kept    front: ignored files .env in rescue gone/front/2 at " in result.stdout

    # The branch survives with its commit.
    assert "gone" in branches(ws.root / "api")
    assert "unpushed feature work" in git(ws.root / "api", "log", "--format=%s", "gone", "--")
    assert "gone" in branches(ws.root / "front")

    # Nothing of the ticket remains: containers, network attachments, worktrees, registry entry.
    assert engine.containers.list(all=True, filters={"label": f"{PROJECT_LABEL}={project}"}) == []
    network = engine.networks.get(f"{ws.name}-net")
    attached = [c["Name"] for c in (network.attrs.get("Containers") or {}).values()]
    assert attached
    assert not [name for name in attached if name.startswith(f"{project}-")]
    assert not front.exists()
    assert not api.exists()
    assert not ws.worktree("gone", "front").parent.exists()
    assert front.resolve() not in worktree_paths(ws.root / "front")
    assert api.resolve() not in worktree_paths(ws.root / "api")
    assert "gone" not in tickets(ws)

    # The shared project and the other ticket still run.
    stay = urls(ws, "stay")
    assert tickets(ws)["stay"]["status"] == "running"
    assert http_get(f"{stay['front']}/") == "front main\n"
    assert http_get(f"{stay['api']}/") == "api main\n"
    assert http_get(f"{stay['front']}/api") == "api main\n"


def test_a_branch_like_ticket_name_and_a_clean_down(
    make_workspace: Callable[..., Sandbox], engine: docker.DockerClient
) -> None:
    ws = make_workspace("clean")
    name, slug = "feat/Clean_Up", "feat-clean-up"
    ws.cli("up", name, "--from", "front=feat/ui")
    view = tickets(ws)[name]
    assert (view["slug"], view["project"]) == (slug, f"{ws.name}-{slug}")
    front = ws.worktree(slug, "front")
    assert git(front, "branch", "--show-current").strip() == name
    assert http_get(f"{urls(ws, name)['front']}/") == "front feat/ui\n"

    result = ws.cli("down", name)
    assert f"{name}: down" in result.stdout
    assert f"kept    front: branch {name}" in result.stdout
    assert engine.containers.list(all=True, filters={"label": f"{PROJECT_LABEL}={view['project']}"}) == []
    assert not front.exists()
    assert name in branches(ws.root / "front")
    assert tickets(ws) == {}
    # Down again: the ticket is gone, and says so in one line.
    again = ws.cli("down", name, code=2)
    assert again.stderr.splitlines()[0] == f"wtdock: error: no ticket {name!r} in workspace {ws.name}"


def test_checkout_uses_an_existing_branch_and_an_adopted_worktree_outlives_down(
    make_workspace: Callable[..., Sandbox],
) -> None:
    ws = make_workspace("adopt")
    front_repo, api_repo = ws.root / "front", ws.root / "api"
    before = branches(front_repo)

    ws.cli("up", "co", "--checkout", "front=feat/ui")
    assert branches(front_repo) == before
    assert git(ws.worktree("co", "front"), "branch", "--show-current").strip() == "feat/ui"
    view = {s["service"]: s for s in tickets(ws)["co"]["services"]}
    assert view["front"]["branch"] == "feat/ui"
    assert http_get(f"{view['front']['url']}/") == "front feat/ui\n"

    # A worktree another tool made (an agent orchestrator), somewhere of its own.
    adopted = ws.root / "agents" / "agent-7-api"
    git(api_repo, "worktree", "add", "-q", "-b", "agent-7", str(adopted), "feat/endpoint")
    ws.cli("up", "ad", "--worktree", f"api={adopted}")
    view = {s["service"]: s for s in tickets(ws)["ad"]["services"]}
    assert view["api"]["dedicated"] is True
    assert view["api"]["branch"] == "agent-7"
    assert http_get(f"{view['api']['url']}/") == "api feat/endpoint\n"
    (adopted / "branch.txt").write_text("edited by the agent\n")
    assert http_get(f"{view['api']['url']}/") == "edited by the agent\n"
    assert http_get(f"{view['front']['url']}/api") == "edited by the agent\n"

    result = ws.cli("down", "ad")
    assert f"kept    api: adopted worktree {adopted}" in result.stdout
    assert (adopted / "branch.txt").read_text() == "edited by the agent\n"
    assert adopted.resolve() in worktree_paths(api_repo)
    assert "agent-7" in branches(api_repo)
    assert not ws.worktree("ad", "front").exists()
    assert set(tickets(ws)) == {"co"}

    # The checked-out branch's earlier commits were never this ticket's work: they do not block
    # `down`; a commit made in the ticket does.
    co = ws.worktree("co", "front")
    (co / "note.txt").write_text("ticket work\n")
    git(co, "add", "note.txt")
    git(co, "commit", "-qm", "ticket work")
    refused = ws.cli("down", "co", code=3)
    assert "ticket work" in refused.stderr
    assert "work on feat/ui" not in refused.stderr
    # Reset away, it is still work that only the worktree (its reflog) holds: --force keeps it.
    git(co, "reset", "-q", "--hard", "HEAD~1")
    assert "ticket work" in ws.cli("down", "co", code=3).stderr
    ws.cli("down", "co", "--force")
    assert "feat/ui" in branches(front_repo)
