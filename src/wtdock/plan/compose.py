"""Building blocks of a Compose model: placeholders, labels, ports, bind mounts, escaping."""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from wtdock.config.model import HealthcheckConfig
from wtdock.plan.model import LABEL_ROLE, LABEL_WORKSPACE

_PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")


def fill(template: Any, params: Mapping[str, object]) -> Any:
    """A deep copy of ``template`` with every ``{{ name }}`` replaced from ``params``."""
    if isinstance(template, dict):
        return {k: fill(v, params) for k, v in template.items()}
    if isinstance(template, list):
        return [fill(v, params) for v in template]
    if isinstance(template, str):
        return _PLACEHOLDER.sub(lambda m: str(params[m.group(1)]), template)
    return copy.copy(template)


def escape_dollars(model: Any) -> Any:
    """Compose interpolates ``$``; the model holds literal strings, so every ``$`` becomes ``$$``."""
    if isinstance(model, dict):
        return {k: escape_dollars(v) for k, v in model.items()}
    if isinstance(model, list):
        return [escape_dollars(v) for v in model]
    if isinstance(model, str):
        return model.replace("$", "$$")
    return model


def labels(workspace: str, role: str, **extra: str | None) -> dict[str, str]:
    """wtdock's labels; ``redis_db="1"`` becomes ``dev.wtdock.redis-db``. None leaves a label out."""
    found = {LABEL_WORKSPACE: workspace, LABEL_ROLE: role}
    found.update({f"dev.wtdock.{k.replace('_', '-')}": v for k, v in extra.items() if v is not None})
    return found


def holdings(ports: Mapping[str, int], redis_db: int | None, database: str | None) -> dict[str, str | None]:
    """What a ticket holds, as labels on each of its containers: the engine's own record of it, which
    outlives a lost or emptied state file, so that nothing a live ticket holds is given out again."""
    return {
        "ports": ",".join(f"{svc}={port}" for svc, port in sorted(ports.items())) or None,
        "redis_db": None if redis_db is None else str(redis_db),
        "database": database,
    }


def parse_ports_label(value: str) -> dict[str, int]:
    """``api=4001,front=3002`` back into a mapping; a malformed part is skipped."""
    found: dict[str, int] = {}
    for part in value.split(","):
        svc, _, port = part.partition("=")
        if svc and port.isdigit():
            found[svc] = int(port)
    return found


def published_port(bind: str, host_port: int, target: int) -> dict[str, object]:
    return {"target": target, "host_ip": bind, "published": str(host_port), "protocol": "tcp"}


def bind_mount(path: Path) -> dict[str, object]:
    """Long syntax, same path inside: a missing source fails instead of becoming an empty dir."""
    return {"type": "bind", "source": str(path), "target": str(path)}


def workspace_endpoint(alias: str | None, address: str | None) -> dict[str, object]:
    """A service's place on the workspace network: its static address (once the network's subnet is
    known) and its unique alias."""
    endpoint: dict[str, object] = {}
    if address:
        endpoint["ipv4_address"] = address
    if alias:
        endpoint["aliases"] = [alias]
    return endpoint


def healthcheck(config: HealthcheckConfig) -> dict[str, object]:
    test = ["CMD-SHELL", config.test] if isinstance(config.test, str) else list(config.test)
    return {
        "test": test,
        "interval": config.interval,
        "timeout": config.timeout,
        "retries": config.retries,
        "start_period": config.start_period,
        "start_interval": config.start_interval,
    }


def env_value(value: str | int | float | bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def display_host(bind: str) -> str:
    """The address to print in URLs: the bind address, or loopback when bound to every address."""
    return "127.0.0.1" if bind in ("0.0.0.0", "::", "") else bind  # noqa: S104 - compared, not bound
