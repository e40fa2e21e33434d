"""Each command's `--json` schema, generated from the result types it emits, and the schema of
``wtdock.yaml`` (``config.json``), generated from the config model.

Every property of every result object is required and no other property is allowed: a field that
goes, comes or changes type fails the schema check until the files are written again on purpose.
"""

from __future__ import annotations

import json
import sys
from typing import Any, Literal

from pydantic import ConfigDict, TypeAdapter, create_model

from wtdock.schemas import file_of, load


def payloads() -> dict[str, dict[str, Any]]:
    """Command -> its payload fields and their types (the envelope adds ``wtdock`` and ``command``).
    ``logs``, ``exec`` and ``test`` are `wtdock mcp`'s tools' (the CLI's hand over the terminal)."""
    from wtdock.ops.attach import CommandOutput, LogsResult
    from wtdock.ops.databases import DatabaseView, Snapshot
    from wtdock.ops.doctor import Check
    from wtdock.ops.down import DownResult, StopResult
    from wtdock.ops.gc import GcResult
    from wtdock.ops.repair import RepairResult
    from wtdock.ops.rescue import Rescue, RescueDetail, Restored
    from wtdock.ops.setup import SetupResult
    from wtdock.ops.shared import SharedDownResult, SharedStatus
    from wtdock.ops.status import Urls
    from wtdock.ops.up import UpResult
    from wtdock.ops.views import TicketView
    from wtdock.ops.wait import WaitResult

    return {
        "up": _fields_of(UpResult),
        "stop": _fields_of(StopResult),
        "down": _fields_of(DownResult),
        "ps": {"tickets": list[TicketView]},
        "url": _fields_of(Urls),
        "env": {"ticket": TicketView, "env": dict[str, str]},
        "wait": _fields_of(WaitResult),
        "logs": _fields_of(LogsResult),
        "exec": _fields_of(CommandOutput),
        "test": _fields_of(CommandOutput),
        "doctor": {"ok": bool, "checks": list[Check]},
        "gc": _fields_of(GcResult),
        "render": {"project": str, "preview": bool, "compose": dict[str, Any]},
        "shared up": _fields_of(SharedStatus),
        "shared status": _fields_of(SharedStatus),
        "shared env": {"env": dict[str, str]},
        "shared down": _fields_of(SharedDownResult),
        "db list": {"databases": list[DatabaseView]},
        "db snapshot": _fields_of(Snapshot),
        "db reset": {"ticket": str, "database": str},
        "db drop": {"database": str, "dump": str},
        "repair": _fields_of(RepairResult),
        "setup": _fields_of(SetupResult),
        "rescue list": {"rescues": list[Rescue]},
        "rescue show": _fields_of(RescueDetail),
        "rescue restore": _fields_of(Restored),
        "rescue drop": {"rescue": Rescue},
        "error": {},  # written by hand below: its last fields come only with a tool's or a service's failure
    }


_ERROR = {
    "type": "object",
    "properties": {
        "code": {"type": "integer"},
        "kind": {"type": "string"},
        "message": {"type": "string"},
        "hint": {"anyOf": [{"type": "string"}, {"type": "null"}]},
        "details": {"type": "array", "items": {"type": "string"}},
        "command": {"type": "array", "items": {"type": "string"}},
        "returncode": {"anyOf": [{"type": "integer"}, {"type": "null"}]},
        "stderr": {"type": "string"},
        # A service that exited or stayed unhealthy (kind service_unhealthy or start_timeout):
        "service": {"type": "string"},
        "exit_code": {"anyOf": [{"type": "integer"}, {"type": "null"}]},
        "health": {"anyOf": [{"type": "string"}, {"type": "null"}]},
        "last_output": {"anyOf": [{"type": "string"}, {"type": "null"}]},
        "logs": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["code", "kind", "message", "hint", "details"],
    "additionalProperties": False,
}


def _fields_of(kind: type) -> dict[str, Any]:
    import dataclasses
    import typing

    hints = typing.get_type_hints(kind)
    return {f.name: hints[f.name] for f in dataclasses.fields(kind) if f.repr}


def schema(command: str) -> dict[str, Any]:
    if command == "error":
        return {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object",
            "properties": {"wtdock": {"const": 1}, "command": {"type": "string"}, "error": _ERROR},
            "required": ["command", "error", "wtdock"],
            "additionalProperties": False,
        }
    fields = payloads()[command]
    model = create_model(  # type: ignore[call-overload]
        "".join(w.title() for w in command.split()) + "Output",
        __config__=ConfigDict(extra="forbid", arbitrary_types_allowed=True),
        wtdock=(Literal[1], ...),
        command=(Literal[command], ...),
        **{name: (kind, ...) for name, kind in fields.items()},
    )
    generated = TypeAdapter(model).json_schema(mode="serialization")
    strict: dict[str, Any] = _strict({"$schema": "https://json-schema.org/draft/2020-12/schema", **generated})
    return strict


def _strict(node: Any) -> Any:
    """Every object: all its properties required, no others allowed; titles left out (noise)."""
    if isinstance(node, dict):
        out = {k: _strict(v) for k, v in node.items() if k not in ("title", "default", "description")}
        if "properties" in out and out.get("type") == "object":
            out["required"] = sorted(out["properties"])
            out["additionalProperties"] = False
        return out
    if isinstance(node, list):
        return [_strict(v) for v in node]
    return node


CONFIG = "config"  # config.json: no command of that name, so no clash with a result schema


def config_schema() -> dict[str, Any]:
    """The JSON Schema of ``wtdock.yaml`` for editors: descriptions and defaults kept, titles left out."""
    from wtdock.config.model import Config

    generated: dict[str, Any] = _for_editors(Config.model_json_schema(mode="validation"))
    # The loader fills in the folder's name, and refuses an empty file.
    generated.pop("required", None)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **generated, "minProperties": 1}


def _for_editors(node: Any) -> Any:
    """Titles left out (pydantic's are the key again); a dict of models keyed by a pattern refuses
    other keys, as the model does."""
    if isinstance(node, dict):
        out = {k: _for_editors(v) for k, v in node.items() if k != "title"}
        if "patternProperties" in out and "additionalProperties" not in out:
            out["additionalProperties"] = False
        return out
    if isinstance(node, list):
        return [_for_editors(v) for v in node]
    return node


def texts() -> dict[str, str]:
    """Every schema file's name (a command, or ``config``) -> the text it should hold."""
    found = {command: schema(command) for command in payloads()}
    found[CONFIG] = config_schema()
    return {name: json.dumps(value, indent=2, sort_keys=True) + "\n" for name, value in found.items()}


def main(argv: list[str]) -> int:
    write = "--write" in argv
    stale = []
    for command, text in texts().items():
        if write:
            file_of(command).write_text(text, encoding="utf-8")
        elif load(command) != json.loads(text):
            stale.append(command)
    if stale:
        print(f"schemas out of date: {', '.join(stale)} (python -m wtdock.schemas.generate --write)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
