"""Test sessions: which process made a throwaway stack, test database or test container, so that
what a killed session left behind is found (its process is gone) and what a live one holds is never
touched."""

from __future__ import annotations

import os
import re
import secrets
import socket
from dataclasses import dataclass

_TAG = re.compile(r"^([0-9a-f]{8})\.([0-9]+)\.(\S+)$")


@dataclass(frozen=True)
class TestSession:
    """One pytest session (all its xdist workers) or one `wtdock test --isolated` run."""

    __test__ = False  # not a pytest test class, whatever its name

    id: str  # 8 hex digits: short enough for ticket, database and container names
    pid: int  # the process that tears it down: the pytest controller, or `wtdock test`
    host: str

    @classmethod
    def new(cls) -> TestSession:
        return cls(secrets.token_hex(4), os.getpid(), socket.gethostname())

    @property
    def tag(self) -> str:
        """The session as one label value: ``<id>.<pid>.<host>``."""
        return f"{self.id}.{self.pid}.{self.host}"

    @classmethod
    def parse(cls, tag: str) -> TestSession | None:
        match = _TAG.match(tag)
        return cls(match.group(1), int(match.group(2)), match.group(3)) if match else None

    def alive(self) -> bool:
        """Whether the process that owns the session still runs. A session of another host cannot
        be checked from here, so it counts as alive: its things are never removed by this one."""
        if self.host != socket.gethostname():
            return True
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True  # another user's process: it exists
        return True
