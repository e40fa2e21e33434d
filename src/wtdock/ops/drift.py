"""Why a project is (re)started: the containers' config-hash labels say what runs, the fingerprints
recorded at the last start say what changed since, by service and field."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from wtdock import engine
from wtdock.plan import fingerprint


@dataclass(frozen=True)
class StartReason:
    """Why a project is (re)started: what is new, what changed (by service and field), what is down."""

    kind: Literal["first start", "containers are gone", "changed", "not running"]
    changes: tuple[str, ...] = ()
    down: tuple[str, ...] = ()

    def __str__(self) -> str:
        if self.kind in ("first start", "containers are gone"):
            return self.kind
        said = [*self.changes]
        if self.down:
            said.append(f"not running or not healthy: {', '.join(self.down)}")
        return "; ".join(said)

    @property
    def outcome(self) -> str:
        """What starting for this reason did, in the words `up` prints."""
        if self.kind in ("first start", "containers are gone"):
            return "started"
        return "updated" if self.kind == "changed" else "resumed"


def start_reason(
    running: Sequence[engine.ContainerInfo],
    services: Mapping[str, Mapping[str, Any]],
    recorded: Mapping[str, Mapping[str, str]],
) -> StartReason | None:
    """Why a project must be (re)started, or None when every service runs healthy with the config
    it is planned with. Each container's config-hash label says what it runs; the fingerprints
    recorded at the last start say what changed since."""
    by_service = {c.service: c for c in running}
    if not by_service:
        return StartReason("containers are gone" if recorded else "first start")
    changed: list[str] = []
    for name, service in services.items():
        found = by_service.get(name)
        if found is None:
            if name not in recorded:
                changed.append(f"{name}: new service")
            continue
        if found.labels.get(fingerprint.LABEL_CONFIG_HASH) != fingerprint.config_hash(service):
            # With no record (state from an older wtdock, or lost) every field would look new.
            now = fingerprint.fingerprint(service)
            said = fingerprint.changes(name, recorded[name], now) if name in recorded else []
            changed.extend(said or [f"{name}: not running its current config"])
    changed.extend(f"{name}: no longer in the config" for name in sorted(set(by_service) - set(services)))
    new = {c.split(":")[0] for c in changed if c.endswith(": new service")}
    down = tuple(sorted(n for n in services if n not in new and not (n in by_service and by_service[n].up)))
    if not changed and not down:
        return None
    return StartReason("changed" if changed else "not running", tuple(changed), down)


def fingerprints(services: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, str]]:
    """What to record once a project is started with ``services``."""
    return {name: fingerprint.fingerprint(service) for name, service in services.items()}
