"""Ticket names: what a user may type, and the slug that names projects, folders and aliases."""

from __future__ import annotations

import re

from wtdock.errors import TicketNameError

MAX_TICKET_LENGTH = 40
_ALLOWED = re.compile(r"^[A-Za-z0-9._/-]+$")
_RESERVED_SLUGS = ("shared",)
_HINT = "use letters, digits, '.', '_', '-' and '/', e.g. feat-02 or feat/dashboard-filters"


def ticket_slug(name: str) -> str:
    """Validate a ticket name and map it to a slug usable as a Compose project suffix.

    Branch-like names are allowed: ``feat/Dashboard_Filters`` becomes ``feat-dashboard-filters``.
    The slug is also a DNS label part (``<slug>-<service>``) and part of a database name, so it is
    kept short and to ``[a-z0-9-]``.
    """
    _check(name)
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    if not slug:
        raise TicketNameError(f"ticket name {name!r} has no letters or digits", hint=_HINT)
    if slug in _RESERVED_SLUGS or slug.startswith(tuple(f"{r}-" for r in _RESERVED_SLUGS)):
        raise TicketNameError(
            f"ticket name {name!r} is reserved: 'shared' names the shared-services project",
            hint="pick another name",
        )
    return slug


def _check(name: str) -> None:
    problem = _problem(name)
    if problem:
        raise TicketNameError(f"invalid ticket name {name!r}: {problem}", hint=_HINT)


def _problem(name: str) -> str | None:  # noqa: PLR0911 - one rule per line reads best
    if not name:
        return "it is empty"
    if len(name) > MAX_TICKET_LENGTH:
        return f"it is longer than {MAX_TICKET_LENGTH} characters"
    if any(ch.isspace() or not ch.isprintable() for ch in name):
        return "it contains whitespace or control characters"
    if name.startswith("-"):
        return "it starts with '-'"
    if ".." in name:
        return "it contains '..'"
    if "\\" in name:
        return "it contains a backslash"
    if name.startswith("/") or name.endswith("/") or "//" in name:
        return "it has a path separator at the start or end, or doubled"
    if not _ALLOWED.match(name):
        return "it contains characters other than letters, digits, '.', '_', '-' and '/'"
    if any(part.startswith(".") or part.endswith((".", ".lock")) for part in name.split("/")):
        return "a part starts or ends with '.' or ends with '.lock' (not a valid git branch)"
    return None
