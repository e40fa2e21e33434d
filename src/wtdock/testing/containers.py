"""Throwaway containers on a ticket's network, for tests: a fake SMTP server, a client that calls the
API by its internal URL. They are testcontainers' ``DockerContainer`` with wtdock's labels, and wtdock
removes them by label: testcontainers' Ryuk reaper needs an image pull (impossible offline and in many
CI setups), so it stays off for these containers.

testcontainers is imported only here, and only when a container is made: the pytest plugin loads
this module in every run, and ``remove_test_containers`` / ``orphan_test_containers`` need only the
engine, so they work without the ``pytest`` extra.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, cast

from wtdock import engine
from wtdock.errors import MissingExtraError
from wtdock.ops.test_sessions import TestSession
from wtdock.plan.model import LABEL_ROLE, LABEL_TEST_SESSION, LABEL_TICKET, LABEL_WORKSPACE
from wtdock.testing.info import TicketInfo

if TYPE_CHECKING:
    from testcontainers.core.container import DockerContainer

    _Base = DockerContainer
else:
    # At runtime TicketContainer is a mixin: the class ticket_container makes puts testcontainers'
    # DockerContainer after it, on first use (importing testcontainers and docker-py costs ~350 ms).
    _Base = object

ROLE_TEST = "test"
LOOPBACK = "127.0.0.1"
_NAME_MAX = 63  # the name is also the container's alias on the network: one DNS label
_INSTALL = "pip install 'wtdock[pytest]'"
_MADE: dict[type[Any], type[TicketContainer]] = {}  # the class made on first use, by its base


class TicketContainer(_Base):
    """A container (not started yet) on a ticket's network, labelled as a test session's. Chain
    testcontainers' own ``with_env`` / ``with_command`` / ``with_exposed_ports``; ``with`` starts it
    and removes it. Whatever is chained, at start it keeps wtdock's labels and its alias, publishes
    ports on 127.0.0.1 only, and starts no Ryuk reaper."""

    def __init__(self, image: str, *, name: str, network: str, labels: Mapping[str, str]) -> None:
        from testcontainers.core.network import Network

        super().__init__(image, name=name)
        joined = Network()
        # The workspace network exists already: testcontainers reads only its name (it creates and
        # removes a network only when asked to).
        joined.name = network
        self.with_network(joined)
        self._wtdock_labels = dict(labels)
        self._wtdock_alias = name

    @property
    def alias(self) -> str:
        """The name other containers on the network reach it by. Unique, with a random part: on the
        workspace network a bare name such as ``smtp`` would cross tickets and sessions."""
        return self._wtdock_alias

    def internal_url(self, port: int, scheme: str = "http") -> str:
        """Its URL from containers on the ticket's network (the ticket's services included)."""
        return f"{scheme}://{self.alias}:{port}"

    def host_url(self, port: int, scheme: str = "http") -> str:
        """Its URL from the host, once started: the published ``port`` on 127.0.0.1. Not
        ``get_container_host_ip()``: inside a container (/.dockerenv) testcontainers answers with the
        default gateway, where a port published on 127.0.0.1 is not."""
        return f"{scheme}://{LOOPBACK}:{self.get_exposed_port(port)}"

    def start(self) -> Self:
        from testcontainers.core.config import testcontainers_config

        # Applied here, not when made: the caller's with_kwargs() replaces every keyword given
        # before, and with_network_aliases() every alias.
        labels = {**(self._kwargs.get("labels") or {}), **self._wtdock_labels}
        self.with_kwargs(**{**self._kwargs, "labels": labels})
        self.with_network_aliases(*dict.fromkeys([self.alias, *(self._network_aliases or ())]))
        asked = dict(self.ports)
        # docker-py takes (host address, host port) where testcontainers' types say a port; a
        # published port without an address would listen on every interface of the host.
        bound: Any = {port: (LOOPBACK, host) for port, host in asked.items()}
        self.ports = bound
        # The setting itself, not TESTCONTAINERS_RYUK_DISABLED: testcontainers reads that once
        # (4.8: at import; 4.15: on first use), possibly before this module ran. Only for this
        # start: other containers of the same test run keep their reaper.
        reaper_off = testcontainers_config.ryuk_disabled
        testcontainers_config.ryuk_disabled = True
        try:
            return super().start()
        finally:
            testcontainers_config.ryuk_disabled = reaper_off
            self.ports = asked


def ticket_container(
    ticket: TicketInfo, image: str, session: TestSession, *, name: str | None = None
) -> TicketContainer:
    """A container of ``image`` (not started) on ``ticket``'s network, named
    ``<project>-test-<name or image>-<4 hex>`` and reachable by that name (``.alias``), labelled with
    the workspace, role ``test``, the ticket and ``session``: ``remove_test_containers`` finds it."""
    labels = {
        LABEL_WORKSPACE: ticket.workspace,
        LABEL_ROLE: ROLE_TEST,
        LABEL_TICKET: ticket.name,
        LABEL_TEST_SESSION: session.tag,
    }
    made = _container_class()
    return made(image, name=container_name(ticket.project, name or image_hint(image)), network=ticket.network,
                labels=labels)


def remove_test_containers(workspace: str, session: TestSession) -> list[str]:
    """Force-remove every test container of ``session`` in ``workspace`` (running or not, with its
    anonymous volumes); the names removed. The session's throwaway stacks are Compose projects with
    another role: their own teardown removes them."""
    return engine.remove_containers(*_test_labels(workspace), f"{LABEL_TEST_SESSION}={session.tag}")


def orphan_test_containers(workspace: str) -> list[tuple[str, TestSession]]:
    """The test containers of ``workspace`` whose session's process is gone, each with its session.
    A session label that does not parse is no one's to judge: its container is left out."""
    found = []
    for container in engine.containers(*_test_labels(workspace), LABEL_TEST_SESSION):
        session = TestSession.parse(container.labels.get(LABEL_TEST_SESSION, ""))
        if session is not None and not session.alive():
            found.append((container.name, session))
    return sorted(found, key=lambda item: item[0])


def _test_labels(workspace: str) -> tuple[str, str]:
    return (f"{LABEL_WORKSPACE}={workspace}", f"{LABEL_ROLE}={ROLE_TEST}")


def container_name(project: str, hint: str) -> str:
    """``<project>-test-<hint>-<4 hex>``: readable in `docker ps`, unique on the engine, and at
    most one DNS label long (the project is cut first, never the random part)."""
    slug = re.sub(r"[^a-z0-9]+", "-", hint.lower()).strip("-") or "container"
    suffix = f"-{secrets.token_hex(2)}"
    return f"{project}-test-{slug}"[: _NAME_MAX - len(suffix)].rstrip("-") + suffix


def image_hint(image: str) -> str:
    """The image's own name: ``registry:5000/team/mailpit:1.2@sha256:...`` -> ``mailpit``."""
    return image.split("@", 1)[0].rsplit("/", 1)[-1].split(":", 1)[0]


def _container_class() -> type[TicketContainer]:
    base = _docker_container()  # on every call: a missing extra is reported, not hidden by a made class
    if base not in _MADE:
        _MADE[base] = cast("type[TicketContainer]", type("TicketContainer", (TicketContainer, base), {}))
    return _MADE[base]


def _docker_container() -> type[DockerContainer]:
    try:
        from testcontainers.core.container import DockerContainer
    except ModuleNotFoundError as err:
        if (err.name or "").partition(".")[0] != "testcontainers":
            raise  # testcontainers is there but broken: a real bug, with its traceback
        raise MissingExtraError(
            f"wtdock's test containers need testcontainers, which is not installed: {_INSTALL}",
            hint=f"{_INSTALL} (or add testcontainers>=4.8 to the project's test dependencies)",
        ) from err
    return DockerContainer
