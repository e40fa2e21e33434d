"""The registry: versioned, written atomically, changed only under its lock, never silently reset."""

from __future__ import annotations

import multiprocessing
import os
import time
from pathlib import Path

import pytest

from wtdock.errors import StateError
from wtdock.registry import SCHEMA_VERSION, Registry, RepoRecord, State, TicketRecord

WORKERS = 8


def registry_in(folder: Path) -> Registry:
    return Registry(folder / ".wtdock" / "state.json", folder / ".wtdock" / "locks" / "state.lock")


def ticket(slug: str, **ports: int) -> TicketRecord:
    return TicketRecord(name=slug, slug=slug, created_at="2026-01-01T00:00:00+00:00", ports=ports)


@pytest.fixture
def registry(tmp_path: Path) -> Registry:
    return registry_in(tmp_path)


def test_no_file_reads_as_an_empty_state(registry: Registry) -> None:
    assert registry.read() == State()
    assert not registry.path.exists()


def test_round_trip(registry: Registry) -> None:
    record = ticket("feat-02", front=3002, api=4001).model_copy(
        update={
            "repos": {
                "api": RepoRecord(
                    path="/ws/.wtdock/worktrees/feat-02/api", repo_path="/ws/api", git_dir="/ws/api/.git",
                    branch="feat-02", start_point="main", created_worktree=True, created_branch=True,
                )
            },
            "redis_db": 1,
            "database": "app_feat_02",
        }
    )
    with registry.update() as state:
        state.tickets["feat-02"] = record
        state.shared.ports = {"postgres": 5432}

    again = registry.read()
    assert again.version == SCHEMA_VERSION
    assert again.tickets == {"feat-02": record}
    assert again.shared.ports == {"postgres": 5432}
    assert again.held_ports() == {5432, 3002, 4001}
    assert again.held_ports(except_ticket="feat-02") == {5432}


def test_the_file_is_private(registry: Registry) -> None:
    with registry.update() as state:
        state.tickets["a"] = ticket("a")
    assert registry.path.stat().st_mode & 0o777 == 0o600


def test_an_exception_inside_update_leaves_the_old_file(registry: Registry) -> None:
    with registry.update() as state:
        state.tickets["a"] = ticket("a")
    before = registry.path.read_bytes()

    with pytest.raises(RuntimeError, match="boom"), registry.update() as state:
        state.tickets["b"] = ticket("b")
        raise RuntimeError("boom")

    assert registry.path.read_bytes() == before
    assert sorted(p.name for p in registry.path.parent.iterdir()) == ["locks", "state.json"]


def test_a_failed_write_leaves_the_old_file_and_no_temp_file(
    registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    with registry.update() as state:
        state.tickets["a"] = ticket("a")
    before = registry.path.read_bytes()

    def full_disk(_: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(OSError, match="No space left"), registry.update() as state:
        state.tickets["b"] = ticket("b")

    assert registry.path.read_bytes() == before
    assert sorted(p.name for p in registry.path.parent.iterdir()) == ["locks", "state.json"]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("{ not json", "Invalid JSON"),
        ("", "Invalid JSON"),
        ("[]", "not a JSON object"),
        ("{}", "missing version, tickets, shared, databases"),
        ('{"version": 1}', "missing tickets, shared, databases"),
        ('{"version": 2, "tickets": {}, "shared": {}, "databases": {}}', "Input should be 1 at version"),
        ('{"version": 1, "tickets": {"a": {"name": "a"}}, "shared": {}, "databases": {}}',
         "Field required at tickets.a.slug"),
        ('{"version": 1, "tickets": {}, "shared": {}, "databases": {}, "surprise": true}',
         "Extra inputs are not permitted at surprise"),
        ('{"version": 1, "tickets": {}, "shared": {}, "databases": {"caf\xe9": 1}}', "not UTF-8 text: byte"),
    ],
)
def test_a_corrupt_file_is_reported_with_its_path(registry: Registry, text: str, problem: str) -> None:
    registry.path.parent.mkdir(parents=True)
    raw = text.encode("latin-1")
    registry.path.write_bytes(raw)

    with pytest.raises(StateError) as caught:
        registry.read()

    assert caught.value.exit_code == 4
    assert caught.value.message.startswith(f"{registry.path}: unreadable wtdock state ({problem}")
    assert caught.value.hint is not None and "wtdock repair" in caught.value.hint
    assert registry.path.read_bytes() == raw


def test_a_deleted_file_under_living_tickets_is_not_an_empty_state(registry: Registry) -> None:
    (registry.path.parent / "tickets" / "feat-02").mkdir(parents=True)
    (registry.path.parent / "tickets" / "feat-02" / "compose.yaml").write_text("name: x\n")
    (registry.path.parent / "tickets" / "gone" / "dumps").mkdir(parents=True)  # a `down` keeps dumps only

    with pytest.raises(StateError) as caught:
        registry.read()

    assert caught.value.message == (
        f"{registry.path} is missing, but tickets still have their files in {registry.path.parent / 'tickets'}: feat-02"
    )


def test_a_corrupt_file_is_never_overwritten_by_update(registry: Registry) -> None:
    registry.path.parent.mkdir(parents=True)
    registry.path.write_text("garbage", encoding="utf-8")
    with pytest.raises(StateError), registry.update():
        pass
    assert registry.path.read_text(encoding="utf-8") == "garbage"


def _add_ticket(folder: str, slug: str) -> None:
    """In a worker process: read, wait (so an unlocked writer would lose updates), add, write."""
    with registry_in(Path(folder)).update() as state:
        time.sleep(0.01)
        state.tickets[slug] = ticket(slug)


def test_concurrent_updates_from_several_processes_lose_nothing(tmp_path: Path) -> None:
    # fork: a worker starts in milliseconds (spawn would re-import pydantic in each).
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_add_ticket, args=(str(tmp_path), f"t{i}")) for i in range(WORKERS)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=30)
    assert [w.exitcode for w in workers] == [0] * WORKERS
    assert sorted(registry_in(tmp_path).read().tickets) == sorted(f"t{i}" for i in range(WORKERS))
