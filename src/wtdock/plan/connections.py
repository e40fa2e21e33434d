"""Connection settings for the shared services, per service and per ticket data space."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from wtdock.config.model import Config, ServiceConfig

POSTGRES_HOST = "postgres"
REDIS_HOST = "redis"
SHARED_PREFIX = "shared"
MAX_IDENTIFIER = 63


@dataclass(frozen=True)
class DataSpace:
    """Where one service keeps its data: a database, a Redis number, an event namespace."""

    database: str
    redis_db: int
    events_prefix: str


def database_name(base: str, slug: str) -> str:
    """``<base>_<ticket>`` as a Postgres identifier; long names keep a hash to stay unique."""
    name = f"{base}_{re.sub(r'[^a-z0-9]', '_', slug)}"
    if len(name) <= MAX_IDENTIFIER:
        return name
    digest = hashlib.sha256(slug.encode()).hexdigest()[:8]
    return f"{name[: MAX_IDENTIFIER - 9]}_{digest}"


def template_database(config: Config) -> str:
    """``<base>__template``: two underscores, which no ticket's database name can hold (a slug has
    no ``_`` and no doubled ``-``), so no ticket can be given the template's name."""
    return f"{config.shared.postgres.database}__template"


@dataclass(frozen=True)
class Addresses:
    """Where the shared servers answer (``host:port``): on the workspace network, or on the host."""

    postgres: str | None
    redis: str | None
    events: str | None


def network_addresses(config: Config) -> Addresses:
    """As containers on the workspace network reach them, by service name."""
    events = {"nats": "nats:4222", "redpanda": "redpanda:9092"}.get(config.shared.events.engine)
    return Addresses(f"{POSTGRES_HOST}:5432", f"{REDIS_HOST}:6379", events)


def host_addresses(config: Config, host: str, ports: Mapping[str, int]) -> Addresses:
    """As tools on the host reach them, on the ports the shared project publishes (None: not up)."""

    def at(key: str) -> str | None:
        return f"{host}:{ports[key]}" if key in ports else None

    return Addresses(at("postgres"), at("redis"), at(config.shared.events.engine))


def postgres_url(config: Config, password: str | None, address: str, database: str) -> str:
    secret = f":{password}" if password else ""
    return f"postgresql://{config.shared.postgres.user}{secret}@{address}/{database}"


def redis_url(address: str, db: int | None) -> str:
    return f"redis://{address}" + (f"/{db}" if db is not None else "")


def events_url(config: Config, address: str) -> str:
    return f"nats://{address}" if config.shared.events.engine == "nats" else address


def connection_env(
    config: Config, uses: Collection[str], space: DataSpace, password: str, at: Addresses
) -> dict[str, str]:
    """The connection settings of each shared service in ``uses`` that has an address, for one
    data space: what wtdock injects into containers, and what `wtdock env` gives host tools."""
    env: dict[str, str] = {}
    if "postgres" in uses and at.postgres:
        host, _, port = at.postgres.rpartition(":")
        env |= {
            "DATABASE_URL": postgres_url(config, password, at.postgres, space.database),
            "PGHOST": host,
            "PGPORT": port,
            "PGUSER": config.shared.postgres.user,
            "PGPASSWORD": password,
            "PGDATABASE": space.database,
        }
    if "redis" in uses and at.redis:
        env["REDIS_URL"] = redis_url(at.redis, space.redis_db)
    if "events" in uses and at.events:
        env |= _events_env(config, events_url(config, at.events), space.events_prefix)
    return env


def renamed(env: Mapping[str, str], service: ServiceConfig) -> dict[str, str]:
    """``env`` with the service's ``env_names`` applied (a name mapped to null is left out)."""
    out: dict[str, str] = {}
    for name, value in env.items():
        target = service.env_names.get(name, name)
        if target:
            out[target] = value
    return out


def _events_env(config: Config, url: str, prefix: str) -> dict[str, str]:
    if config.shared.events.engine == "nats":
        return {"NATS_URL": url, "EVENTS_PREFIX": prefix, "EVENTS_STREAM": prefix}
    return {"KAFKA_BROKERS": url, "KAFKA_TOPIC_PREFIX": f"{prefix}.", "KAFKA_CONSUMER_GROUP": prefix}
