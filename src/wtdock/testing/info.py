"""A ticket as a test sees it: URLs from the host and from containers, and connection settings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class TicketInfo:
    """A running ticket (or throwaway test stack), as `wtdock env` describes it."""

    name: str
    workspace: str
    project: str
    network: str  # the workspace network: containers on it reach every service by ``internal_urls``
    urls: Mapping[str, str]  # by service, from the host
    internal_urls: Mapping[str, str]  # by service, from containers on ``network``
    env: Mapping[str, str]  # what `wtdock env` prints: DATABASE_URL, REDIS_URL, API_URL, ...
    database: str | None  # its own database; None: it uses the base database
    redis_db: int | None
    events_prefix: str | None

    def url(self, service: str) -> str:
        """The host URL of ``service`` (the ticket's own instance, or the shared one)."""
        try:
            return self.urls[service]
        except KeyError:
            raise KeyError(f"ticket {self.name} has no URL for service {service!r} "
                           f"(it has: {', '.join(sorted(self.urls)) or 'none'})") from None

    def internal_url(self, service: str) -> str:
        try:
            return self.internal_urls[service]
        except KeyError:
            raise KeyError(f"ticket {self.name} has no internal URL for service {service!r}") from None
