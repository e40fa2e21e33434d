"""What every operation needs: the workspace, its registry, the host user, and a progress channel."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from wtdock.locks import locked, rw_locked
from wtdock.plan.model import HostUser
from wtdock.registry import Registry
from wtdock.templates import Templates, load_templates
from wtdock.workspace import Workspace


def _quiet(_: str) -> None:
    return None


@dataclass
class Context:
    ws: Workspace
    say: Callable[[str], None] = _quiet
    user: HostUser = field(default_factory=lambda: HostUser(os.getuid(), os.getgid()))

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
        if not state.is_dir():
            state.mkdir(mode=0o700, parents=True, exist_ok=True)
        ignore = state / ".gitignore"
        if not ignore.exists():
            # The state folder may sit inside a repo (a monorepo workspace): git must never see it.
            ignore.write_text("*\n", encoding="utf-8")
        return state
