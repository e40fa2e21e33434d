"""The JSON Schemas of every command's `--json` output, kept in this folder (one file per
command, `shared-status.json` for `shared status`), generated from the result types; and
`config.json`, the schema of ``wtdock.yaml`` (`wtdock schema`), generated from the config model.

    python -m wtdock.schemas          # check that the files match the result types
    python -m wtdock.schemas --write  # write them again after an intended change (review the diff)

A field cannot vanish silently: the unit suite fails when a file differs from what the types give,
and the integration suite checks every JSON output it reads against its file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

FOLDER = Path(__file__).parent


def file_of(command: str) -> Path:
    return FOLDER / f"{command.replace(' ', '-')}.json"


def config_file() -> Path:
    """The installed schema of ``wtdock.yaml`` (what `wtdock schema` prints, `--path` names)."""
    return file_of("config")


def load(command: str) -> dict[str, Any] | None:
    path = file_of(command)
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def validate(found: dict[str, Any]) -> None:
    """Check an envelope against its command's schema (or the error schema); needs jsonschema."""
    import jsonschema

    schema = load("error") if "error" in found else load(str(found["command"]))
    if schema is not None:
        jsonschema.validate(found, schema)
