"""Issue 9, the ticket ceiling: 40 tickets on a stock engine (each ticket's own network used to take
one of the engine's ~31 address pools, and the 30th failed), started 8 at a time, a quarter of them
with their own API. Every allocation is distinct, and inside each ticket a bare name means its own
service or the shared one."""

from __future__ import annotations

from collections.abc import Callable

import docker
import pytest

from tests.integration.helpers import Sandbox, finish_all, http_get, resolve_in

TICKETS = [f"m{i:02d}" for i in range(40)]
OWN_API = {t for i, t in enumerate(TICKETS) if i % 4 == 1}
BATCH = 8


@pytest.mark.slow
def test_forty_tickets_on_one_network(make_workspace: Callable[..., Sandbox], engine: docker.DockerClient) -> None:
    ws = make_workspace("many")
    ws.cli("shared", "up")
    for start in range(0, len(TICKETS), BATCH):
        batch = TICKETS[start : start + BATCH]
        own = ["--from", "api=feat/endpoint"]
        results = finish_all({t: ws.process("up", t, *(own if t in OWN_API else [])) for t in batch})
        failed = {name: err for name, (code, _, err) in results.items() if code != 0}
        assert not failed, failed

    views = {t["name"]: t for t in ws.json("ps")}
    assert sorted(views) == TICKETS
    assert {v["status"] for v in views.values()} == {"running"}
    own = [s for v in views.values() for s in v["services"] if s["dedicated"]]
    assert len(own) == len(TICKETS) + len(OWN_API)
    ports = [s["host_port"] for s in own]
    assert len(set(ports)) == len(ports)
    redis = [views[t]["redis_db"] for t in OWN_API]
    databases = [views[t]["database"] for t in OWN_API]
    assert len(set(redis)) == len(OWN_API) and None not in redis
    assert len(set(databases)) == len(OWN_API) and None not in databases
    assert all(views[t]["redis_db"] is None and views[t]["database"] is None for t in set(TICKETS) - OWN_API)
    shared = {s["name"]: s["address"] for s in ws.json("shared", "status")["services"]}
    addresses = [s["address"] for s in own]
    assert len(set(addresses)) == len(addresses)
    assert not set(addresses) & set(shared.values())
    # The whole workspace is one network.
    assert [n.name for n in engine.networks.list(filters={"label": f"dev.wtdock.workspace={ws.name}"})] == [
        f"{ws.name}-net"
    ]

    def actual(container: str) -> str:
        return str(engine.containers.get(container).attrs["NetworkSettings"]["Networks"][net]["IPAddress"])

    net = f"{ws.name}-net"
    assert actual(f"{ws.name}-shared-api-1") == shared["api"]
    for name, view in views.items():
        services = {s["service"]: s for s in view["services"]}
        front = f"{ws.name}-{name}-front-1"
        expected = actual(f"{ws.name}-{name}-api-1") if name in OWN_API else shared["api"]
        assert services["api"]["address"] == expected
        assert resolve_in(front, "api") == {expected}, name
        assert resolve_in(front, "postgres") == {shared["postgres"]}, name
        branch = "api feat/endpoint\n" if name in OWN_API else "api main\n"
        assert http_get(f"{services['front']['url']}/api") == branch
