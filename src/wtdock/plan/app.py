"""One app service of a project, from the ``app-service.yaml`` skeleton."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from posixpath import normpath
from typing import Any

from wtdock.config.model import Config
from wtdock.plan.compose import bind_mount, fill, healthcheck, published_port
from wtdock.plan.dependencies import CA_BUILD_ID, CA_MOUNT, ca_environment, dependency_target
from wtdock.plan.model import Checkout, HostUser


def app_service(
    config: Config,
    root: Path,
    name: str,
    skeleton: dict[str, Any],
    *,
    checkout: Checkout,
    user: HostUser,
    host_port: int | None,
    environment: dict[str, str],
    labels: dict[str, str],
    networks: dict[str, Any],
    extra_hosts: list[str],
    dependencies: dict[str, str] | None = None,
    ca_bundle: Path | None = None,
    checkouts: Mapping[str, Checkout] | None = None,
    images: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """``dependencies``: each dependency folder -> the Compose key of the volume mounted over it;
    ``ca_bundle``: the host's CA bundle, mounted read-only with the variables that point at it;
    ``checkouts``: every checkout of the project by repo (a build context inside one of them is
    built from it); ``images``: the tag of each built service (a hash of its build inputs)."""
    svc = config.services[name]
    working_dir = PurePosixPath(checkout.path) / svc.workdir
    service: dict[str, Any] = fill(
        skeleton, {"uid": user.uid, "gid": user.gid, "working_dir": str(working_dir)}
    )
    service.update(_image(config, root, name, checkouts or {checkout.repo: checkout}, images or {}))
    if svc.command is not None:
        service["command"] = svc.command
    trust = ca_environment() if ca_bundle is not None else {}
    # The app's own settings win over the CA variables (an app may pin its own bundle).
    service["environment"] = {**service.get("environment", {}), **trust, **environment}
    if svc.port is not None and host_port is not None:
        service["ports"] = [published_port(config.bind, host_port, svc.port)]
    service["volumes"] = _mounts(checkout)
    for folder, key in (dependencies or {}).items():
        target = dependency_target(config, name, PurePosixPath(checkout.path), folder)
        service["volumes"].append({"type": "volume", "source": key, "target": target})
    if ca_bundle is not None:
        service["volumes"].append({"type": "bind", "source": str(ca_bundle), "target": CA_MOUNT, "read_only": True})
        if "build" in service:
            # A Dockerfile reads it with `RUN --mount=type=secret,id=wtdock_ca,target=... npm ci`.
            service["build"]["secrets"] = [CA_BUILD_ID]
    if svc.healthcheck is not None:
        service["healthcheck"] = healthcheck(svc.healthcheck)
    service["labels"] = labels
    service["networks"] = networks
    if extra_hosts:
        service["extra_hosts"] = list(extra_hosts)
    return service


@dataclass(frozen=True)
class BuildSource:
    """Where a built service's image comes from: its context folder and its Dockerfile (relative to
    the context; None: ``Dockerfile``)."""

    context: Path
    dockerfile: str | None


def build_source(config: Config, root: Path, name: str, checkouts: Mapping[str, Checkout]) -> BuildSource | None:
    """The build context of a service (None for one run from an image). A context inside a repo's
    primary checkout is taken from the project's checkout of that repo instead (a ticket's worktree),
    so a branch that changes its Dockerfile or context gets its own image."""
    build = config.services[name].build
    if build is None:
        return None
    context, dockerfile = (build, None) if isinstance(build, str) else (build.context, build.dockerfile)
    # Absolute: Compose would resolve a relative context against the state folder.
    path = Path(normpath(root / context))
    for repo, checkout in checkouts.items():
        primary = Path(normpath(root / config.repos[repo].path))
        if path.is_relative_to(primary):
            return BuildSource(checkout.path / path.relative_to(primary), dockerfile)
    return BuildSource(path, dockerfile)


def default_tag(config: Config, name: str) -> str:
    """The tag of a built service before its inputs are hashed (a plan made without them)."""
    return f"wtdock/{config.name}-{name}:dev"


def _image(
    config: Config, root: Path, name: str, checkouts: Mapping[str, Checkout], images: Mapping[str, str]
) -> dict[str, Any]:
    source = build_source(config, root, name, checkouts)
    if source is None:
        return {"image": config.services[name].image}
    build: dict[str, Any] = {"context": str(source.context)}
    if source.dockerfile:
        build["dockerfile"] = source.dockerfile
    # The tag carries a hash of the build inputs: a changed Dockerfile or context is a new image
    # (and a new config hash, so `up` restarts the service and says why).
    return {"image": images.get(name) or default_tag(config, name), "build": build}


def _mounts(checkout: Checkout) -> list[dict[str, object]]:
    """The checkout, and the main repo's git dir at the same absolute path (a worktree's ``.git``
    file points there), unless it already lies inside the checkout."""
    mounts = [bind_mount(checkout.path)]
    if not checkout.git_dir.is_relative_to(checkout.path):
        mounts.append(bind_mount(checkout.git_dir))
    return mounts
