"""Issue 14, concurrency: sixteen `wtdock up` of different tickets started at the same moment,
from a cold workspace (the shared project not up yet), half of them with their own API; and two
or three `up` of one ticket at once. Every allocation is read back from `ps --json` and from the
engine."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from typing import Any

import docker
import pytest

from tests.integration.helpers import Sandbox, finish_all, git, http_get
from tests.integration.invariants import check_work_kept, make_work, psql
from tests.integration.test_tickets_errors import one_error_line

pytestmark = pytest.mark.reliability

TICKETS = [f"c{i:02d}" for i in range(16)]
OWN_API = {t for i, t in enumerate(TICKETS) if i % 2}
FROM_API = ("--from", "api=feat/endpoint")


def ticket_containers(engine: docker.DockerClient, ws: Sandbox) -> list[Any]:
    found = engine.containers.list(filters={"label": f"dev.wtdock.workspace={ws.name}"})
    return [c for c in found if "dev.wtdock.ticket" in c.labels]


def test_sixteen_concurrent_ups_all_succeed_with_unique_allocations(
    make_workspace: Callable[..., Sandbox], engine: docker.DockerClient
) -> None:
    ws = make_workspace("burst")
    results = finish_all({t: ws.process("up", t, *(FROM_API if t in OWN_API else ())) for t in TICKETS})
    failed = {name: err for name, (code, _, err) in results.items() if code != 0}
    assert not failed, failed

    views = {t["name"]: t for t in ws.json("ps")}
    assert sorted(views) == TICKETS
    assert {v["status"] for v in views.values()} == {"running"}
    own = [(v["name"], s) for v in views.values() for s in v["services"] if s["dedicated"]]
    assert len(own) == len(TICKETS) + len(OWN_API)
    shared = {s["name"]: s for s in ws.json("shared", "status")["services"]}
    ports = [s["host_port"] for _, s in own] + [s["host_port"] for s in shared.values()]
    assert len(set(ports)) == len(ports), ports

    # What the engine publishes is what `ps` says, and no two containers publish one port.
    published = {}
    for container in ticket_containers(engine, ws):
        bindings = [b for found in container.ports.values() if found for b in found]
        assert bindings and all(b["HostIp"] == "127.0.0.1" for b in bindings), container.name
        for binding in bindings:
            assert int(binding["HostPort"]) not in published, container.name
            published[int(binding["HostPort"])] = container.name
    assert sorted(published) == sorted(s["host_port"] for _, s in own)

    # Redis numbers and databases: one each per ticket with its own API, none for the others, and
    # the engine's containers carry the same ones.
    redis = {t: views[t]["redis_db"] for t in OWN_API}
    databases = {t: views[t]["database"] for t in OWN_API}
    assert len(set(redis.values())) == len(OWN_API) and None not in redis.values() and 0 not in redis.values()
    assert len(set(databases.values())) == len(OWN_API) and None not in databases.values()
    assert all(views[t]["redis_db"] is None and views[t]["database"] is None for t in set(TICKETS) - OWN_API)
    assert set(databases.values()) <= set(psql(ws, "SELECT datname FROM pg_database").split())
    for container in ticket_containers(engine, ws):
        ticket = container.labels["dev.wtdock.ticket"]
        if container.labels["dev.wtdock.service"] == "api":
            assert container.labels["dev.wtdock.redis-db"] == str(redis[ticket])
            assert container.labels["dev.wtdock.database"] == databases[ticket]

    # Network aliases on the workspace network: each ticket's own, never another ticket's (the
    # bare service name, which Compose adds to every container, is not wtdock's to give).
    net = f"{ws.name}-net"
    aliases: dict[str, str] = {}
    for container in ticket_containers(engine, ws):
        ticket, service = container.labels["dev.wtdock.ticket"], container.labels["dev.wtdock.service"]
        names = set(container.attrs["NetworkSettings"]["Networks"][net]["Aliases"] or ())
        assert f"{ticket}-{service}" in names, names
        for alias in names - {service, container.name}:
            assert aliases.setdefault(alias, ticket) == ticket, (alias, ticket, aliases[alias])

    for name in TICKETS:
        services = {s["service"]: s["url"] for s in views[name]["services"]}
        expected_api = "api feat/endpoint\n" if name in OWN_API else "api main\n"
        assert http_get(f"{services['front']}/") == "front main\n"
        assert http_get(f"{services['front']}/api") == expected_api
        assert f"{name}: started" in results[name][1]
        assert services["front"] in results[name][1]

    # One worktree per ticket and repo, each on its ticket's branch; both repos sound.
    listing = git(ws.root / "front", "worktree", "list")
    assert all(f"[{name}]" in listing for name in TICKETS)
    assert len(git(ws.root / "api", "worktree", "list").splitlines()) == 1 + len(OWN_API)
    for repo in ("front", "api"):
        subprocess.run(["git", "-C", str(ws.root / repo), "fsck", "--no-progress"], check=True, capture_output=True)
    check_work_kept(ws, [make_work(ws, t, "front", "after") for t in TICKETS[:4]])


@pytest.mark.parametrize("count", [2, 3])
def test_the_same_up_at_once_makes_one_ticket(
    module_workspace: Sandbox, engine: docker.DockerClient, count: int
) -> None:
    ws = module_workspace
    ticket = f"same{count}"
    results = finish_all({str(i): ws.process("up", ticket, *FROM_API) for i in range(count)})
    assert [code for code, _, _ in results.values()] == [0] * count, results
    outs = sorted(out.splitlines()[0] for _, out, _ in results.values())
    assert outs == sorted([f"{ticket}: started (project {ws.name}-{ticket})"]
                          + [f"{ticket}: already running (project {ws.name}-{ticket})"] * (count - 1)), outs
    one_ticket(ws, engine, ticket)


def test_two_different_ups_of_one_ticket_at_once_one_wins_the_other_is_refused(
    module_workspace: Sandbox, engine: docker.DockerClient
) -> None:
    ws = module_workspace
    ticket = "rival"
    procs = {ref: ws.process("up", ticket, "--from", f"front={ref}") for ref in ("main", "feat/ui")}
    results = finish_all(procs)
    codes = {ref: code for ref, (code, _, _) in results.items()}
    assert sorted(codes.values()) == [0, 3], results
    winner = next(ref for ref, code in codes.items() if code == 0)
    loser = next(ref for ref, code in codes.items() if code == 3)
    refused = results[loser][2]
    assert "Traceback" not in refused
    assert [line for line in refused.splitlines() if line.startswith("wtdock: error: ")] == [
        f"wtdock: error: ticket {ticket} already has repo front at {ws.worktree(ticket, 'front')} on branch {ticket}"
    ], refused
    one_ticket(ws, engine, ticket, repos=("front",))
    view = next(t for t in ws.json("ps") if t["name"] == ticket)
    front = next(s["url"] for s in view["services"] if s["service"] == "front")
    assert http_get(f"{front}/") == f"front {winner}\n"
    check_work_kept(ws, [make_work(ws, ticket, "front", "kept")])
    # The loser's command, run again on its own, is refused the same way and changes nothing.
    assert one_error_line(ws.cli("up", ticket, "--from", f"front={loser}", code=3)).startswith(
        f"ticket {ticket} already has repo front at ")


def one_ticket(ws: Sandbox, engine: docker.DockerClient, ticket: str, repos: tuple[str, ...] = ("front", "api")
               ) -> None:
    """One registry entry, one worktree per repo, one project with one container per service."""
    assert [t["name"] for t in ws.json("ps")].count(ticket) == 1
    for repo in repos:
        listing = git(ws.root / repo, "worktree", "list", "--porcelain")
        assert listing.count(f"/worktrees/{ticket}/{repo}\n") == 1, listing
    mine = [c for c in ticket_containers(engine, ws) if c.labels["dev.wtdock.ticket"] == ticket]
    assert sorted(c.labels["dev.wtdock.service"] for c in mine) == sorted(repos)
    assert {c.labels["com.docker.compose.project"] for c in mine} == {f"{ws.name}-{ticket}"}
