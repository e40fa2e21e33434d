"""The only module that talks to Docker: python-on-whales for Compose, docker-py for queries.

Both libraries are imported inside functions: together they cost ~200 ms, which `--help`,
completion and `wtdock url` should not pay.
"""

from __future__ import annotations

import collections
import contextlib
import functools
import os
import re
import signal
import subprocess
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wtdock.errors import (
    BuildFailedError,
    EngineError,
    EngineUnavailableError,
    ServiceFailedError,
    ServiceFailure,
    UnavailableError,
    WtdockError,
)

if TYPE_CHECKING:
    from docker import DockerClient as EngineAPI
    from python_on_whales import DockerClient

ENGINE_HINT = "start Docker Desktop, or on Linux without it run scripts/setup-engine; `docker info` must answer"
LABEL_PROJECT = "com.docker.compose.project"
LABEL_SERVICE = "com.docker.compose.service"


@dataclass(frozen=True)
class ContainerInfo:
    id: str
    name: str
    project: str
    service: str
    labels: dict[str, str]
    state: str
    health: str | None
    published: tuple[int, ...]
    created: int = 0  # seconds since the epoch
    # IPv4 address by network: the static one it was given (kept while stopped), else the one it has.
    addresses: dict[str, str] = field(default_factory=dict)

    @property
    def up(self) -> bool:
        return self.state == "running" and self.health in (None, "healthy")


class PortConflictError(EngineError):
    """The engine could not publish a host port: another container or process holds it."""

    exit_code = 4
    kind = "port_taken"

    def __init__(self, port: int, message: str, **facts: Any) -> None:
        super().__init__(message, **facts)
        self.port = port


class ServiceUnhealthyError(ServiceFailedError):
    """Containers were made but a service exited or failed its healthcheck."""

    kind = "service_unhealthy"


class StartTimeoutError(ServiceFailedError):
    """Containers were made but were not healthy within the wait timeout (not available: exit 4)."""

    exit_code = 4
    kind = "start_timeout"


def _where() -> str:
    return os.environ.get("DOCKER_HOST") or "the default Docker socket (or the current docker context)"


@functools.cache
def _api() -> EngineAPI:
    import docker
    import requests

    try:
        # A short timeout for the first answer: an unreachable DOCKER_HOST must not hang `doctor`.
        client = docker.from_env(timeout=10)
        client.ping()
        client.api.timeout = 120  # a compose-sized call (image build, stop of many containers) may take long
    except (docker.errors.DockerException, requests.exceptions.RequestException) as err:
        raise EngineUnavailableError(f"the Docker engine does not answer at {_where()}", hint=ENGINE_HINT) from err
    return client


def engine_version() -> str:
    with _engine_errors("ask the engine for its version"):
        return str(_api().version().get("Version", "unknown"))


def compose_version() -> str:
    from python_on_whales import DockerException, docker
    from python_on_whales.client_config import ClientNotFoundError

    try:
        return str(docker.compose.version()).strip().removeprefix("Docker Compose version ")
    except ClientNotFoundError as err:
        raise _no_docker_binary(err) from err
    except DockerException as err:
        raise EngineError(
            "Docker Compose v2 is not installed (`docker compose version` failed)",
            hint="install the Compose v2 plugin (Debian: docker-compose from trixie; see README)",
            command=list(map(str, err.docker_command or [])),
            returncode=err.return_code,
            stdout=_text(err.stdout),
            stderr=_text(err.stderr),
        ) from err


def containers(*labels: str, network: str | None = None) -> list[ContainerInfo]:
    """Every container (running or not) with all ``labels``: one call to the engine."""
    filters: dict[str, Any] = {"label": list(labels)}
    if network:
        filters["network"] = network
    with _engine_errors("list containers"):
        found = _api().containers.list(all=True, sparse=True, filters=filters)
    return [_info(c.attrs) for c in found]


def remove_containers(*labels: str) -> list[str]:
    """Force-remove every container (running or not) with all ``labels``, with its anonymous
    volumes; the names removed. One already gone (another cleaner was first) is no error."""
    if not labels:
        # No filter would mean every container on the engine, other people's included.
        raise ValueError("remove_containers needs at least one label")
    import docker

    removed = []
    with _engine_errors("remove containers"):
        for container in _api().containers.list(all=True, sparse=True, filters={"label": list(labels)}):
            with contextlib.suppress(docker.errors.NotFound):
                container.remove(force=True, v=True)
                removed.append(_info(container.attrs).name)
    return sorted(removed)


def _info(attrs: dict[str, Any]) -> ContainerInfo:
    labels = attrs.get("Labels") or {}
    return ContainerInfo(
        id=attrs["Id"],
        name=(attrs.get("Names") or ["?"])[0].lstrip("/"),
        project=labels.get(LABEL_PROJECT, ""),
        service=labels.get(LABEL_SERVICE, ""),
        labels=labels,
        state=attrs.get("State", "unknown"),
        health=_health(attrs.get("Status", "")),
        published=tuple(sorted({p["PublicPort"] for p in attrs.get("Ports") or [] if p.get("PublicPort")})),
        created=int(attrs.get("Created") or 0),
        addresses=_addresses(attrs),
    )


def _addresses(attrs: dict[str, Any]) -> dict[str, str]:
    found = {}
    for network, endpoint in ((attrs.get("NetworkSettings") or {}).get("Networks") or {}).items():
        address = ((endpoint or {}).get("IPAMConfig") or {}).get("IPv4Address") or (endpoint or {}).get("IPAddress")
        if address:
            found[network] = str(address)
    return found


def _health(status: str) -> str | None:
    # The list endpoint has no health field; its Status text carries it.
    match = re.search(r"\((healthy|unhealthy|health: starting)\)", status)
    return None if match is None else match.group(1).replace("health: ", "")


@dataclass(frozen=True)
class NetworkInfo:
    name: str
    labels: dict[str, str]
    subnet: str | None
    gateway: str | None
    ip_range: str | None


class NetworkExistsError(EngineError):
    """A network of that name exists already (a concurrent create)."""


class PoolOverlapError(EngineError):
    """The subnet asked for overlaps one that another network holds."""


class PoolsExhaustedError(UnavailableError):
    """The engine has no default address pool left to give a network."""


def network_info(name: str) -> NetworkInfo | None:
    """The network's labels and IPv4 address plan, or None when there is no such network."""
    import docker

    with _engine_errors(f"inspect network {name}"):
        try:
            attrs = _api().networks.get(name).attrs
        except docker.errors.NotFound:
            return None
    ipv4 = [c for c in (attrs.get("IPAM") or {}).get("Config") or [] if ":" not in c.get("Subnet", ":")]
    config = ipv4[0] if ipv4 else {}
    return NetworkInfo(
        name=name,
        labels=dict(attrs.get("Labels") or {}),
        subnet=config.get("Subnet"),
        gateway=config.get("Gateway"),
        ip_range=config.get("IPRange") or None,
    )


def create_network(
    name: str, labels: dict[str, str], *, subnet: str | None = None, gateway: str | None = None,
    ip_range: str | None = None,
) -> NetworkInfo:
    """Create a bridge network, with the engine's choice of subnet unless ``subnet`` is given."""
    import docker
    from docker.types import IPAMConfig, IPAMPool

    ipam = None
    if subnet is not None:
        ipam = IPAMConfig(pool_configs=[IPAMPool(subnet=subnet, gateway=gateway, iprange=ip_range)])
    try:
        _api().networks.create(name, driver="bridge", labels=labels, ipam=ipam)
    except docker.errors.APIError as err:
        raise _network_failure(name, err) from err
    found = network_info(name)
    if found is None:
        raise EngineError(f"network {name} vanished right after it was made")
    return found


def _network_failure(name: str, err: Any) -> WtdockError:
    """The engine's answer to a network create, as wtdock's error (its text is read only here)."""
    explanation = str(err.explanation or err)
    if err.status_code == 409:
        return NetworkExistsError(f"network {name} exists already")
    if "overlaps" in explanation:
        return PoolOverlapError(f"cannot create network {name}: {explanation}")
    if "address pool" in explanation:
        return PoolsExhaustedError(
            f"cannot create network {name}: the engine has no address pool left ({explanation})",
            hint="remove networks you no longer need (`docker network prune`), or set network.subnet in "
            "wtdock.yaml to a free subnet such as 10.213.0.0/20",
        )
    return EngineError(f"cannot create network {name}: {explanation}")


def network_names(*labels: str) -> list[str]:
    """The names of the networks with all ``labels``."""
    with _engine_errors("list networks"):
        return [str(n.name) for n in _api().networks.list(filters={"label": list(labels)})]


def remove_network(name: str) -> bool:
    """Remove a network; False when something is still attached to it. One already gone is no error."""
    import docker

    try:
        _api().networks.get(name).remove()
    except docker.errors.NotFound:
        return True
    except docker.errors.APIError as err:
        if "active endpoints" in str(err.explanation or err):
            return False
        raise EngineError(f"could not remove network {name}: {err.explanation or err}") from err
    return True


def remove_unused_project_networks(project: str) -> list[str]:
    """Remove the networks Compose made for ``project`` that no container uses any more (what an
    older wtdock's ``<project>_default`` leaves behind); each holds one of the engine's pools."""
    removed = []
    with _engine_errors(f"list the networks of {project}"):
        networks = _api().networks.list(filters={"label": f"{LABEL_PROJECT}={project}"})
    for network in networks:
        # Housekeeping: a network that will not go now is left for the ticket's `down`.
        with contextlib.suppress(EngineError):
            if not containers(network=network.name) and remove_network(network.name):
                removed.append(str(network.name))
    return removed


def volume_exists(name: str) -> bool:
    import docker

    with _engine_errors(f"look up volume {name}"):
        try:
            _api().volumes.get(name)
        except docker.errors.NotFound:
            return False
    return True


def network_exists(name: str) -> bool:
    import docker

    with _engine_errors(f"look up network {name}"):
        try:
            _api().networks.get(name)
        except docker.errors.NotFound:
            return False
    return True


def _compose(project: str, file: Path) -> DockerClient:
    from python_on_whales import DockerClient

    return DockerClient(
        compose_files=[file], compose_project_name=project, compose_project_directory=file.parent
    )


def compose_up(
    project: str, file: Path, wait_timeout: int, services: Sequence[str] = (),
    on_status: Callable[[str, str], None] | None = None,
) -> None:
    """``up --detach --wait`` with an explicit project name, so no COMPOSE_PROJECT_NAME hijacks it
    (of ``services`` only, when given).
    A service that exits or stays unhealthy is named, with its exit code or health, its
    healthcheck's last output and its last log lines (Compose's own last line may be anything, such
    as the last line of a build log). ``on_status(service, text)`` hears each container's state
    (and its healthcheck's last output) as it changes while Compose waits."""
    watcher = _StatusWatcher(project, on_status) if on_status is not None else None
    try:
        if watcher is not None:
            watcher.start()
        _run_compose(project, file, "up", lambda c: c.compose.up(
            list(services) or None, detach=True, wait=True, wait_timeout=wait_timeout, quiet=True,
            remove_orphans=True,
        ))
        _check_healthy(project, services)
    except ServiceFailedError as err:
        raise _named(project, err) from err
    finally:
        if watcher is not None:
            watcher.stop()


def _check_healthy(project: str, services: Sequence[str]) -> None:
    """Compose 2.26's `up --wait` now and then exits 0 when its timeout runs out while a service is
    still starting (seen here on a loaded machine, about one run in five): the engine has the last
    word. One sparse listing; the facts are gathered only for a failure."""
    with _engine_errors(f"list the containers of {project}"):
        found = _api().containers.list(all=True, sparse=True, filters={
            "label": [f"{LABEL_PROJECT}={project}", "com.docker.compose.oneoff=False"],
            "status": ["running"], "health": ["starting", "unhealthy"],  # a one-shot that exited is done
        })
    sick = [c for c in found if not services or (c.attrs.get("Labels") or {}).get(LABEL_SERVICE) in services]
    if sick:
        raise StartTimeoutError(f"{project}: services were not healthy in time")


class _StatusWatcher:
    """Polls a project's containers while `compose up --wait` runs (Compose itself is quiet: its
    own progress would garble ours) and reports what changed, by service."""

    INTERVAL = 1.0

    def __init__(self, project: str, report: Callable[[str, str], None]) -> None:
        import threading

        self._project, self._report = project, report
        self._said: dict[str, str] = {}
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="wtdock-status", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join(timeout=5)
        with contextlib.suppress(Exception):
            self._poll()  # the last word: what each service ended as

    def _run(self) -> None:
        while not self._stopped.wait(self.INTERVAL):
            # Progress is a courtesy: a poll that fails (the engine busy, a container just removed)
            # must never fail the `up` it describes.
            with contextlib.suppress(Exception):
                self._poll()

    def _poll(self) -> None:
        found = _api().containers.list(all=True, filters={"label": f"{LABEL_PROJECT}={self._project}"})
        for container in found:
            service = (container.labels or {}).get(LABEL_SERVICE, container.name)
            text = _status_text(container.attrs.get("State") or {})
            if self._said.get(service) != text:
                self._said[service] = text
                self._report(service, text)


def _status_text(state: Mapping[str, Any]) -> str:
    """``running (healthy)``, ``starting: <the healthcheck's last output>``, ``exited (1)``."""
    status, health = state.get("Status", "unknown"), state.get("Health") or {}
    if status == "exited":
        return f"exited ({state.get('ExitCode')})"
    if status != "running" or not health:
        return str(status)
    checks = health.get("Log") or []
    last = str(checks[-1].get("Output") or "").strip().splitlines()[-1:] if checks else []
    verdict = str(health.get("Status", "starting"))
    return f"{verdict}: {last[0]}" if last and verdict != "healthy" else f"running ({verdict})"


LOG_TAIL = 15


def service_failures(project: str) -> list[ServiceFailure]:
    """Every container of ``project`` that is not running healthy, with its facts: those that
    exited first, then the unhealthy, then those still starting."""
    with _engine_errors(f"inspect the containers of {project}"):
        found = _api().containers.list(all=True, filters={"label": f"{LABEL_PROJECT}={project}"})
        failures = [f for c in found if (f := _failure(c)) is not None]
    rank = {"unhealthy": 1}
    return sorted(failures, key=lambda f: (f.state == "running", rank.get(f.health or "", 2), f.service))


def _failure(container: Any) -> ServiceFailure | None:
    state = container.attrs.get("State") or {}
    status, health = state.get("Status", "unknown"), (state.get("Health") or {}).get("Status")
    if status == "running" and health in (None, "healthy"):
        return None
    checks = (state.get("Health") or {}).get("Log") or []
    tail = container.logs(tail=LOG_TAIL).decode(errors="replace").splitlines()
    return ServiceFailure(
        service=(container.labels or {}).get(LABEL_SERVICE, container.name),
        state=status,
        exit_code=None if status == "running" else state.get("ExitCode"),
        health=health,
        last_output=(str(checks[-1].get("Output") or "").strip() or None) if checks else None,
        logs=tuple(line.rstrip() for line in tail),
    )


def _named(project: str, err: ServiceFailedError) -> ServiceFailedError:
    """The same error, about the service that failed (when the engine can still tell)."""
    try:
        failures = service_failures(project)
    except WtdockError:
        return err  # the engine went away meanwhile: Compose's own words are all there is
    if not failures:
        return err
    first, *others = failures
    details = [*first.lines(), *(f"also: {other.summary}" for other in others)]
    return type(err)(
        f"{project}: {first.summary}",
        failure=first,
        also=others,
        hint=f"see all of its logs with `wtdock logs TICKET {first.service}` (or `wtdock shared logs {first.service}`)",
        details=details,
        command=err.command,
        returncode=err.returncode,
        stdout=err.stdout,
        stderr=err.stderr,
    )


BUILD_TAIL = 15


def compose_build(project: str, file: Path, service: str, say: Callable[[str], None]) -> None:
    """``compose build SERVICE`` (BuildKit's plain progress), every output line handed to ``say`` as
    it comes; a failure names the service and keeps the output's last lines (the failing step)."""
    argv = [*_compose_argv(project, file), "--progress", "plain", "build", service]
    outcome = _streamed(argv, say, BUILD_TAIL)
    if outcome.code != 0:
        lines = list(outcome.tail)
        raise BuildFailedError(
            f"{project}: the image of {service} did not build: {_failing_step(lines)}",
            service=service,
            logs=lines,
            details=[f"{service}: last {len(lines)} line(s) of the build:", *(f"  | {line}" for line in lines)],
            hint=f"fix its Dockerfile or context, then `wtdock up` again (services.{service}.build)",
            command=argv,
            returncode=outcome.code,
            stdout="\n".join(lines),
        )


def _failing_step(lines: Sequence[str]) -> str:
    """BuildKit's summary of what failed (``failed to solve: ...``), else its first ERROR line, else
    the last line."""
    solve = [line for line in lines if line.startswith("failed to solve")]
    errors = [line for line in lines if " ERROR" in line or line.startswith("ERROR")]
    return (solve[-1:] or errors[:1] or lines[-1:] or ["no output"])[0].strip()


def context_files(context: Path, dockerfile: str | None) -> list[str]:
    """The paths (files and folders, relative to ``context``) a build of ``context`` sends, as the
    engine's own client reads ``.dockerignore`` (``<Dockerfile>.dockerignore`` first, as BuildKit)."""
    from docker.utils.build import exclude_paths

    patterns: list[str] = []
    for ignore in (context / f"{dockerfile or 'Dockerfile'}.dockerignore", context / ".dockerignore"):
        if ignore.is_file():
            lines = ignore.read_text(encoding="utf-8", errors="replace").splitlines()
            patterns = [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]
            break
    return sorted(exclude_paths(str(context), patterns, dockerfile=dockerfile))


def image_id(tag: str) -> str | None:
    """The id of a local image, or None when there is none of that name."""
    import docker

    with _engine_errors(f"look up image {tag}"):
        try:
            return str(_api().images.get(tag).id)
        except docker.errors.ImageNotFound:
            return None


def image_tags(repository: str) -> list[str]:
    """Every local tag of ``repository`` (``wtdock/shop-api`` -> ``wtdock/shop-api:3f2a...``)."""
    with _engine_errors(f"list the images of {repository}"):
        found = _api().images.list(name=repository)
    return sorted(t for image in found for t in image.tags if t.rsplit(":", 1)[0] == repository)


def compose_restart(project: str, file: Path, services: Sequence[str]) -> None:
    _run_compose(project, file, "restart", lambda c: c.compose.restart(list(services), timeout=10))


def compose_stop(project: str, file: Path) -> None:
    """Stop the project's containers, each within its own ``stop_grace_period`` (no longer: a
    dev server that never exits on SIGTERM must not hold `stop` and `down` for 10 s)."""
    _run_compose(project, file, "stop", lambda c: c.compose.stop())


def compose_down(project: str, file: Path, *, volumes: bool = False) -> None:
    _run_compose(project, file, "down", lambda c: c.compose.down(remove_orphans=True, volumes=volumes, quiet=True))


def _run_compose(project: str, file: Path, verb: str, action: Any) -> None:
    """Every Compose call goes through here: its failure becomes one wtdock error with its facts."""
    from python_on_whales import DockerException
    from python_on_whales.client_config import ClientNotFoundError

    try:
        action(_compose(project, file))
    except ClientNotFoundError as err:  # not a DockerException
        raise _no_docker_binary(err) from err
    except DockerException as err:
        raise _compose_failure(project, verb, err) from err


def stop_containers(ids: Sequence[str]) -> None:
    """Stop these containers (10 s to exit after SIGTERM); one already gone is no error."""
    import docker

    api = _api()
    with _engine_errors(f"stop {len(ids)} container(s)"):
        for container_id in ids:
            with contextlib.suppress(docker.errors.NotFound):
                api.containers.get(container_id).stop(timeout=10)


@dataclass(frozen=True)
class ExecResult:
    code: int
    stdout: str
    stderr: str


def exec_capture(container_id: str, argv: Sequence[str], *, user: str | None = None) -> ExecResult:
    """Run ``argv`` (a list, never a shell string) in a running container and capture its output
    (over the API: no terminal). stdout and stderr stay apart: a server's NOTICE on stderr must not
    be read as a query's answer."""
    with _engine_errors(f"run {argv[0]} in container {container_id[:12]}", command=argv):
        api = _api().api
        exec_id = api.exec_create(container_id, list(argv), user=user or "")["Id"]
        stdout, stderr = api.exec_start(exec_id, demux=True)
        code = api.exec_inspect(exec_id)["ExitCode"]
    return ExecResult(int(code or 0), _text(stdout), _text(stderr))


def exec_to_file(container_id: str, argv: Sequence[str], target: Path) -> ExecResult:
    """Run ``argv`` in a container, streaming its stdout into ``target`` (a dump may not fit in
    memory: it goes straight to the file)."""
    # 0600 from the first byte: a dump holds every row of a database.
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        done = _docker_cli(["docker", "exec", container_id, *argv], stdout=handle, stderr=subprocess.PIPE)
    return ExecResult(done.returncode, "", (done.stderr or b"").decode(errors="replace"))


def exec_interactive(container_id: str, argv: Sequence[str]) -> int:
    """``docker exec -it`` on this terminal (psql for a person at the keyboard); its exit code."""
    tty = ["-it"] if os.isatty(0) else ["-i"]
    return _docker_cli(["docker", "exec", *tty, container_id, *argv], terminal=True).returncode


def remove_project(project: str) -> None:
    """Remove a project's containers (with anonymous volumes) and networks by label, with no
    compose file: for orphans whose file is gone. One already gone is no error."""
    import docker

    api = _api()
    with _engine_errors(f"remove project {project}"):
        for container in api.containers.list(all=True, filters={"label": f"{LABEL_PROJECT}={project}"}):
            with contextlib.suppress(docker.errors.NotFound):
                container.remove(force=True, v=True)
        for network in api.networks.list(filters={"label": f"{LABEL_PROJECT}={project}"}):
            with contextlib.suppress(docker.errors.NotFound):
                network.remove()


@contextlib.contextmanager
def _engine_errors(doing: str, command: Sequence[str] = ()) -> Iterator[None]:
    """The one place where docker-py's errors become wtdock's: an API error (the engine answered
    with an error), a dropped or refused connection (it stopped answering)."""
    import docker
    import requests

    try:
        yield
    except docker.errors.APIError as err:
        raise EngineError(f"could not {doing}: {err.explanation or err}", command=command,
                          stderr=str(err.explanation or "")) from err
    except (requests.exceptions.RequestException, docker.errors.DockerException) as err:
        raise EngineUnavailableError(f"the Docker engine does not answer at {_where()} (while trying to {doing})",
                                     hint=ENGINE_HINT, command=command) from err


def _no_docker_binary(err: BaseException) -> EngineUnavailableError:
    return EngineUnavailableError("the `docker` command is not on PATH", hint=ENGINE_HINT, stderr=str(err))


def _docker_cli(argv: list[str], *, terminal: bool = False, **streams: Any) -> subprocess.CompletedProcess[bytes]:
    """The docker CLI, for what needs this terminal or a stream (exec -it, logs -f, a dump to a
    file). ``terminal``: Ctrl-C belongs to the child, which answers it."""
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if terminal else None
    try:
        return subprocess.run(argv, check=False, **streams)
    except FileNotFoundError as err:
        raise _no_docker_binary(err) from err
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)


def remove_project_volumes(project: str) -> list[str]:
    """Remove every volume Compose made for a project, also those its current file no longer names
    (an events engine switched from nats to redpanda leaves nats-data behind)."""
    removed = []
    with _engine_errors(f"remove the volumes of {project}"):
        for volume in _api().volumes.list(filters={"label": f"{LABEL_PROJECT}={project}"}):
            volume.remove(force=True)
            removed.append(str(volume.name))
    return removed


def compose_attached(project: str, file: Path, args: Sequence[str]) -> int:
    """Run ``docker compose ... ARGS`` on this terminal (logs -f, exec) and return its exit code."""
    # Asked first: an engine that does not answer is wtdock's one line and exit 5, where the CLI's own
    # exit 1 would pass for the exit code of the command `exec` ran.
    _api()
    argv = [*_compose_argv(project, file), *args]
    return _docker_cli(argv, terminal=True).returncode


def compose_captured(project: str, file: Path, args: Sequence[str], *, on_line: Callable[[str], None],
                     tail: int) -> RunOutcome:
    """Run ``docker compose ... ARGS`` with no terminal (stdin empty, output read, never inherited):
    its exit code and last ``tail`` lines, each line handed to ``on_line`` as it comes."""
    return _streamed([*_compose_argv(project, file), *args], on_line, tail)


_PORT_TAKEN = re.compile(
    r"(?:Bind for \[?[0-9a-fA-F.:]*\]?:(\d+) failed: port is already allocated"
    r"|listen tcp[46]? \[?[0-9a-fA-F.:]*\]?:(\d+): bind: address already in use)"
)


def _compose_failure(project: str, verb: str, err: Any) -> WtdockError:
    """Compose reports through text only; this is the one place that reads it. The error keeps the
    facts: the command, its exit code, and stdout and stderr apart."""
    stderr, stdout = _text(err.stderr), _text(err.stdout)
    facts: dict[str, Any] = {
        "command": list(map(str, err.docker_command or [])),
        "returncode": err.return_code,
        "stdout": stdout,
        "stderr": stderr,
    }
    text = f"{stderr}\n{stdout}"
    if match := _PORT_TAKEN.search(text):
        port = int(match.group(1) or match.group(2))
        return PortConflictError(port, f"{project}: host port {port} is already in use", **facts)
    lines = [line.strip() for line in (stderr or stdout).splitlines() if line.strip()]
    last = lines[-1] if lines else f"exit code {err.return_code}"
    if re.search(r"pull access denied|failed to resolve reference|manifest unknown|Error response from daemon: "
                 r"(?:Get|Head) \S+: dial tcp|error pulling image", text):
        return EngineError(
            f"{project}: an image could not be pulled: {last}",
            hint="set images.* in wtdock.yaml or WTDOCK_IMAGE_POSTGRES/REDIS/NATS (a mirror); "
            "without a registry, scripts/build-standins makes local stand-ins",
            **facts,
        )
    if "is unhealthy" in text or "exited (" in text:
        return ServiceUnhealthyError(
            f"{project}: a service did not become healthy: {last}",
            hint="see its logs with `wtdock logs` (or `wtdock shared logs`)",
            **facts,
        )
    # Compose 2.26 says "application not healthy after 3s" when --wait-timeout runs out.
    if re.search(r"not healthy after \d+|timeout.*waiting|waiting.*timeout", text, re.I):
        return StartTimeoutError(
            f"{project}: services were not healthy in time: {last}",
            hint="see the logs with `wtdock logs` (or `wtdock shared logs`); raise wait_timeout if it is slow",
            **facts,
        )
    if "Cannot connect to the Docker daemon" in text or "Is the docker daemon running" in text:
        return EngineUnavailableError(f"the Docker engine does not answer at {_where()}", hint=ENGINE_HINT, **facts)
    return EngineError(f"docker compose {verb} failed for {project}: {last}", **facts)


def _text(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode(errors="replace")
    return str(value or "")


@dataclass(frozen=True)
class RunOutcome:
    """A one-off command's exit code and the last lines it printed (stdout and stderr together,
    in the order a person would have seen them)."""

    code: int
    tail: tuple[str, ...]


def compose_run(
    project: str,
    file: Path,
    service: str,
    argv: Sequence[str],
    *,
    on_line: Callable[[str], None],
    user: str | None = None,
    entrypoint: str | None = None,
    environment: Mapping[str, str] | None = None,
    volumes: Sequence[str] = (),
    tail: int = 20,
) -> RunOutcome:
    """``compose run --rm --no-deps -T SERVICE ARGV``: the service's image, mounts, environment,
    network and user, for a one-off command (setup, migrations). Its output streams to
    ``on_line`` as it comes; every value goes as its own argument, never through a shell."""
    command = [*_compose_argv(project, file), "run", "--rm", "--no-deps", "-T", "--quiet-pull"]
    if user is not None:
        command += ["--user", user]
    if entrypoint is not None:
        command += ["--entrypoint", entrypoint]
    for key, value in (environment or {}).items():
        command += ["-e", f"{key}={value}"]
    for volume in volumes:
        command += ["-v", volume]
    return _streamed([*command, service, *argv], on_line, tail)


def _compose_argv(project: str, file: Path) -> list[str]:
    """The docker CLI's Compose with an explicit project, file and folder (no COMPOSE_* hijack)."""
    return ["docker", "compose", "-p", project, "-f", str(file), "--project-directory", str(file.parent)]


def _streamed(argv: list[str], on_line: Callable[[str], None], tail: int) -> RunOutcome:
    """Run ``argv`` (a list, never a shell string) with stdout and stderr together, each non-empty
    line handed to ``on_line`` as it comes; its exit code and last ``tail`` lines."""
    last: collections.deque[str] = collections.deque(maxlen=tail)
    try:
        child = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    except FileNotFoundError as err:
        raise _no_docker_binary(err) from err
    assert child.stdout is not None  # noqa: S101 - asked for above
    with child:
        for raw in child.stdout:
            if line := raw.decode(errors="replace").rstrip():
                last.append(line)
                on_line(line)
    return RunOutcome(child.returncode, tuple(last))


def ensure_volume(name: str, labels: Mapping[str, str]) -> bool:
    """Create a named volume unless it exists; True when it was made now."""
    import docker

    api = _api()
    with _engine_errors(f"create volume {name}"):
        try:
            api.volumes.get(name)
        except docker.errors.NotFound:
            api.volumes.create(name=name, labels=dict(labels))
            return True
    return False


def volumes(*labels: str) -> list[str]:
    """The names of every volume with all ``labels``: one call."""
    return [v.name for v in volume_labels(*labels)]


@dataclass(frozen=True)
class VolumeInfo:
    name: str
    labels: Mapping[str, str]


def volume_labels(*labels: str) -> list[VolumeInfo]:
    """Every volume with all ``labels``, with its labels: one call."""
    with _engine_errors("list volumes"):
        found = _api().volumes.list(filters={"label": list(labels)})
    return sorted((VolumeInfo(str(v.name), dict(v.attrs.get("Labels") or {})) for v in found), key=lambda v: v.name)


def remove_volumes(names: Sequence[str]) -> list[str]:
    """Remove these volumes; one already gone is no error. The names removed."""
    import docker

    removed = []
    with _engine_errors(f"remove {len(names)} volume(s)"):
        for name in names:
            with contextlib.suppress(docker.errors.NotFound):
                _api().volumes.get(name).remove(force=True)
                removed.append(name)
    return removed


def local_image_tags() -> set[str]:
    """Every tag of every local image (``postgres:16-alpine``): one call to the engine."""
    with _engine_errors("list images"):
        return {str(tag) for image in _api().images.list() for tag in image.tags}


def pull_image(tag: str) -> None:
    """Pull ``tag`` from its registry; a registry that does not answer is an EngineError in the
    engine's words."""
    name, _, version = tag.rpartition(":")
    if not name or "/" in version:  # no tag, or the colon was a registry's port
        name, version = tag, "latest"
    with _engine_errors(f"pull {tag}", ["docker", "pull", tag]):
        _api().images.pull(name, tag=version)


def remove_images(tags: Sequence[str]) -> list[str]:
    """Remove these image tags (not forced: one a container still uses stays); one already gone is
    no error. The tags removed."""
    import docker

    removed = []
    with _engine_errors(f"remove {len(tags)} image(s)"):
        for tag in tags:
            with contextlib.suppress(docker.errors.ImageNotFound):
                _api().images.remove(tag)
                removed.append(tag)
    return removed
