"""What a service's references and injected settings resolve to, seen from one project."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from pathlib import Path

from wtdock.config.model import Config, ServiceConfig
from wtdock.config.refs import substitute
from wtdock.plan.compose import display_host, env_value
from wtdock.plan.connections import (
    SHARED_PREFIX,
    DataSpace,
    connection_env,
    events_url,
    network_addresses,
    postgres_url,
    redis_url,
    renamed,
)
from wtdock.plan.model import Endpoint, SharedAllocations, TicketAllocations

# `poll: true`: file watchers poll, where the bind mount passes no file events (some VMs, WSL2, a
# remote engine). Chokidar (Vite before 5, webpack-dev-server), Watchpack (webpack), and the one a
# project's own config reads (the example's vite.config reads WTDOCK_POLL for `server.watch.usePolling`).
POLL_ENV = {"CHOKIDAR_USEPOLLING": "true", "WATCHPACK_POLLING": "true", "WTDOCK_POLL": "1"}


def dedicated_services(
    config: Config, branched: Collection[str], choices: Mapping[str, str] | None = None
) -> list[str]:
    """The services a ticket runs itself. A service with no shared instance always; otherwise by
    the ticket's choice (``up --own/--shared``), else by the service's ``ticket`` key, where
    ``auto`` means: when the ticket branches its repo (so a ticket's workers never run another
    branch's code). In a monorepo every ticket branches the repo: ``shared`` lets one use the
    shared API all the same."""
    return [n for n, s in config.services.items() if _runs_own(s, n, branched, choices or {})]


def _runs_own(svc: ServiceConfig, name: str, branched: Collection[str], choices: Mapping[str, str]) -> bool:
    if svc.shared is None:
        return True
    mode = choices.get(name, svc.ticket)
    return mode == "own" or (mode == "auto" and svc.repo in branched)


def choices_seen(config: Config, branched: Collection[str], ran: Collection[str]) -> dict[str, str]:
    """The ``--own/--shared`` choices that explain which services a ticket ran (``ran``: by its
    containers or compose file), for `wtdock repair`; nothing when nothing ran."""
    if not ran:
        return {}
    rule = set(dedicated_services(config, branched))
    return {
        n: "own" if n in ran else "shared"
        for n, s in config.services.items()
        if s.shared is not None and (n in ran) != (n in rule)
    }


def network_alias(slug: str, service: str) -> str:
    """A ticket service's name on the workspace network: the bare service name would answer for
    every ticket's instance at once."""
    return f"{slug}-{service}"


def infra_names(config: Config) -> list[str]:
    """The enabled shared infrastructure, by the name of its service (and of its port and image)."""
    cfg = config.shared
    found = [k for k, on in (("postgres", cfg.postgres.enabled), ("redis", cfg.redis.enabled)) if on]
    return found + ([cfg.events.engine] if cfg.events.enabled else [])


def required_repos(
    config: Config, branched: Collection[str], choices: Mapping[str, str] | None = None
) -> list[str]:
    """The repos a ticket needs a worktree of, in config order."""
    needed = {config.services[n].repo for n in dedicated_services(config, branched, choices)} | set(branched)
    return [r for r in config.repos if r in needed]


def needs_data_space(config: Config, dedicated: Collection[str]) -> tuple[bool, bool]:
    """Whether a ticket running ``dedicated`` needs its own database, and its own Redis number."""
    own = [config.services[n] for n in dedicated if config.services[n].isolation == "ticket"]
    return any("postgres" in s.uses for s in own), any("redis" in s.uses for s in own)


class Wiring:
    """Resolves endpoints, data spaces and ``{{ ... }}`` references for a ticket (or, with no ticket,
    for the shared project's instances)."""

    def __init__(
        self,
        config: Config,
        shared: SharedAllocations,
        ticket: TicketAllocations | None = None,
        primary: Mapping[str, Path] | None = None,
    ) -> None:
        """``primary``: each repo's primary checkout, where the shared instances run from."""
        self.config = config
        self.primary = primary or {}
        self.shared = shared
        self.ticket = ticket
        self.dedicated = frozenset(dedicated_services(config, ticket.checkouts, ticket.choices) if ticket else ())
        self.host = display_host(config.bind)
        self.network = network_addresses(config)

    def endpoint(self, name: str) -> Endpoint:
        svc = self.config.services[name]
        branch: str | None = None
        if self.ticket is not None and name in self.dedicated:
            host_port = self.ticket.ports.get(name)
            internal_host = network_alias(self.ticket.slug, name)
            branch = self.ticket.checkouts[svc.repo].branch
            address = self.ticket.addresses.get(name)
        elif svc.shared is not None:
            host_port, internal_host = self.shared.ports.get(name), f"shared-{name}"
            address = self.shared.addresses.get(name)
        else:  # seen from the shared project: only tickets run this service
            host_port, internal_host, address = None, "", None
        return Endpoint(
            service=name,
            dedicated=name in self.dedicated,
            host_port=host_port,
            url=f"http://{self.host}:{host_port}" if host_port and svc.port else None,
            internal_host=internal_host,
            internal_url=f"http://{internal_host}:{svc.port}" if internal_host and svc.port else None,
            branch=branch,
            address=address,
        )

    def hosts(self) -> dict[str, str | None]:
        """What each bare name means here (for ``/etc/hosts``, which every common resolver reads
        before DNS): every app service of the config as this ticket uses it (its own instance, or
        the shared one), and the shared infrastructure. On the workspace network the engine's DNS
        would answer a bare ``api`` with every ticket's API at once."""
        names: dict[str, str | None] = {n: self.endpoint(n).address for n in self.config.services}
        names |= {k: self.shared.addresses.get(k) for k in infra_names(self.config)}
        return names

    def checkout_path(self, name: str) -> Path | None:
        """Where the checkout that ``name`` runs from is mounted (the same absolute path as on the
        host): the ticket's worktree for its own instance, else the repo's primary checkout."""
        repo = self.config.services[name].repo
        if self.ticket is not None and name in self.dedicated:
            return self.ticket.checkouts[repo].path
        return self.primary.get(repo) if self.config.services[name].shared is not None else None

    def data_space(self, name: str) -> DataSpace:
        svc = self.config.services[name]
        base = self.config.shared.postgres.database
        if self.ticket is None or name not in self.dedicated or svc.isolation == "shared":
            return DataSpace(database=base, redis_db=0, events_prefix=SHARED_PREFIX)
        t = self.ticket
        if ("postgres" in svc.uses and t.database is None) or ("redis" in svc.uses and t.redis_db is None):
            raise RuntimeError(f"bug: ticket {t.name} has no data space allocated for {name}")
        return DataSpace(database=t.database or base, redis_db=t.redis_db or 0, events_prefix=t.slug)

    def environment(self, name: str) -> dict[str, str]:
        """Injected connection settings, then the service's own ``environment`` (which wins)."""
        svc = self.config.services[name]
        settings = connection_env(
            self.config, svc.uses, self.data_space(name), self.shared.postgres_password, self.network
        )
        env = renamed(settings, svc)
        if svc.poll:
            env |= POLL_ENV
        for key, value in svc.environment.items():
            env[key] = substitute(env_value(value), lambda ref: self.resolve(ref, name))
        return env

    def resolve(self, ref: str, service: str) -> str:
        parts = ref.split(".")
        if parts[0] == "services":
            value = getattr(self.endpoint(parts[1]), parts[2], None)
            if parts[2] == "port":
                value = self.config.services[parts[1]].port
            if parts[2] == "host":  # the host side, as `url` and `host_port` (no Endpoint field)
                value = self.host
            if parts[2] == "path":
                value = self.checkout_path(parts[1])
            return "" if value is None else str(value)
        space = self.data_space(service)
        if parts[0] == "shared":
            return self._shared_field(parts[1], parts[2], space)
        if parts[0] == "ticket":
            return self._ticket_field(parts[1], space)
        if parts[0] == "workspace":
            return self.config.name
        raise RuntimeError(f"bug: unvalidated reference {ref!r}")

    def _ticket_field(self, field: str, space: DataSpace) -> str:
        values = {
            "name": self.ticket.name if self.ticket else SHARED_PREFIX,
            "slug": self.ticket.slug if self.ticket else SHARED_PREFIX,
            "database": space.database,
            "redis_db": str(space.redis_db),
            "events_prefix": space.events_prefix,
        }
        return values[field]

    def _shared_field(self, which: str, field: str, space: DataSpace) -> str:
        address: str | None = getattr(self.network, which)
        if address is None:  # that shared service is disabled
            return ""
        host, _, port = address.rpartition(":")
        if which == "postgres":
            url = postgres_url(self.config, self.shared.postgres_password, address, space.database)
        else:
            url = redis_url(address, space.redis_db) if which == "redis" else events_url(self.config, address)
        values = {
            "url": url,
            "host": host,
            "port": port,
            "user": self.config.shared.postgres.user,
            "password": self.shared.postgres_password,
            "database": space.database,
        }
        return values[field]
