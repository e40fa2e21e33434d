"""The typed model of ``wtdock.yaml``. Unknown keys are errors; every key has a working default."""

from __future__ import annotations

import ipaddress
import re
import string
from collections.abc import Mapping
from typing import Annotated, Literal, NamedTuple

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema, field_validator, model_validator

from wtdock.config.refs import malformed, ref_problem, refs_in

NAME_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"
KEY_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
SharedName = Literal["postgres", "redis", "events"]
ImageKey = Literal["postgres", "redis", "nats", "redpanda"]

# The connection settings wtdock injects for `uses`; `env_names` may rename or drop each.
INJECTED_ENV = (
    "DATABASE_URL", "PGHOST", "PGPORT", "PGUSER", "PGPASSWORD", "PGDATABASE", "REDIS_URL",
    "NATS_URL", "EVENTS_PREFIX", "EVENTS_STREAM", "KAFKA_BROKERS", "KAFKA_TOPIC_PREFIX", "KAFKA_CONSUMER_GROUP",
)

# The shared project's own service names: an app service of the same name would answer for them.
RESERVED_SERVICE_NAMES = ("postgres", "redis", "nats", "redpanda", "events")

DEFAULT_IMAGES: dict[str, str] = {
    "postgres": "postgres:16-alpine",
    "redis": "redis:7-alpine",
    "nats": "nats:2.10-alpine",
    "redpanda": "docker.redpanda.com/redpandadata/redpanda:v24.2.7",
}

Port = Annotated[int, Field(ge=1, le=65535)]
# The smallest workspace subnet: it leaves the tickets 128 addresses (see plan/addresses.py).
MAX_SUBNET_PREFIX = 24


class PortRange(NamedTuple):
    first: int
    last: int

    def __str__(self) -> str:
        return f"{self.first}-{self.last}"


def _port_range(value: object) -> object:
    if isinstance(value, PortRange):
        return value
    # A single port is a range of one; the error below quotes what the user wrote.
    text = f"{value}-{value}" if isinstance(value, int) and not isinstance(value, bool) else value
    if isinstance(text, str) and (m := re.fullmatch(r"\s*(\d+)\s*-\s*(\d+)\s*", text)):
        first, last = int(m.group(1)), int(m.group(2))
        if 1 <= first <= last <= 65535:
            return PortRange(first, last)
    raise ValueError(f"expected a port range like 4001-4099, got {value!r}")


# The schema says what the YAML holds (`4001-4099`, or one port), not the parsed tuple.
RANGE_SCHEMA = {
    "anyOf": [
        {"type": "string", "pattern": r"^\s*\d+\s*-\s*\d+\s*$"},
        {"type": "integer", "minimum": 1, "maximum": 65535},
    ],
    "description": "a host port range like 4001-4099 (or one port)",
}
Range = Annotated[PortRange, BeforeValidator(_port_range), WithJsonSchema(RANGE_SCHEMA)]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RepoConfig(Model):
    """A git repo of the workspace."""

    path: str = Field(description="the repo's primary checkout, relative to wtdock.yaml")
    # None: the repo's own default branch, found in git when a ticket needs it (gitops.default_branch).
    base: str | None = Field(None, description="branch that new ticket branches start from")
    # Git-ignored files a new worktree needs (`.env`), copied from the primary checkout; a
    # `.worktreeinclude` file in the repo adds its own globs.
    include: list[str] = Field([], description="globs of ignored files copied into each new worktree")

    @field_validator("include")
    @classmethod
    def _relative_globs(cls, value: list[str]) -> list[str]:
        for glob in value:
            if glob.startswith("/") or ".." in glob.split("/"):
                raise ValueError(f"{glob!r} must be a glob inside the repo")
        return value


class SharedInstanceConfig(Model):
    """A long-lived instance of the service in the shared project, run from the primary checkout."""

    host_port: Port = Field(description="the shared instance's host port")


class HealthcheckConfig(Model):
    """How the engine checks that the service answers; `up` waits for it."""

    test: list[str] | str = Field(description="a command list ([CMD, ...]), or a string run by the shell (CMD-SHELL)")
    interval: str = "10s"
    timeout: str = "5s"
    retries: int = 3
    start_period: str = "120s"
    # Checks every second while starting, so `up` returns as soon as the app answers.
    start_interval: str = "1s"


class BuildConfig(Model):
    """An image built for the service, tagged by a hash of its inputs."""

    context: str = Field(description="the build context, relative to wtdock.yaml")
    dockerfile: str | None = Field(None, description="the Dockerfile, relative to the context")


Command = Annotated[list[str] | str, Field(min_length=1)]


class ServiceConfig(Model):
    """A service run from a repo: per ticket, or shared (`shared.host_port`)."""

    # What `_consistent` checks that a schema can say too, for editors: one of image or build, and
    # port with host_ports.
    model_config = ConfigDict(json_schema_extra={
        "oneOf": [
            {"required": ["image"], "properties": {"image": {"type": "string"}}},
            {"required": ["build"], "properties": {"build": {"not": {"type": "null"}}}},
        ],
        "dependentRequired": {"port": ["host_ports"], "host_ports": ["port"], "shared": ["port"]},
    })

    repo: str = Field(description="the repo (a key of `repos`) the service runs from")
    workdir: str = Field(".", description="its folder inside the repo")
    image: str | None = Field(None, description="the image it runs (or give `build`)")
    build: str | BuildConfig | None = Field(
        None, description="a build context (relative to wtdock.yaml) or {context, dockerfile}"
    )
    command: list[str] | str | None = Field(None, description="a list, or a string; the image's by default")
    port: Port | None = Field(None, description="the port the app listens on in its container")
    host_ports: Range | None = None
    environment: dict[str, str | int | float | bool] = Field(
        {}, description="more variables; values may hold references such as {{ services.api.internal_url }}"
    )
    healthcheck: HealthcheckConfig | None = None
    shared: SharedInstanceConfig | None = None
    uses: list[SharedName] = Field([], description="shared services whose connection settings are injected")
    isolation: Literal["ticket", "shared"] = Field(
        "ticket", description="ticket: its own database, Redis number and event prefix per ticket; shared: the base"
    )
    env_names: dict[str, str | None] = Field({}, description="rename (or drop, with null) an injected variable")
    # A new worktree's preparation (`npm ci`), run in the service's image before it starts: once,
    # and again when a file of `inputs` changes. A string runs under `sh -c`, a list as it is.
    setup: list[Command] = Field([], description="commands that prepare a worktree (npm ci), in the service's image")
    inputs: list[str] = Field([], description="files (globs, relative to workdir) whose change runs setup again")
    # Folders (node_modules, .venv) kept in the ticket's own volumes, mounted over the worktree's.
    dependencies: list[str] = Field([], description="folders (node_modules, .venv) kept in the ticket's own volumes")
    # Run on every `up` after the service's database exists and before the service starts.
    migrate: list[Command] = Field([], description="commands run on every up, after its database exists")
    # Whether a ticket runs its own instance: `auto` when it branches the repo (or there is no
    # shared one), `own` always, `shared` never; `up --own/--shared` overrides it per ticket.
    ticket: Literal["auto", "own", "shared"] = Field(
        "auto", description="which tickets run their own instance: auto (those branching its repo), own, shared"
    )
    # File watchers poll (where bind-mount events do not reach the container).
    poll: bool = Field(False, description="make file watchers poll (VMs, WSL2, a remote engine)")

    @model_validator(mode="after")
    def _consistent(self) -> ServiceConfig:
        if (self.image is None) == (self.build is None):
            raise ValueError("give exactly one of 'image' or 'build'")
        if self.port is not None and self.host_ports is None:
            raise ValueError("'port' needs 'host_ports', the host range for tickets, e.g. 4001-4099")
        if self.host_ports is not None and self.port is None:
            raise ValueError("'host_ports' needs 'port', the port the app listens on in the container")
        if self.shared is not None and self.port is None:
            raise ValueError("'shared.host_port' needs 'port'")
        if self.ticket == "shared" and self.shared is None:
            raise ValueError("'ticket: shared' needs a shared instance ('shared.host_port')")
        if self.workdir.startswith("/") or ".." in self.workdir.split("/"):
            raise ValueError("'workdir' must be a path inside the repo")
        for key, paths in (("inputs", self.inputs), ("dependencies", self.dependencies)):
            for path in paths:
                if not path or path.startswith("/") or ".." in path.split("/"):
                    raise ValueError(f"'{key}' holds paths inside the service's workdir; not {path!r}")
        if len({dependency_key(d) for d in self.dependencies}) != len(self.dependencies):
            raise ValueError("'dependencies' lists the same folder twice")
        unknown = sorted(set(self.env_names) - set(INJECTED_ENV))
        if unknown:
            raise ValueError(f"'env_names' can rename only {', '.join(INJECTED_ENV)}; not {', '.join(unknown)}")
        return self


class PostgresConfig(Model):
    """The shared Postgres; each ticket gets its own database in it."""

    enabled: bool = True
    host_port: Port = Field(5432, description="for host tools; the next free one when left default and taken")
    user: str = Field("wtdock", pattern=r"^[a-z_][a-z0-9_]*$", description="the superuser")
    # No "__" and no trailing "_": ticket databases are "<database>_<ticket>" and the template is
    # "<database>__template", and neither may ever name the other.
    database: str = Field(
        "app", pattern=r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$", max_length=30,
        description="the base database; ticket databases are <database>_<ticket>",
    )

    @field_validator("database")
    @classmethod
    def _not_a_system_database(cls, value: str) -> str:
        # wtdock closes sessions on the base database and refuses connections to it while it copies.
        if value in ("postgres", "template0", "template1"):
            raise ValueError(f"{value!r} is Postgres's own database; name the app's database, e.g. 'app'")
        return value


class RedisConfig(Model):
    """The shared Redis; each ticket gets one of its logical databases."""

    enabled: bool = True
    host_port: Port = 6379
    databases: int = Field(256, ge=2, le=100_000, description="logical databases (one per ticket)")


class EventsConfig(Model):
    """The shared event stream; each ticket gets its own prefix."""

    engine: Literal["nats", "redpanda", "none"] = Field(
        "nats", description="nats (JetStream), redpanda (Kafka API) or none"
    )
    host_port: Port | None = Field(None, description="for host tools; 4222 (nats) or 19092 (redpanda) by default")

    @property
    def enabled(self) -> bool:
        return self.engine != "none"

    @property
    def preferred_port(self) -> int:
        return self.host_port or (4222 if self.engine == "nats" else 19092)


class SharedConfig(Model):
    """The shared project's servers, one set per workspace."""

    postgres: PostgresConfig = PostgresConfig()
    redis: RedisConfig = RedisConfig()
    events: EventsConfig = EventsConfig()


def parse_subnet(text: str) -> ipaddress.IPv4Network:
    """An IPv4 subnet of at least 256 addresses, written with its network address (``10.213.0.0/20``).
    Raises ValueError with a sentence fit for a config error."""
    try:
        subnet = ipaddress.IPv4Network(text, strict=True)
    except ValueError as err:
        raise ValueError(f"expected `auto` or an IPv4 subnet such as 10.213.0.0/20, got {text!r} ({err})") from None
    if subnet.prefixlen > MAX_SUBNET_PREFIX:
        raise ValueError(f"{text} is too small: wtdock needs at least a /{MAX_SUBNET_PREFIX} (256 addresses)")
    return subnet


class NetworkConfig(Model):
    """The workspace network `<name>-net`."""

    # `auto`: the engine picks a pool it knows is free (of its own networks and, on Linux, the
    # host's routes); a CIDR when that choice collides with something it cannot see (a VPN).
    subnet: str = Field("auto", description="auto, or an IPv4 subnet of at least a /24 (10.213.0.0/20)")

    @field_validator("subnet")
    @classmethod
    def _subnet(cls, value: str) -> str:
        if value != "auto":
            parse_subnet(value)
        return value


class AgentsConfig(Model):
    """What coding agents may do through `wtdock mcp`."""

    # Forcing `down` past unsaved work stays a person's decision at the terminal unless the
    # workspace says otherwise: the MCP tool then gets its `force` parameter.
    allow_force_down: bool = Field(False, description="let `wtdock mcp`'s down tool take force (work kept in rescues)")


def dependency_key(path: str) -> str:
    """A dependency folder as part of a volume name: ``vendor/bundle`` -> ``vendor-bundle``."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", path.strip("/")).strip("-.") or "deps"


class Config(Model):
    """wtdock.yaml: a workspace of repos, the services run from them, and the shared project."""

    name: str = Field(
        pattern=NAME_PATTERN, max_length=30, description="the workspace (names projects and the network); the folder's"
    )
    repos: dict[Annotated[str, Field(pattern=KEY_PATTERN)], RepoConfig] = Field({}, description="git repos, by name")
    services: dict[Annotated[str, Field(pattern=KEY_PATTERN)], ServiceConfig] = Field(
        {}, description="the app's services, by name",
        # The loader refuses them in its cross-checks; the schema tells an editor at once.
        json_schema_extra={"propertyNames": {"not": {"enum": list(RESERVED_SERVICE_NAMES)}}},
    )
    shared: SharedConfig = SharedConfig()
    images: dict[ImageKey, str] = Field({}, description="images of the shared services (a mirror, the stand-ins)")
    worktrees: str = Field(".wtdock/worktrees", description="where worktrees go: <worktrees>/<ticket>/<repo>")
    branch: str = Field("{ticket}", description="the name of new ticket branches, holding {ticket}")
    bind: str = Field("127.0.0.1", description="the host IPv4 address ports are published on")
    wait_timeout: int = Field(300, ge=5, description="seconds `up` waits for healthchecks")
    network: NetworkConfig = NetworkConfig()
    # The host's CA bundle for containers behind a TLS-re-signing proxy: `auto` mounts it where the
    # host has one, `off` never, or the path of a bundle.
    ca_bundle: str = Field("auto", description="the CA bundle containers trust: auto, off, or a path")
    agents: AgentsConfig = AgentsConfig()

    @field_validator("bind")
    @classmethod
    def _ipv4(cls, value: str) -> str:
        # An address, not a host name: it is probed with bind() and written into every ports entry.
        try:
            ipaddress.IPv4Address(value)
        except ValueError:
            raise ValueError(f"expected an IPv4 address such as 127.0.0.1 or 0.0.0.0, got {value!r}") from None
        return value

    @model_validator(mode="after")
    def _cross_references(self) -> Config:
        for name, svc in self.services.items():
            if name in RESERVED_SERVICE_NAMES:
                raise _at(("services", name), f"{name!r} names a shared service; pick another name")
            if svc.repo not in self.repos:
                raise _at(("services", name, "repo"), f"no repo {svc.repo!r} (repos: {_names(self.repos)})")
            for used in svc.uses:
                if not self.shared_enabled(used):
                    raise _at(("services", name, "uses"), f"shared {used} is disabled")
            has_port = {n: s.port is not None for n, s in self.services.items()}
            for key, value in svc.environment.items():
                if problem := malformed(str(value)):
                    raise _at(("services", name, "environment", key), problem)
                for ref in refs_in(str(value)):
                    if problem := ref_problem(ref, has_port):
                        raise _at(("services", name, "environment", key), problem)
        self._no_overlapping_ranges()
        if "{ticket}" not in self.branch:
            raise _at(("branch",), "the branch pattern must contain {ticket}")
        try:
            fields = [(f, spec, conv) for _, f, spec, conv in string.Formatter().parse(self.branch) if f is not None]
        except ValueError:
            fields = [("", None, None)]
        if any(f != "ticket" or spec or conv for f, spec, conv in fields):
            raise _at(("branch",), "the branch pattern may hold {ticket} and no other {...}")
        return self

    def _no_overlapping_ranges(self) -> None:
        """Two services drawing host ports from one range would take each other's ports, and a
        ticket's URLs would depend on which service asked first."""
        seen: list[tuple[str, PortRange]] = []
        for name, svc in self.services.items():
            span = svc.host_ports
            if span is None:
                continue
            for other, theirs in seen:
                if span.first <= theirs.last and theirs.first <= span.last:
                    raise _at(
                        ("services", name, "host_ports"),
                        f"{span} overlaps services.{other}.host_ports ({theirs}); give each service its own range",
                    )
            seen.append((name, span))

    def shared_enabled(self, name: str) -> bool:
        return {
            "postgres": self.shared.postgres.enabled,
            "redis": self.shared.redis.enabled,
            "events": self.shared.events.enabled,
        }[name]


class KeyedValueError(ValueError):
    """A cross-field problem that knows which key it is about."""

    def __init__(self, loc: tuple[str, ...], message: str) -> None:
        super().__init__(message)
        self.loc = loc


def _at(loc: tuple[str, ...], message: str) -> KeyedValueError:
    return KeyedValueError(loc, message)


def _names(mapping: Mapping[str, object]) -> str:
    return ", ".join(mapping) or "none defined"
