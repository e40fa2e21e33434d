"""Issue 9: one workspace network with wtdock's address plan. Bare names inside a ticket mean its own
services or the shared ones; the network goes with the last `shared down`, a folder that is gone
gives its name away, an older wtdock's network is made again, and `shared down --force` says what
it stopped."""

from __future__ import annotations

import ipaddress
import json
import os
import shutil
from collections.abc import Callable
from typing import Any

import docker
import pytest

from tests.integration.helpers import Sandbox, finish_all, http_get, resolve_in
from tests.reference import RUNTIME_IMAGE
from wtdock import yamlio
from wtdock.schemas import validate

WS_LABEL = "dev.wtdock.workspace"


def address(engine: docker.DockerClient, container: str, network: str) -> str:
    attrs = engine.containers.get(container).attrs
    return str(attrs["NetworkSettings"]["Networks"][network]["IPAddress"])


def ipam(engine: docker.DockerClient, network: str) -> dict[str, str]:
    (config,) = engine.networks.get(network).attrs["IPAM"]["Config"]
    return dict(config)


def rows(table: str) -> list[str]:
    """A printed table's rows with the column padding squeezed to one space."""
    return [" ".join(line.split()) for line in table.splitlines()]


def up_all(ws: Sandbox, tickets: dict[str, list[str]]) -> None:
    results = finish_all({name: ws.process("up", name, *args) for name, args in tickets.items()})
    failed = {name: err for name, (code, _, err) in results.items() if code != 0}
    assert not failed, failed


def test_a_bare_name_means_the_tickets_own_service_or_the_shared_one(
    make_workspace: Callable[..., Sandbox], engine: docker.DockerClient
) -> None:
    """The regression: a ticket running only its front-end resolved `api` to the shared API and to
    every other ticket's API, because each ticket's `api` answers to its bare name on the network."""
    ws = make_workspace("names")
    ws.cli("shared", "up")
    own = ["--from", "api=feat/endpoint"]
    up_all(ws, {"own1": own, "own2": own, "plain": []})
    net = f"{ws.name}-net"
    shared_api = address(engine, f"{ws.name}-shared-api-1", net)
    postgres = address(engine, f"{ws.name}-shared-postgres-1", net)
    apis = {t: address(engine, f"{ws.name}-{t}-api-1", net) for t in ("own1", "own2")}

    assert resolve_in(f"{ws.name}-plain-front-1", "api") == {shared_api}
    assert resolve_in(f"{ws.name}-plain-front-1", "postgres") == {postgres}
    for ticket, api in apis.items():
        for service in ("front", "api"):
            assert resolve_in(f"{ws.name}-{ticket}-{service}-1", "api") == {api}
            assert resolve_in(f"{ws.name}-{ticket}-{service}-1", "postgres") == {postgres}
    # The shared API is itself under its bare name, whatever tickets run.
    assert resolve_in(f"{ws.name}-shared-api-1", "api") == {shared_api}

    views = {t["name"]: {s["service"]: s for s in t["services"]} for t in ws.json("ps")}
    assert views["plain"]["api"]["address"] == shared_api
    assert {t: views[t]["api"]["address"] for t in apis} == apis
    assert http_get(f"{views['plain']['front']['url']}/api") == "api main\n"
    assert http_get(f"{views['own1']['front']['url']}/api") == "api feat/endpoint\n"

    # One network for the whole workspace, with wtdock's plan: ticket addresses outside the engine's
    # dynamic range, and a container started by hand gets one from that range.
    assert [n.name for n in engine.networks.list(filters={"label": f"{WS_LABEL}={ws.name}"})] == [net]
    plan = ipam(engine, net)
    dynamic = ipaddress.IPv4Network(plan["IPRange"])
    ticket_addresses = [s["address"] for v in views.values() for s in v.values() if s["dedicated"]]
    assert len(set(ticket_addresses)) == 5
    assert not any(ipaddress.IPv4Address(a) in dynamic for a in ticket_addresses)
    stray = engine.containers.run(RUNTIME_IMAGE, ["sleep", "60"], detach=True, network=net,
                                  labels={WS_LABEL: ws.name, "dev.wtdock.role": "test"})
    try:
        assert ipaddress.IPv4Address(address(engine, stray.id, net)) in dynamic
    finally:
        stray.remove(force=True)

    # A stopped ticket keeps its addresses, and gets them back.
    ws.cli("stop", "own1")
    ws.cli("up", "own1")
    assert address(engine, f"{ws.name}-own1-api-1", net) == apis["own1"]


def test_the_network_goes_with_the_last_shared_down(
    make_workspace: Callable[..., Sandbox], engine: docker.DockerClient
) -> None:
    ws = make_workspace("netdown")
    net = f"{ws.name}-net"
    ws.cli("up", "t1")
    ws.cli("stop", "t1")
    # A stopped ticket keeps its place on the network (without it, it could never start again).
    kept = ws.cli("shared", "down").stdout.splitlines()
    assert kept[-1] == f"kept network {net}: 1 container(s) of {ws.name}-t1 are on it"
    ws.cli("down", "t1")
    # What an older wtdock left: a network with nothing on it. gc names it and the ticket's lock file.
    found = rows(ws.cli("gc").stdout)
    assert f"found network {net} (nothing is on it; `up` makes it again)" in found
    assert "found lock files 1 of tickets that are gone: ticket-t1.lock" in found

    gone = ws.cli("shared", "down", "--volumes", "--yes").stdout.splitlines()
    assert gone == [f"removed {ws.name}-shared and its data volumes", f"removed network {net}"]
    with pytest.raises(docker.errors.NotFound):
        engine.networks.get(net)
    assert rows(ws.cli("gc", "--yes").stdout) == ["removed lock files 1 of tickets that are gone: ticket-t1.lock"]
    assert not (ws.root / ".wtdock" / "locks" / "ticket-t1.lock").exists()
    assert "nothing to clean up" in ws.cli("gc").stdout


def test_a_folder_that_is_gone_gives_its_name_away(
    make_workspace: Callable[..., Sandbox], engine: docker.DockerClient
) -> None:
    old = make_workspace("gone")
    net = f"{old.name}-net"
    old.cli("up", "t1")

    def same_name(config: dict[str, Any]) -> None:
        config["name"] = old.name

    # While the old folder holds its workspace, the name is refused, and gc takes nothing of it.
    fresh = make_workspace("fresh", edit=same_name)
    refused = fresh.cli("shared", "up", code=3)
    assert refused.stderr.startswith(
        f"wtdock: error: workspace name {old.name!r} is already used by the workspace in {old.root}"
    )
    assert fresh.cli("gc").stdout.strip() == "nothing to clean up"

    # Torn down as an older wtdock did it (the network stayed), then the folder deleted: gc names
    # the network, and the next `up` takes it over, with a notice.
    old.cli("down", "t1")
    for container in engine.containers.list(all=True, filters={"label": f"{WS_LABEL}={old.name}"}):
        container.remove(force=True, v=True)
    for volume in engine.volumes.list(filters={"label": f"{WS_LABEL}={old.name}"}):
        volume.remove(force=True)
    shutil.rmtree(old.root)
    gone = f"made by the workspace that was in {old.root}, whose wtdock.yaml is gone"
    assert rows(fresh.cli("gc").stdout)[0] == f"found network {net} ({gone}; `up` makes it again)"
    took = fresh.cli("up", "t2")
    assert (f"wtdock: network {net}: taken over from the workspace that was in {old.root} "
            f"(no wtdock.yaml of workspace {old.name} there any more)") in took.stderr
    assert http_get(f"{ws_url(fresh, 't2')}/api") == "api main\n"
    assert engine.networks.get(net).attrs["Labels"]["dev.wtdock.root"] == str(fresh.root)
    assert "taken over" not in fresh.cli("up", "t2").stderr

    # gc --yes removes a gone folder's network that nothing uses.
    fresh.cli("down", "t2")
    assert fresh.cli("shared", "down").stdout.splitlines()[-1] == f"removed network {net}"
    engine.networks.create(net, labels={WS_LABEL: old.name, "dev.wtdock.role": "shared",
                                        "dev.wtdock.root": str(old.root)})
    removed = rows(fresh.cli("gc", "--yes").stdout)
    assert f"removed network {net} ({gone}; `up` makes it again)" in removed
    with pytest.raises(docker.errors.NotFound):
        engine.networks.get(net)


def ws_url(ws: Sandbox, ticket: str, service: str = "front") -> str:
    view = next(t for t in ws.json("ps") if t["name"] == ticket)
    return str(next(s["url"] for s in view["services"] if s["service"] == service))


def test_shared_down_force_stops_whole_tickets_and_says_which(
    make_workspace: Callable[..., Sandbox], engine: docker.DockerClient
) -> None:
    ws = make_workspace("force")
    up_all(ws, {"t1": [], "t2": ["--from", "api=feat/endpoint"]})
    done = ws.process("shared", "down", "--force", "--json")
    out, err = done.communicate(timeout=300)
    assert done.returncode == 0, err
    result = json.loads(out)
    validate(result)  # its JSON Schema (src/wtdock/schemas/shared-down.json)
    assert result["stopped"] == [
        {"project": f"{ws.name}-t1", "ticket": "t1", "services": ["front"]},
        {"project": f"{ws.name}-t2", "ticket": "t2", "services": ["api", "front"]},
    ]
    assert result["volumes_removed"] is False
    assert result["network"] == f"kept network {ws.name}-net: 3 container(s) of {ws.name}-t1, {ws.name}-t2 are on it"
    for ticket in ("t1", "t2"):
        project = f"com.docker.compose.project={ws.name}-{ticket}"
        assert {c.status for c in engine.containers.list(all=True, filters={"label": project})} == {"exited"}
    assert {t["name"]: t["status"] for t in ws.json("ps")} == {"t1": "stopped", "t2": "stopped"}

    # Each comes back whole, on the addresses it had.
    before = {s["service"]: s["address"] for s in next(t for t in ws.json("ps") if t["name"] == "t2")["services"]}
    ws.cli("up", "t2")
    assert http_get(f"{ws_url(ws, 't2')}/api") == "api feat/endpoint\n"
    after = {s["service"]: s["address"] for s in next(t for t in ws.json("ps") if t["name"] == "t2")["services"]}
    assert after == before


def test_a_network_of_an_older_wtdock_is_made_again_when_nothing_runs_on_it(
    make_workspace: Callable[..., Sandbox], engine: docker.DockerClient
) -> None:
    ws = make_workspace("legacy")
    net = f"{ws.name}-net"
    # As wtdock made it before the address plan: the engine's subnet, no ip_range.
    engine.networks.create(net, driver="bridge", labels={WS_LABEL: ws.name, "dev.wtdock.role": "shared",
                                                         "dev.wtdock.root": str(ws.root)})
    running = engine.containers.run(RUNTIME_IMAGE, ["sleep", "300"], detach=True, network=net,
                                    labels={WS_LABEL: ws.name, "com.docker.compose.project": f"{ws.name}-old",
                                            "com.docker.compose.service": "front"})
    refused = ws.cli("up", "t1", code=3)
    assert refused.stderr.splitlines()[:3] == [
        f"wtdock: error: network {net} was made by an older wtdock (it has no address plan), and it is in use",
        f"  {ws.name}-old: front (running)",
        "  hint: `wtdock shared down --force` (stops the tickets too), then `wtdock up` makes it again",
    ]
    stopped = ws.cli("shared", "down", "--force").stdout.splitlines()
    assert stopped[0] == f"stopped {ws.name}-old: front"
    made = ws.cli("up", "t1")
    assert (f"wtdock: network {net}: made again with an address plan "
            "(1 stopped container(s) move with their next `up`)") in made.stderr
    assert "IPRange" in ipam(engine, net)
    assert http_get(f"{ws_url(ws, 't1')}/api") == "api main\n"
    running.remove(force=True)


def test_an_explicit_subnet(make_workspace: Callable[..., Sandbox], engine: docker.DockerClient) -> None:
    subnet = f"10.213.{os.getpid() % 200 + 20}.0/24"  # apart for test sessions side by side

    def pinned(config: dict[str, Any]) -> None:
        config["network"] = {"subnet": subnet}

    ws = make_workspace("subnet", edit=pinned)
    ws.cli("up", "t1", "--from", "api=feat/endpoint")
    net = f"{ws.name}-net"
    assert ipam(engine, net) == {"Subnet": subnet, "Gateway": subnet.replace(".0/24", ".1"),
                                 "IPRange": subnet.replace(".0/24", ".192/26")}
    shared = {s["name"]: s["address"] for s in ws.json("shared", "status")["services"]}
    assert shared == {n: subnet.replace(".0/24", f".{i}") for i, n in enumerate(["postgres", "redis", "nats", "api"],
                                                                               start=2)}
    view = next(t for t in ws.json("ps") if t["name"] == "t1")
    assert [s["address"] for s in view["services"]] == [subnet.replace(".0/24", ".64"), subnet.replace(".0/24", ".65")]

    # Another subnet: refused while the ticket runs, made again once it is stopped, and the ticket's
    # addresses move into it with its next `up`.
    other = subnet.replace("10.213.", "10.214.")
    config = yamlio.load_plain(ws.config_file)
    config["network"] = {"subnet": other}
    ws.write_config(config)
    refused = ws.cli("up", "t1", code=3)
    assert refused.stderr.splitlines()[0] == (
        f"wtdock: error: network {net} has subnet {subnet}, not network.subnet {other}, and it is in use"
    )
    ws.cli("shared", "down", "--force")
    moved = ws.cli("up", "t1")
    assert (f"wtdock: network {net}: made again with subnet {other} "
            "(2 stopped container(s) move with their next `up`)") in moved.stderr
    view = next(t for t in ws.json("ps") if t["name"] == "t1")
    assert [s["address"] for s in view["services"]] == [other.replace(".0/24", ".64"), other.replace(".0/24", ".65")]
    assert http_get(f"{ws_url(ws, 't1')}/api") == "api feat/endpoint\n"
