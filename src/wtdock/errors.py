"""wtdock's exceptions: one small hierarchy, rendered once at the CLI edge.

Core code raises these and never exits the process. Each carries one line for the user, an optional
hint, a ``kind`` that programs read (`--json`), and the exit code the CLI returns. ``EXIT_CODES``
is the one table of those codes; the README's table is checked against it by a test.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Final

EXIT_CODES: Final = {
    0: "done",
    1: "`doctor` found a problem",
    2: "bad input: ticket name, option, config (the message names file, line and key)",
    3: "refused to protect work or running things (unsaved work in a worktree, another ticket's worktree, "
    "tickets on the shared network), or commands of a committed config not yet trusted (`wtdock trust`)",
    4: "not available: port taken, range or Redis numbers exhausted, a lock held too long, a timeout, the shared "
    "Postgres stopped; or one of wtdock's files is unreadable, hollow or garbled (the message names it): the "
    "state file (`wtdock repair`; also missing under living tickets), the Postgres password file, a lock file",
    5: "an outside tool failed: the Docker engine (also when it does not answer), Compose, git, or a service's "
    "setup or migrate command (the message names the service, the command and its exit code, its last lines "
    "follow)",
}


class WtdockError(Exception):
    """Base of every error wtdock reports to the user."""

    exit_code: ClassVar[int] = 1
    kind: ClassVar[str] = "error"

    def __init__(self, message: str, *, hint: str | None = None, details: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.details = tuple(details)


class UserError(WtdockError):
    """The input was wrong; the message says what to change."""

    exit_code = 2
    kind = "bad_input"


class ConfigError(UserError):
    """wtdock.yaml is missing, unreadable or invalid. The message names the file and the key."""

    kind = "bad_config"


class TicketNameError(UserError):
    """A ticket name that cannot become a branch, a folder and a Compose project."""

    kind = "bad_ticket_name"


class NotFoundError(UserError):
    """A ticket, service, repo or ref that does not exist."""

    kind = "not_found"


class MissingExtraError(UserError):
    """An optional part of wtdock was used without the extra that installs its library; the message
    names the ``pip install`` that fixes it."""

    kind = "missing_extra"


class RefusedError(WtdockError):
    """wtdock refused to do something that would lose work or break running things."""

    exit_code = 3
    kind = "refused"


class UnavailableError(WtdockError):
    """A port, a range or a lock is not available, or something did not become ready in time."""

    exit_code = 4
    kind = "unavailable"


class StateError(WtdockError):
    """wtdock's own state file is unreadable; never silently reset."""

    exit_code = 4
    kind = "bad_state"


class ToolError(WtdockError):
    """An outside tool (engine, Compose, git) failed. Keeps the facts: the command, its exit code
    (None when it never ran or answered over the API), its stdout and its stderr."""

    exit_code = 5
    kind = "tool_failed"

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        command: Sequence[str] = (),
        returncode: int | None = None,
        stdout: str = "",
        stderr: str = "",
        details: Sequence[str] = (),
    ) -> None:
        super().__init__(message, hint=hint, details=details)
        self.command = tuple(command)
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr


class EngineUnavailableError(ToolError):
    """The Docker engine does not answer."""

    kind = "engine_unavailable"


class EngineError(ToolError):
    """The engine or Compose answered with an error."""

    kind = "engine_failed"


class GitError(ToolError):
    """git failed."""

    kind = "git_failed"


class SetupError(ToolError):
    """A service's setup or migration command failed in its container: the command, its exit code
    and its last lines."""

    kind = "setup_failed"


class UntrustedError(RefusedError):
    """The commands of a config committed in a repo have not been trusted on this machine."""

    kind = "untrusted"
@dataclass(frozen=True)
class ServiceFailure:
    """How one service of a started project failed, in the engine's words: its state, its exit code
    (None while it runs), its health status, its healthcheck's last output and its last log lines."""

    service: str
    state: str
    exit_code: int | None
    health: str | None
    last_output: str | None
    logs: tuple[str, ...] = ()

    @property
    def summary(self) -> str:
        """``api exited with code 1``, ``api is unhealthy``, ``api is still starting (health: starting)``."""
        if self.state != "running":
            return f"{self.service} exited with code {self.exit_code}" if self.state == "exited" else (
                f"{self.service} is {self.state} (exit code {self.exit_code})"
            )
        if self.health == "unhealthy":
            return f"{self.service} is unhealthy"
        return f"{self.service} did not become healthy in time (health: {self.health})"

    def lines(self) -> list[str]:
        """Detail lines: the healthcheck's last output, then the last log lines."""
        found = []
        output = [line for line in (self.last_output or "").splitlines() if line.strip()]
        if output:
            found.append(f"{self.service}: healthcheck said: {output[-1].strip()}")
            found.extend(f"  | {line}" for line in output[-6:-1])
        if self.logs:
            found.append(f"{self.service}: last {len(self.logs)} log line(s):")
            found.extend(f"  | {line}" for line in self.logs)
        elif self.state != "running" or self.health:
            found.append(f"{self.service}: wrote no log lines")
        return found


class ServiceFailedError(EngineError):
    """A started project's service exited or did not become healthy. ``failure`` names the first
    such service (exited before unhealthy before starting) with its facts; ``also`` the others."""

    kind = "service_unhealthy"

    def __init__(
        self, message: str, *, failure: ServiceFailure | None = None, also: Sequence[ServiceFailure] = (),
        **facts: Any,
    ) -> None:
        super().__init__(message, **facts)
        self.failure = failure
        self.also = tuple(also)


class BuildFailedError(EngineError):
    """An image build failed: ``service`` names it, ``logs`` holds the build output's last lines
    (they show the failing step)."""

    kind = "build_failed"

    def __init__(self, message: str, *, service: str, logs: Sequence[str] = (), **facts: Any) -> None:
        super().__init__(message, **facts)
        self.service = service
        self.logs = tuple(logs)
