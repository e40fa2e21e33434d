"""One app service of a project, from the ``app-service.yaml`` skeleton."""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Any

from wtdock.config.model import Config
from wtdock.plan.compose import bind_mount, fill, healthcheck, published_port
from wtdock.plan.dependencies import CA_MOUNT, ca_environment, dependency_target
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
) -> dict[str, Any]:
    """``dependencies``: each dependency folder -> the Compose key of the volume mounted over it;
    ``ca_bundle``: the host's CA bundle, mounted read-only with the variables that point at it."""
    svc = config.services[name]
    working_dir = PurePosixPath(checkout.path) / svc.workdir
    service: dict[str, Any] = fill(
        skeleton, {"uid": user.uid, "gid": user.gid, "working_dir": str(working_dir)}
    )
    service.update(_image(config, root, name))
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
    if svc.healthcheck is not None:
        service["healthcheck"] = healthcheck(svc.healthcheck)
    service["labels"] = labels
    service["networks"] = networks
    if extra_hosts:
        service["extra_hosts"] = list(extra_hosts)
    return service


def _image(config: Config, root: Path, name: str) -> dict[str, Any]:
    svc = config.services[name]
    if svc.build is None:
        return {"image": svc.image}
    context, dockerfile = (svc.build, None) if isinstance(svc.build, str) else (
        svc.build.context, svc.build.dockerfile
    )
    # Absolute: Compose would resolve a relative context against the state folder.
    build: dict[str, Any] = {"context": str(root / context)}
    if dockerfile:
        build["dockerfile"] = dockerfile
    # One tag for the workspace: every ticket runs the image built once, not one build per ticket.
    return {"image": f"wtdock/{config.name}-{name}:dev", "build": build}


def _mounts(checkout: Checkout) -> list[dict[str, object]]:
    """The checkout, and the main repo's git dir at the same absolute path (a worktree's ``.git``
    file points there), unless it already lies inside the checkout."""
    mounts = [bind_mount(checkout.path)]
    if not checkout.git_dir.is_relative_to(checkout.path):
        mounts.append(bind_mount(checkout.git_dir))
    return mounts
