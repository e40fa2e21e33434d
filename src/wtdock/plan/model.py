"""The values the planner takes and returns."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

LABEL_WORKSPACE = "dev.wtdock.workspace"
LABEL_ROLE = "dev.wtdock.role"
LABEL_TICKET = "dev.wtdock.ticket"
LABEL_SERVICE = "dev.wtdock.service"
LABEL_BRANCH = "dev.wtdock.branch"
LABEL_PORTS = "dev.wtdock.ports"
LABEL_REDIS_DB = "dev.wtdock.redis-db"
LABEL_DATABASE = "dev.wtdock.database"
LABEL_WORKTREE = "dev.wtdock.worktree"
LABEL_DEPENDENCY = "dev.wtdock.dependency"  # on a dependency volume: the folder it holds
LABEL_ROOT = "dev.wtdock.root"  # on the network: which folder's workspace owns the name
LABEL_TEST_SESSION = "dev.wtdock.test-session"  # on a test stack, database or container: ops/test_sessions.py


@dataclass(frozen=True)
class HostUser:
    uid: int
    gid: int


@dataclass(frozen=True)
class Checkout:
    """A checkout an app service runs from: a ticket's worktree or the repo's primary checkout."""

    repo: str
    path: Path
    git_dir: Path
    branch: str | None


@dataclass(frozen=True)
class SharedAllocations:
    """What the shared project was given: host ports by service, the Postgres password, and
    addresses on the workspace network by service (none known yet: the network does not exist)."""

    ports: Mapping[str, int]
    postgres_password: str
    addresses: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class TicketAllocations:
    """What a ticket was given: its checkouts, host ports, its own data spaces, and the addresses of
    its own services on the workspace network."""

    name: str
    slug: str
    checkouts: Mapping[str, Checkout]
    ports: Mapping[str, int]
    redis_db: int | None = None
    database: str | None = None
    addresses: Mapping[str, str] = field(default_factory=dict)
    choices: Mapping[str, str] = field(default_factory=dict)  # `up --own/--shared`, by service
    test_session: str | None = None  # a throwaway test stack's session (its containers' label)


@dataclass(frozen=True)
class Endpoint:
    """How a service of the app is reached by one ticket: its own instance, or the shared one."""

    service: str
    dedicated: bool
    host_port: int | None
    url: str | None
    internal_host: str
    internal_url: str | None
    branch: str | None
    address: str | None = None  # on the workspace network: what the bare name means in this ticket


@dataclass(frozen=True)
class ProjectPlan:
    """One Compose project, ready to write and start."""

    project: str
    compose: dict[str, Any]
    endpoints: tuple[Endpoint, ...] = ()
    environment: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
