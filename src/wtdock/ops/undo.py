"""An undo list: what one command made, unwound in reverse if it fails or is interrupted."""

from __future__ import annotations

from collections.abc import Callable

from wtdock.errors import WtdockError


class Undo:
    def __init__(self, say: Callable[[str], None]) -> None:
        self._say = say
        self._steps: list[tuple[str, Callable[[], None]]] = []

    def push(self, what: str, action: Callable[[], None]) -> None:
        self._steps.append((what, action))

    def run(self) -> None:
        """Undo everything in reverse. A step that fails is reported and the rest still run."""
        while self._steps:
            what, action = self._steps.pop()
            try:
                action()
                self._say(f"undone: {what}")
            except (WtdockError, OSError) as err:
                self._say(f"could not undo ({what}): {err}")

    def clear(self) -> None:
        """Keep what was made: the command succeeded (or got far enough to be resumed)."""
        self._steps.clear()
