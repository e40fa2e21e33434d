"""`wtdock schema`: the JSON Schema of wtdock.yaml, for editors."""

from __future__ import annotations

from typing import Annotated

import typer

from wtdock.cli.output import echo


def schema(
    path: Annotated[bool, typer.Option("--path", help="Print the installed schema file's path instead.")] = False,
) -> None:
    """Print the JSON Schema of wtdock.yaml (generated from the config model).

    Example: wtdock schema > .wtdock-schema.json, then put
    `# yaml-language-server: $schema=.wtdock-schema.json` at the top of wtdock.yaml
    """
    from wtdock.schemas import config_file

    file = config_file()
    echo(str(file) if path else file.read_text(encoding="utf-8").rstrip("\n"))
