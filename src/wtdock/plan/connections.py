"""Connection settings for the shared services, per service and per ticket data space."""

from __future__ import annotations

import hashlib
import re
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
    return f"{config.shared.postgres.database}_template"


def events_host(config: Config) -> str:
    return config.shared.events.engine


def postgres_url(config: Config, password: str, database: str) -> str:
    pg = config.shared.postgres
    return f"postgresql://{pg.user}:{password}@{POSTGRES_HOST}:5432/{database}"


def redis_url(db: int) -> str:
    return f"redis://{REDIS_HOST}:6379/{db}"


def events_url(config: Config) -> str:
    if config.shared.events.engine == "nats":
        return "nats://nats:4222"
    return "redpanda:9092"


def connection_env(config: Config, service: ServiceConfig, space: DataSpace, password: str) -> dict[str, str]:
    """The variables injected into a service for each shared service it ``uses``, renamed per
    ``env_names`` (a name mapped to null is left out)."""
    env: dict[str, str] = {}
    if "postgres" in service.uses:
        env |= {
            "DATABASE_URL": postgres_url(config, password, space.database),
            "PGHOST": POSTGRES_HOST,
            "PGPORT": "5432",
            "PGUSER": config.shared.postgres.user,
            "PGPASSWORD": password,
            "PGDATABASE": space.database,
        }
    if "redis" in service.uses:
        env["REDIS_URL"] = redis_url(space.redis_db)
    if "events" in service.uses:
        env |= _events_env(config, space.events_prefix)
    renamed: dict[str, str] = {}
    for name, value in env.items():
        target = service.env_names.get(name, name)
        if target:
            renamed[target] = value
    return renamed


def _events_env(config: Config, prefix: str) -> dict[str, str]:
    if config.shared.events.engine == "nats":
        return {"NATS_URL": events_url(config), "EVENTS_PREFIX": prefix, "EVENTS_STREAM": prefix}
    return {
        "KAFKA_BROKERS": events_url(config),
        "KAFKA_TOPIC_PREFIX": f"{prefix}.",
        "KAFKA_CONSUMER_GROUP": prefix,
    }
