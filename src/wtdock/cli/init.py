"""`wtdock init`: a first wtdock.yaml from the repos of a folder."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from wtdock.cli.output import echo, table

if TYPE_CHECKING:
    from wtdock.ops.init import InitResult


def init(
    folder: Annotated[Path, typer.Argument(help="The folder holding the repos, or a repo.", metavar="DIR")] = Path(),
) -> None:
    """Write a commented wtdock.yaml for the git repos of DIR (or the repo DIR is in), guessing
    their services from their files. Never overwrites one.

    Example: cd ~/shop && wtdock init
    """
    from wtdock.ops.init import init as run_init

    render(run_init(folder))


def render(result: InitResult) -> None:
    from wtdock.ops.detect import LOOKED_FOR

    found = result.detection
    kind = "a monorepo" if found.monorepo else f"{len(found.repos)} repo(s)"
    echo(f"found {kind} in {found.folder}: {', '.join(r.key for r in found.repos)}")
    rows = [[s.name, s.folder, s.guess.stack,
             f"port {s.guess.port}", f"host {result.host_ports[s.name]}", f"from {s.guess.source}"]
            for s in found.services]
    if rows:
        table(rows, indent="  ")
    else:
        echo("no services recognised; looked in each repo and its subfolders for:")
        for what in LOOKED_FOR:
            echo(f"  - {what}")
    schema = f" and {result.schema_file.name} (the schema, for editors)" if result.schema_file else ""
    echo(f"wrote {result.config_file}{schema}")
    echo("next: check its TODO lines, then `wtdock doctor` and `wtdock up TICKET`")
