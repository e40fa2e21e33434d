"""`wtdock demo`: a throwaway workspace with two tickets running, and what to try next."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, cast, get_args

import typer

from wtdock.cli.output import echo, progress, table

if TYPE_CHECKING:
    from wtdock.ops.demo import DemoResult


def demo(
    directory: Annotated[
        Path | None, typer.Argument(metavar="DIR", help="Where to make it; default ~/.local/share/wtdock/demo.")
    ] = None,
    down: Annotated[bool, typer.Option("--down", help="Remove it all: tickets, shared data, network, folder.")] = False,
    port_base: Annotated[
        int, typer.Option("--port-base", help="Shared API on N, front-ends N+1-, APIs N+1001-.", metavar="N")
    ] = 3000,
    images: Annotated[str, typer.Option("--images", help="auto, official or standin.", metavar="KIND")] = "auto",
    name: Annotated[
        str | None, typer.Option("--name", help="The workspace's name (default wtdock-demo).", metavar="NAME")
    ] = None,
) -> None:
    """Run the demo: two repos, the shared Postgres, Redis and NATS, and two tickets.

    Example: `wtdock demo`, then `wtdock demo --down`.
    """
    from wtdock.demo.config import ImageChoice
    from wtdock.ops.demo import default_dir, demo_down, demo_up

    root = directory or default_dir()
    if down:
        gone = demo_down(root, say=progress)
        echo(f"demo in {gone.root}: " + ("removed" if gone.removed else "nothing to remove"))
        for line in gone.removed:
            echo(f"  removed {line}")
        return
    if images not in get_args(ImageChoice):
        raise typer.BadParameter(f"expected auto, official or standin, got {images!r}", param_hint="--images")
    result = demo_up(root, name=name, port_base=port_base, images=cast("ImageChoice", images), say=progress)
    _show(result, explicit=directory is not None)


def _show(result: DemoResult, *, explicit: bool) -> None:
    how = "resumed" if result.resumed else "made"
    echo(f"demo workspace {result.workspace} {how} in {result.root} ({result.images} images)")
    for notice in result.notices:
        echo(f"note: {notice}")
    for up in result.tickets:
        echo(f"{up.ticket.name}: {up.action} (project {up.ticket.project})")
        table([[s.service, s.url or "-", f"[{s.branch}]" if s.dedicated else "shared"] for s in up.ticket.services],
              indent="  ")
    where = f" {result.root}" if explicit else ""
    front = next((s.url for s in result.tickets[-1].ticket.services if s.service == "front" and s.url), None)
    echo("")
    echo("try:")
    table([
        *([[f"curl {front}/api", "# feat-02's front-end asks its own API"]] if front else []),
        [f"cd {result.root}", ""],
        ["wtdock ps", "# both tickets, their URLs and branches"],
        ["wtdock env feat-02", "# its database, Redis number and event prefix"],
        ["wtdock down feat-02", "# remove one ticket (its branches stay)"],
        [f"wtdock demo{where} --down", "# remove all of it"],
    ], indent="  ")
