"""An undo list: what one command made, unwound in reverse if it fails or is interrupted."""

from __future__ import annotations

from collections.abc import Callable

from wtdock.errors import WtdockError


class Undo:
    def __init__(self, say: Callable[[str], None]) -> None:
        self._say = say
        self._steps: list[tuple[str, Callable[[], None], bool]] = []

    def push(self, what: str, action: Callable[[], None], *, only_if_clean: bool = False) -> None:
        """``only_if_clean``: skip this step when a later-made thing could not be undone (the
        registry entry must then stay, so that `wtdock down` can finish the job)."""
        self._steps.append((what, action, only_if_clean))

    def run(self) -> None:
        """Undo everything in reverse. A step that fails is reported and the rest still run."""
        failed = False
        while self._steps:
            what, action, only_if_clean = self._steps.pop()
            if only_if_clean and failed:
                self._say(f"kept: {what}, for `wtdock down` to finish what could not be undone")
                continue
            try:
                action()
                self._say(f"undone: {what}")
            except (WtdockError, OSError) as err:
                failed = True
                self._say(f"could not undo ({what}): {err}")

    def clear(self) -> None:
        """Keep what was made: the command succeeded (or got far enough to be resumed)."""
        self._steps.clear()
