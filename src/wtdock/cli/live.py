"""Live progress on a terminal: one line per service, rewritten as its step goes (rich on stderr).

Only made when stderr is a terminal (cli/common.py); rich is imported on the first step, so a
command that reports no step (and `--help`) never pays for it."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console, RenderableType
    from rich.live import Live

ACTIVE, DONE, FAILED = "active", "done", "failed"


@dataclass
class _Line:
    state: str
    text: str
    detail: str = ""
    spinner: Any = None  # kept from line to line: a new spinner would show its first frame forever


class LiveLines:
    """What ops' ``ctx.step/output/status/done`` draw: a spinner, the service, its step, and (dim)
    the last line its command printed or the healthcheck's last output. ``say`` lines print above."""

    def __init__(self, colour: bool, console: Console | None = None) -> None:
        self._colour = colour
        self._lines: dict[str, _Line] = {}
        self._lock = threading.RLock()  # prepare runs services side by side, each in its thread
        self._live: Live | None = None
        self._console = console  # made on first use (rich's import is not free)

    def say(self, text: str) -> None:
        with self._lock:
            if self._lines and all(line.state != ACTIVE for line in self._lines.values()):
                # A phase ended (the shared services are up; now the ticket's): its lines stay as
                # they are and the next phase starts a display of its own.
                self.stop()
            self._console_now().print(f"wtdock: {text}", markup=False, highlight=False, soft_wrap=True)

    def step(self, service: str, text: str) -> None:
        self._set(service, ACTIVE, text, "")

    def output(self, service: str, line: str) -> None:
        with self._lock:
            found = self._lines.get(service)
            self._set(service, ACTIVE, found.text if found else "", line)

    def status(self, service: str, text: str) -> None:
        settled = text.startswith(("running (healthy)", "exited (0)")) or text == "running"
        failed = text.startswith("exited (") and not settled
        self._set(service, FAILED if failed else DONE if settled else ACTIVE, text, "")

    def done(self, service: str, text: str) -> None:
        self._set(service, DONE, text, "")

    def stop(self) -> None:
        """Leave the lines as they last were and give the terminal back (before a result prints)."""
        with self._lock:
            if self._live is not None:
                self._live.update(self._render(), refresh=True)
                self._live.stop()
                self._live = None
            self._lines.clear()

    def _set(self, service: str, state: str, text: str, detail: str) -> None:
        with self._lock:
            before = self._lines.get(service)
            self._lines[service] = _Line(state, text, detail, before.spinner if before else None)
            self._start().update(self._render())

    def _console_now(self) -> Console:
        if self._console is None:
            from rich.console import Console

            # NO_COLOR and TERM=dumb are honoured by rich itself; `colour` covers our own checks.
            self._console = Console(stderr=True, no_color=not self._colour, highlight=False)
        return self._console

    def _start(self) -> Live:
        if self._live is None:
            from rich.live import Live

            self._live = Live(console=self._console_now(), refresh_per_second=8, transient=False,
                              get_renderable=self._render)
            self._live.start()
        return self._live

    def _render(self) -> RenderableType:
        from rich.spinner import Spinner
        from rich.table import Table
        from rich.text import Text

        grid = Table.grid(padding=(0, 1))
        grid.add_column(width=1, no_wrap=True)
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column(no_wrap=True, overflow="ellipsis")
        width = max((len(s) for s in self._lines), default=0)
        for service, line in list(self._lines.items()):
            if line.state == ACTIVE:
                line.spinner = line.spinner or Spinner("dots", style="cyan")
            mark: Any = (line.spinner if line.state == ACTIVE
                         else Text("✗", style="red") if line.state == FAILED else Text("✓", style="green"))
            text = Text(line.text)
            if line.detail:
                text.append(f"  {line.detail}", style="dim")
            grid.add_row(mark, service.ljust(width), text)
        return grid
