"""What a service was started with, and what changed since: drift is said, never silent.

Each service of a plan carries a hash of its own model as a label, so the engine itself says which
containers run the current config (also after a SIGKILL between `compose up` and the registry
write). A fingerprint of each field, recorded at the last start, names what changed. Environment
values are hashed (they hold passwords); images, ports and labels are kept as they are, to be shown.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

LABEL_CONFIG_HASH = "dev.wtdock.config-hash"
_SHOWN_LABELS = {"dev.wtdock.branch": "branch", "dev.wtdock.worktree": "worktree", "dev.wtdock.repo": "repo"}


def _digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _without_hash(service: Mapping[str, Any]) -> dict[str, Any]:
    labels = {k: v for k, v in service.get("labels", {}).items() if k != LABEL_CONFIG_HASH}
    return {**service, "labels": labels}


def config_hash(service: Mapping[str, Any]) -> str:
    """The hash of a service's model, its own hash label left out."""
    return _digest(_without_hash(service))


def with_config_hashes(compose: dict[str, Any]) -> dict[str, Any]:
    """``compose`` with every service labelled with the hash of its model."""
    services = {}
    for name, service in compose["services"].items():
        plain = _without_hash(service)
        services[name] = {**plain, "labels": {**plain["labels"], LABEL_CONFIG_HASH: _digest(plain)}}
    return {**compose, "services": services}


def fingerprint(service: Mapping[str, Any]) -> dict[str, str]:
    """One entry per field: shown fields as they are, the rest (and every environment value) hashed."""
    found: dict[str, str] = {}
    for key, value in _without_hash(service).items():
        if key == "image":
            found["image"] = str(value)
        elif key == "ports":
            found["ports"] = ",".join(_port(p) for p in value)
        elif key == "environment":
            found |= {f"environment.{k}": _digest(v) for k, v in value.items()}
        elif key == "labels":
            found |= {f"labels.{k}": str(v) for k, v in value.items()}
        else:
            found[key] = _digest(value)
    return found


def _port(entry: Any) -> str:
    if isinstance(entry, Mapping):
        return f"{entry.get('published')}:{entry.get('target')}"
    return str(entry)


def changes(service: str, before: Mapping[str, str], after: Mapping[str, str]) -> list[str]:
    """What differs between two fingerprints of ``service``, in words: ``api: image a -> b``."""
    said: list[str] = []
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        said.append(f"{service}: {_change(key, old, new)}")
    return said


def _change(key: str, old: str | None, new: str | None) -> str:
    if key == "image":
        return f"image {old} -> {new}" if old and new else f"image {new or 'removed'}"
    if key == "ports":
        return f"port {_published(old)} -> {_published(new)}"
    if key.startswith("environment."):
        name = key.removeprefix("environment.")
        return f"environment {name} " + ("added" if old is None else "removed" if new is None else "changed")
    if key.startswith("labels."):
        label = key.removeprefix("labels.")
        shown = _SHOWN_LABELS.get(label)
        if shown:
            return f"{shown} {old or '-'} -> {new or '-'}"
        return f"label {label} changed"
    return f"{key} " + ("added" if old is None else "removed" if new is None else "changed")


def _published(ports: str | None) -> str:
    if not ports:
        return "none"
    return ",".join(p.split(":")[0] for p in ports.split(","))
