"""Ops' progress (``ctx.say`` and the per-service ``step/output/status/done``) as MCP progress
notifications: ops keep calling the Context they always call and never learn about MCP."""

from __future__ import annotations

import threading
from collections.abc import Callable

from wtdock.ops.context import Context
from wtdock.workspace import Workspace


class ToolProgress:
    """The Live display of one tool call: every line becomes one notification through ``send``
    (called in the op's worker thread), numbered so the client sees progress only go up. A
    service's health status is sent when it changes, as a terminal would redraw it."""

    def __init__(self, send: Callable[[int, str], None]) -> None:
        self._send = send
        self._count = 0
        self._status: dict[str, str] = {}
        self._lock = threading.Lock()  # prepare runs services side by side, each in its thread

    def say(self, text: str) -> None:
        with self._lock:
            self._count += 1
            self._send(self._count, text)

    def step(self, service: str, text: str) -> None:
        self.say(f"{service}: {text}")

    def output(self, service: str, line: str) -> None:
        self.say(f"  {service} | {line}")

    def status(self, service: str, text: str) -> None:
        with self._lock:
            if self._status.get(service) == text:
                return
            self._status[service] = text
        self.say(f"{service}: {text}")

    def done(self, service: str, text: str) -> None:
        self.say(f"{service}: {text}")


def tool_context(ws: Workspace, send: Callable[[int, str], None]) -> Context:
    """A Context for one tool call whose progress goes out through ``send``."""
    progress = ToolProgress(send)
    return Context(ws, say=progress.say, live=progress)
