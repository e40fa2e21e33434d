"""wtdock's exceptions: one small hierarchy, rendered once at the CLI edge.

Core code raises these and never exits the process. Each carries one line for the user, an optional
hint, and the exit code the CLI returns (documented in the README):

  2  bad input you can fix: ticket name, option, config file
  3  refused to protect work or running things (dirty worktree, tickets attached)
  4  a resource is not available (port taken, range exhausted, timeout)
  5  an outside tool failed (Docker engine, Compose, git)
"""

from __future__ import annotations

from collections.abc import Sequence


class WtdockError(Exception):
    """Base of every error wtdock reports to the user."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None, details: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.details = tuple(details)


class UserError(WtdockError):
    """The input was wrong; the message says what to change."""

    exit_code = 2


class ConfigError(UserError):
    """wtdock.yaml is missing, unreadable or invalid. The message names the file and the key."""


class TicketNameError(UserError):
    """A ticket name that cannot become a branch, a folder and a Compose project."""


class NotFoundError(UserError):
    """A ticket, service, repo or ref that does not exist."""


class RefusedError(WtdockError):
    """wtdock refused to do something that would lose work or break running things."""

    exit_code = 3


class UnavailableError(WtdockError):
    """A port, a range or a lock is not available, or something did not become ready in time."""

    exit_code = 4


class StateError(WtdockError):
    """wtdock's own state file is unreadable; never silently reset."""

    exit_code = 4


class ToolError(WtdockError):
    """An outside tool (engine, Compose, git) failed. Keeps the command and its stderr."""

    exit_code = 5

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        command: Sequence[str] = (),
        stderr: str = "",
        details: Sequence[str] = (),
    ) -> None:
        super().__init__(message, hint=hint, details=details)
        self.command = tuple(command)
        self.stderr = stderr


class EngineUnavailableError(ToolError):
    """The Docker engine does not answer."""


class EngineError(ToolError):
    """The engine or Compose answered with an error."""


class GitError(ToolError):
    """git failed."""
