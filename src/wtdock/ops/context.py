"""What every operation needs: the workspace, its registry, the host user, and a progress channel.

Progress comes in two kinds. ``say`` is a line of its own (a notice, a warning). ``step``,
``output``, ``status`` and ``done`` are about one service's long step (a build, a setup command,
the wait for healthy): a terminal shows them as one live line per service, rewritten as the step
goes; elsewhere ``step`` and ``output`` become plain lines through ``say`` and ``status`` (a
poll's worth of news) is dropped, so logs and tests read what they always read."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Protocol

from wtdock.files import private_dir, write_atomic
from wtdock.locks import locked, rw_locked
from wtdock.plan.model import HostUser
from wtdock.registry import Registry
from wtdock.templates import Templates, load_templates
from wtdock.workspace import Workspace


def _quiet(_: str) -> None:
    return None


class Live(Protocol):
    """A live display of per-service lines (the CLI's, on a terminal); ops never see more of it."""

    def step(self, service: str, text: str) -> None: ...
    def output(self, service: str, line: str) -> None: ...
    def status(self, service: str, text: str) -> None: ...
    def done(self, service: str, text: str) -> None: ...


@dataclass
class Context:
    ws: Workspace
    say: Callable[[str], None] = _quiet
    user: HostUser = field(default_factory=lambda: HostUser(os.getuid(), os.getgid()))
    live: Live | None = None  # None: per-service progress goes out as plain lines through ``say``

    def step(self, service: str, text: str) -> None:
        """A service's step begins or moves on (``building image ...``, ``setup: npm ci``)."""
        if self.live is not None:
            self.live.step(service, text)
        else:
            self.say(f"{service}: {text}")

    def output(self, service: str, line: str) -> None:
        """A line the step's command printed."""
        if self.live is not None:
            self.live.output(service, line)
        else:
            self.say(f"  {service} | {line}")

    def status(self, service: str, text: str) -> None:
        """Where a service stands while waiting (``starting: <healthcheck output>``): live only,
        as it comes from polling and would flood a log."""
        if self.live is not None:
            self.live.status(service, text)

    @property
    def on_status(self) -> Callable[[str, str], None] | None:
        """What to hand a wait that can report each service's state (engine.compose_up): nothing
        without a live display, so plain output polls the engine no more than before."""
        return self.status if self.live is not None else None

    def done(self, service: str, text: str) -> None:
        """A service's step ended: its line settles (live only; plain lines said it already)."""
        if self.live is not None:
            self.live.done(service, text)

    @cached_property
    def registry(self) -> Registry:
        return Registry(self.ws.registry_file, self.ws.lock_dir / "state.lock")

    @cached_property
    def templates(self) -> Templates:
        return load_templates()

    @contextlib.contextmanager
    def lock(self, name: str, timeout: float = 900.0) -> Iterator[None]:
        """A named workspace lock held across a long step (starting the shared project, a ticket)."""
        self.ensure_state_dir()
        with locked(self.ws.lock_dir / f"{name}.lock", timeout):
            yield

    @contextlib.contextmanager
    def using_shared(self, *, exclusive: bool = False) -> Iterator[None]:
        """Held shared by every ticket `up` from its shared check until its containers run, and
        exclusively by `shared down`: the shared project never goes away under a starting ticket."""
        self.ensure_state_dir()
        with rw_locked(self.ws.lock_dir / "shared-users.lock", exclusive=exclusive, timeout=900.0):
            yield

    def ensure_state_dir(self) -> Path:
        state = self.ws.state_dir
        private_dir(state)
        ignore = state / ".gitignore"
        if not ignore.exists():
            # The state folder may sit inside a repo (a monorepo workspace): git must never see it.
            write_atomic(ignore, "*\n")
        return state
