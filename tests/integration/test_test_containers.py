"""Throwaway test containers on a ticket's network (wtdock.testing.containers) on a real engine: a
client reaches the ticket's API by its internal URL and the API reaches a helper by its alias; they
carry wtdock's labels, publish on 127.0.0.1 only, start no Ryuk reaper (which would need a pull),
and are removed by label, a dead session's found as orphans and a live one's left alone."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
from collections.abc import Callable

import docker
import pytest
from testcontainers.core.config import testcontainers_config
from testcontainers.core.labels import SESSION_ID

from tests.integration.helpers import Sandbox, http_get
from tests.reference import RUNTIME_IMAGE
from wtdock.ops.context import Context
from wtdock.ops.status import ticket_info, view
from wtdock.ops.test_sessions import TestSession
from wtdock.plan.model import LABEL_ROLE, LABEL_TEST_SESSION, LABEL_TICKET, LABEL_WORKSPACE
from wtdock.testing.containers import (
    orphan_test_containers,
    remove_test_containers,
    ticket_container,
)
from wtdock.testing.info import TicketInfo
from wtdock.workspace import Workspace

FETCH = "import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1], timeout=10).read().decode(), end='')"
SERVE = "mkdir -p /tmp/www && echo helper-ok > /tmp/www/index.html && exec python3 -m http.server 8000 -d /tmp/www"
PROJECT = "com.docker.compose.project"


@pytest.fixture
def reaper_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """testcontainers as most test runs have it: Ryuk on, its setting read already (testcontainers
    was imported before wtdock's helper ran), no TESTCONTAINERS_RYUK_DISABLED to lean on."""
    monkeypatch.delenv("TESTCONTAINERS_RYUK_DISABLED", raising=False)
    monkeypatch.setattr(testcontainers_config, "ryuk_disabled", False)


@pytest.fixture
def ticket(make_workspace: Callable[..., Sandbox]) -> tuple[Sandbox, TicketInfo]:
    """A ticket with its own API (off feat/endpoint), as the pytest plugin hands it to a test."""
    ws = make_workspace("tc")
    ws.cli("up", "feat-02", "--from", "api=feat/endpoint")
    ctx = Context(Workspace.load(explicit=str(ws.root)))
    return ws, ticket_info(ctx, view(ctx, "feat-02"))


@pytest.fixture
def session() -> TestSession:
    """This process's test session. What a failing test leaves of it goes with its workspace (the
    workspace fixture removes every container of the workspace's label)."""
    return TestSession.new()


def test_a_client_on_the_tickets_network_calls_its_api_by_the_internal_url(
    ticket: tuple[Sandbox, TicketInfo], session: TestSession, reaper_on: None, engine: docker.DockerClient
) -> None:
    ws, info = ticket
    client = ticket_container(info, RUNTIME_IMAGE, session, name="client").with_command(
        ["python3", "-c", FETCH, f"{info.internal_url('api')}/"]
    )
    assert client.alias.startswith(f"{info.project}-test-client-")
    with client:
        assert client.wait() == 0, client.get_logs()
        out, _ = client.get_logs()
        assert out.decode() == "api feat/endpoint\n"  # the ticket's own API, not the shared one
        made = engine.containers.get(client.get_wrapped_container().id)
        assert made.name == client.alias
        assert {k: made.labels.get(k) for k in (LABEL_WORKSPACE, LABEL_ROLE, LABEL_TICKET, LABEL_TEST_SESSION)} == {
            LABEL_WORKSPACE: ws.name, LABEL_ROLE: "test", LABEL_TICKET: "feat-02", LABEL_TEST_SESSION: session.tag,
        }
        assert list(made.attrs["NetworkSettings"]["Networks"]) == [info.network]
        # Ryuk was on in testcontainers' setting: the helper started none (the pull would have
        # failed here), and left the setting as it found it.
        assert engine.containers.list(all=True, filters={"name": f"testcontainers-ryuk-{SESSION_ID}"}) == []
        assert testcontainers_config.ryuk_disabled is False
    assert engine.containers.list(all=True, filters={"label": f"{LABEL_TEST_SESSION}={session.tag}"}) == []


def test_the_tickets_api_reaches_a_helper_by_its_alias_and_cleanup_removes_only_that_session(
    ticket: tuple[Sandbox, TicketInfo], session: TestSession, reaper_on: None, engine: docker.DockerClient
) -> None:
    ws, info = ticket
    other = TestSession(secrets.token_hex(4), os.getpid(), socket.gethostname())  # a live session beside it
    helper = (
        ticket_container(info, RUNTIME_IMAGE, session, name="smtp")
        .with_command(["sh", "-c", SERVE])
        .with_exposed_ports(8000)
        .with_kwargs(init=True)  # the caller's own keywords must not drop wtdock's labels
        .start()
    )
    idle = ticket_container(info, RUNTIME_IMAGE, session).with_command(["sleep", "300"]).start()
    theirs = ticket_container(info, RUNTIME_IMAGE, other).with_command(["sleep", "300"]).start()
    try:
        assert idle.alias.startswith(f"{info.project}-test-runtime-")  # named after the image
        # Published on the host's loopback only, and reachable there.
        bindings = engine.containers.get(helper.alias).attrs["NetworkSettings"]["Ports"]["8000/tcp"]
        assert {b["HostIp"] for b in bindings} == {"127.0.0.1"}
        assert http_get(f"{helper.host_url(8000)}/") == "helper-ok\n"

        (api,) = engine.containers.list(filters={"label": [f"{PROJECT}={info.project}",
                                                           "com.docker.compose.service=api"]})
        code, out = api.exec_run(["python3", "-c", FETCH, f"{helper.internal_url(8000)}/"])
        assert (code, out.decode()) == (0, "helper-ok\n")

        ticket_before = {c.name for c in engine.containers.list(filters={"label": f"{PROJECT}={info.project}"})}
        assert remove_test_containers(ws.name, session) == sorted([helper.alias, idle.alias])
        left = {c.name for c in engine.containers.list(all=True, filters={"label": f"{LABEL_WORKSPACE}={ws.name}"})}
        assert theirs.alias in left
        assert {helper.alias, idle.alias}.isdisjoint(left)
        assert ticket_before <= {c.name for c in engine.containers.list(filters={"label": f"{PROJECT}={info.project}"})}
        assert remove_test_containers(ws.name, session) == []  # twice is no error
    finally:
        remove_test_containers(ws.name, other)


def test_orphans_are_the_containers_of_sessions_whose_process_is_gone(
    make_workspace: Callable[..., Sandbox], session: TestSession, reaper_on: None, engine: docker.DockerClient
) -> None:
    ws = make_workspace("tcorphan")
    # The workspace network, as wtdock makes it (labelled, so the workspace fixture removes it).
    engine.networks.create(f"{ws.name}-net", driver="bridge", labels={LABEL_WORKSPACE: ws.name})
    info = TicketInfo(name="t1", workspace=ws.name, project=f"{ws.name}-t1", network=f"{ws.name}-net", urls={},
                      internal_urls={}, env={}, database=None, redis_db=None, events_prefix=None)
    finished = subprocess.Popen([sys.executable, "-c", "pass"])
    finished.wait()
    dead = TestSession(secrets.token_hex(4), finished.pid, socket.gethostname())
    elsewhere = TestSession(secrets.token_hex(4), finished.pid, "another-host")  # cannot be checked: alive
    made = {
        s.tag: ticket_container(info, RUNTIME_IMAGE, s).with_command(["true"]).start()
        for s in (dead, session, elsewhere)
    }
    try:
        assert orphan_test_containers(ws.name) == [(made[dead.tag].alias, dead)]
        assert remove_test_containers(ws.name, dead) == [made[dead.tag].alias]
        assert orphan_test_containers(ws.name) == []
    finally:
        for s in (dead, elsewhere):
            remove_test_containers(ws.name, s)
