"""A ticket as a user sees it (`ps`): its status from the registry and ONE engine listing, as data."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.helpers import reference_config, workspace
from wtdock.engine import ContainerInfo
from wtdock.ops.views import ticket_view
from wtdock.registry import RepoRecord, State, TicketRecord


def record(tmp_path: Path, *repos: str) -> TicketRecord:
    made = {}
    for repo in repos:
        folder = tmp_path / repo
        folder.mkdir(exist_ok=True)
        made[repo] = RepoRecord(path=str(folder), repo_path=f"/ws/{repo}", git_dir=f"/ws/{repo}/.git", branch="t",
                                created_worktree=True, created_branch=True)
    ports = {"front": 3001, **({"api": 4001} if "api" in repos else {})}
    return TicketRecord(name="t", slug="t", created_at="2026-01-01T00:00:00+00:00", repos=made, ports=ports,
                        redis_db=1 if "api" in repos else None, database="app_t" if "api" in repos else None)


def container(project: str, service: str, *, role: str = "ticket", state: str = "running",
              health: str | None = "healthy") -> ContainerInfo:
    labels = {"dev.wtdock.workspace": "demo", "dev.wtdock.role": role}
    return ContainerInfo(id=f"{project}-{service}", name=f"{project}-{service}-1", project=project, service=service,
                         labels=labels, state=state, health=health, published=())


SHARED = [container("demo-shared", n, role="shared") for n in ("postgres", "redis", "nats", "api")]


@pytest.mark.parametrize(
    ("repos", "mine", "shared", "status", "problems"),
    [
        (("front",), {"front": "running"}, SHARED, "running", ()),
        (("front",), {"front": "running"}, [c for c in SHARED if c.service != "api"], "degraded",
         ("shared api is missing",)),
        (("front", "api"), {"front": "running", "api": "exited"}, SHARED, "partial", ()),
        (("front", "api"), {"front": "exited", "api": "exited"}, SHARED, "stopped", ()),
        (("front", "api"), {"front": "running", "api": "running"},
         [container("demo-shared", "postgres", role="shared", state="exited", health=None), *SHARED[1:]],
         "degraded", ("shared postgres is exited",)),
        (("front", "api"), {}, SHARED, "stopped", ()),
    ],
)
def test_status(
    tmp_path: Path, repos: tuple[str, ...], mine: dict[str, str], shared: list[ContainerInfo], status: str,
    problems: tuple[str, ...],
) -> None:
    ws = workspace(reference_config())
    containers = [*shared, *(container("demo-t", s, state=st) for s, st in mine.items())]
    view = ticket_view(ws, State(), record(tmp_path, *repos), containers)
    assert (view.status, view.problems) == (status, problems)


def test_a_deleted_worktree_is_said_first(tmp_path: Path) -> None:
    ws = workspace(reference_config())
    gone = record(tmp_path, "front")
    (tmp_path / "front").rmdir()
    assert ticket_view(ws, State(), gone, [*SHARED, container("demo-t", "front")]).status == "missing worktree"


def test_without_the_engine_there_is_no_status(tmp_path: Path) -> None:
    view = ticket_view(workspace(reference_config()), State(), record(tmp_path, "front", "api"))
    assert (view.status, view.problems) == (None, ())
    assert [(s.service, s.url, s.dedicated) for s in view.services] == [
        ("front", "http://127.0.0.1:3001", True), ("api", "http://127.0.0.1:4001", True)
    ]
    assert (view.database, view.redis_db, view.events_prefix) == ("app_t", 1, "t")
