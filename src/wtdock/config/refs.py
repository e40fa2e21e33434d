"""``{{ ... }}`` references in config values and templates, e.g. ``{{ services.api.url }}``.

Compose already owns ``${...}``, so wtdock's references use a syntax that Compose never reads.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

_REF = re.compile(r"\{\{\s*([A-Za-z0-9_.-]+)\s*\}\}")

SERVICE_FIELDS = ("url", "internal_url", "host", "internal_host", "host_port", "port", "path")
SHARED_FIELDS: Mapping[str, tuple[str, ...]] = {
    "postgres": ("url", "host", "port", "user", "password", "database"),
    "redis": ("url", "host", "port"),
    "events": ("url", "host", "port"),
}
TICKET_FIELDS = ("name", "slug", "database", "redis_db", "events_prefix")


def refs_in(text: str) -> list[str]:
    """The dotted names referenced in ``text``."""
    return _REF.findall(text)


def malformed(text: str) -> str | None:
    """A ``{{`` that does not open a valid reference (a typo would otherwise pass through as text)."""
    if text.count("{{") != len(refs_in(text)) or text.count("}}") != len(refs_in(text)):
        return f"{text!r} has a '{{{{' or '}}}}' that is not a reference like {{{{ services.api.url }}}}"
    return None


def substitute(text: str, resolve: Callable[[str], str]) -> str:
    """Replace every reference with ``resolve(name)``."""
    return _REF.sub(lambda m: resolve(m.group(1)), text)


def ref_problem(name: str, services: Mapping[str, bool]) -> str | None:
    """Why ``name`` is not a valid reference, or None. ``services`` maps name -> has a port."""
    parts = name.split(".")
    allowed = _allowed(parts, services)
    if isinstance(allowed, str):
        return allowed
    if len(parts) != 3 and parts[0] != "ticket" and parts[0] != "workspace":
        return f"{{{{ {name} }}}} should have the form services.NAME.FIELD or shared.NAME.FIELD"
    field = parts[-1]
    if field not in allowed:
        return f"{{{{ {name} }}}}: unknown field {field!r} (allowed: {', '.join(allowed)})"
    return None


def _allowed(parts: list[str], services: Mapping[str, bool]) -> tuple[str, ...] | str:  # noqa: PLR0911
    head = parts[0]
    if head == "ticket" and len(parts) == 2:
        return TICKET_FIELDS
    if head == "workspace" and len(parts) == 2:
        return ("name",)
    if head == "services" and len(parts) == 3:
        if parts[1] not in services:
            return f"{{{{ {'.'.join(parts)} }}}}: no service {parts[1]!r}"
        return SERVICE_FIELDS if services[parts[1]] else ("internal_host", "host", "path")
    if head == "shared" and len(parts) == 3:
        if parts[1] not in SHARED_FIELDS:
            return f"{{{{ {'.'.join(parts)} }}}}: no shared service {parts[1]!r} (postgres, redis, events)"
        return SHARED_FIELDS[parts[1]]
    return f"{{{{ {'.'.join(parts)} }}}}: unknown reference (services.*, shared.*, ticket.*, workspace.name)"
