"""`wtdock open`: a ticket's URL in the browser, or printed where there is none to open."""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from wtdock.cli.common import context
from wtdock.cli.output import echo
from wtdock.errors import NotFoundError


def open_(
    ctx: typer.Context,
    ticket: Annotated[str, typer.Argument(help="Ticket name.", metavar="TICKET")],
    service: Annotated[str | None, typer.Argument(help="Left out: the first service with a URL (the front-end).",
                                                  metavar="SERVICE")] = None,
) -> None:
    """Open a ticket's URL in the browser; print it where there is no browser (over SSH, in CI).

    \b
    Example:
      wtdock open feat-02
      wtdock open feat-02 api
    """
    from wtdock.ops.status import urls

    found = urls(context(ctx), ticket, service).urls
    chosen = next(((name, url) for name, url in found.items() if url), None)
    if chosen is None:
        raise NotFoundError(f"ticket {ticket} has no service with a URL")
    name, url = chosen
    if _open(url):
        echo(f"opened {name} of {ticket}: {url}")
    else:
        echo(url)


def _open(url: str) -> bool:
    """True when a browser took the URL. Without BROWSER or a display, Python's webbrowser would
    try text browsers in this very terminal (or fail slowly): the URL is printed instead."""
    import webbrowser

    graphical = sys.platform in ("darwin", "win32") or os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    if not (os.environ.get("BROWSER") or graphical):
        return False
    try:
        return webbrowser.open(url)
    except webbrowser.Error:
        return False
