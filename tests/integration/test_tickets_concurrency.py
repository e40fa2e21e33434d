"""Eight `wtdock up` of different tickets started at the same moment, from a cold workspace (the
shared project not up yet): all succeed, on distinct ports, and every URL answers."""

from __future__ import annotations

import subprocess
from collections.abc import Callable

from tests.integration.helpers import Sandbox, git, http_get

TICKETS = [f"c{i}" for i in range(8)]


def test_eight_concurrent_ups_all_succeed_on_distinct_ports(make_workspace: Callable[..., Sandbox]) -> None:
    ws = make_workspace("burst")
    # Half of them branch the API too: two port ranges and two repos raced at once.
    procs = {
        name: ws.process("up", name, *(["--from", "api=feat/endpoint"] if i % 2 else []))
        for i, name in enumerate(TICKETS)
    }
    results = {}
    try:
        for name, proc in procs.items():
            out, err = proc.communicate(timeout=600)
            results[name] = (proc.returncode, out, err)
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.kill()
    failed = {name: err for name, (code, _, err) in results.items() if code != 0}
    assert not failed, failed

    views = {t["name"]: t for t in ws.json("ps")}
    assert sorted(views) == TICKETS
    assert {v["status"] for v in views.values()} == {"running"}
    own = [(v["name"], s) for v in views.values() for s in v["services"] if s["dedicated"]]
    assert len(own) == 8 + 4
    ports = [s["host_port"] for _, s in own]
    assert len(set(ports)) == len(ports), ports
    shared_api = {s["url"] for v in views.values() for s in v["services"] if not s["dedicated"]}
    assert len(shared_api) == 1
    assert not shared_api & {s["url"] for _, s in own}

    for i, name in enumerate(TICKETS):
        services = {s["service"]: s["url"] for s in views[name]["services"]}
        assert http_get(f"{services['front']}/") == "front main\n"
        expected_api = "api feat/endpoint\n" if i % 2 else "api main\n"
        assert http_get(f"{services['api']}/") == expected_api
        assert http_get(f"{services['front']}/api") == expected_api
        # Each printed its own URLs.
        assert f"{name}: started" in results[name][1]
        assert services["front"] in results[name][1]

    # One worktree per ticket and repo, each on its ticket's branch.
    listing = git(ws.root / "front", "worktree", "list")
    assert all(f"[{name}]" in listing for name in TICKETS)
    assert len(git(ws.root / "api", "worktree", "list").splitlines()) == 1 + 4
    subprocess.run(["git", "-C", str(ws.root / "api"), "fsck", "--no-progress"], check=True, capture_output=True)
