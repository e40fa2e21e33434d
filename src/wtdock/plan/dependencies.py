"""Dependency folders (node_modules, .venv) in volumes of their own, and what setup runs with."""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Any

from wtdock.config.model import Config, dependency_key

# Where setup runs see the workspace's cache volume, and the variables that send each installer's
# cache there: a second ticket's install reads what the first one downloaded.
CACHE_MOUNT = "/wtdock/cache"
CACHE_ENV = {
    "npm_config_cache": f"{CACHE_MOUNT}/npm",
    "YARN_CACHE_FOLDER": f"{CACHE_MOUNT}/yarn",
    "BUN_INSTALL_CACHE_DIR": f"{CACHE_MOUNT}/bun",
    "PIP_CACHE_DIR": f"{CACHE_MOUNT}/pip",
    "UV_CACHE_DIR": f"{CACHE_MOUNT}/uv",
    "GOMODCACHE": f"{CACHE_MOUNT}/go/mod",
    "GOCACHE": f"{CACHE_MOUNT}/go/build",
}
# Inside every app container and setup run; the host's bundle, read-only.
CA_MOUNT = "/etc/wtdock/ca-certificates.crt"
CA_BUILD_ID = "wtdock_ca"  # the same bundle, as a build secret for images built from a context
CA_ENV = (
    "SSL_CERT_FILE", "NODE_EXTRA_CA_CERTS", "REQUESTS_CA_BUNDLE", "PIP_CERT", "npm_config_cafile",
    "CURL_CA_BUNDLE", "GIT_SSL_CAINFO", "UV_NATIVE_TLS",
)


def cache_volume(workspace: str) -> str:
    return f"{workspace}-cache"


def dependency_volumes(config: Config, owner: str, service: str) -> dict[str, str]:
    """Each dependency folder of ``service`` -> the name of the volume that holds it for ``owner``
    (a ticket's slug, or ``shared`` for the shared instance)."""
    return {
        folder: f"{config.name}-{owner}-{service}-{dependency_key(folder)}"
        for folder in config.services[service].dependencies
    }


def dependency_target(config: Config, service: str, checkout: PurePosixPath, folder: str) -> str:
    """Where a dependency folder is mounted: inside the checkout, under the service's workdir."""
    return str(checkout / config.services[service].workdir / folder)


def ca_environment() -> dict[str, str]:
    # uv reads the system store only when told to; the rest take the file.
    return {name: ("true" if name == "UV_NATIVE_TLS" else CA_MOUNT) for name in CA_ENV}


def one_off(compose: dict[str, Any]) -> dict[str, Any]:
    """The project as setup and migration runs see it: on the same networks but without the
    service's fixed address (the running container holds it) and aliases (a one-off container
    must not answer for the service)."""
    services = {}
    for name, full in compose["services"].items():
        service = {k: v for k, v in full.items() if k not in ("ports", "healthcheck")}
        service["networks"] = {network: {} for network in full.get("networks", {})}
        services[name] = service
    return {**compose, "services": services}


def ca_secrets(compose: dict[str, Any], ca_bundle: Path | None) -> dict[str, Any]:
    """The top-level ``secrets`` the builds of ``compose`` read the host CA from, if any build does."""
    if ca_bundle is None or not any("build" in s for s in compose["services"].values()):
        return {}
    return {CA_BUILD_ID: {"file": str(ca_bundle)}}
