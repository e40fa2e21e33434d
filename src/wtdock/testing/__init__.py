"""What tests use to reach a ticket's stack: the pytest plugin's objects and helpers."""

from wtdock.testing.info import TicketInfo

__all__ = ["TicketInfo"]
