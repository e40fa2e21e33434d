"""Every command's --json has a schema in src/wtdock/schemas/, generated from its result types:
a field cannot go, come or change type without the files changing with it."""

from __future__ import annotations

import json

import jsonschema
import pytest

from wtdock.cli.output import envelope, error_fields
from wtdock.errors import RefusedError, ToolError
from wtdock.schemas import load, validate
from wtdock.schemas.generate import payloads, schema


@pytest.mark.parametrize("command", sorted(payloads()))
def test_the_committed_schema_is_what_the_result_types_give(command: str) -> None:
    committed = load(command)
    assert committed is not None, f"no schema for {command}: python -m wtdock.schemas.generate --write"
    assert committed == json.loads(json.dumps(schema(command))), (
        f"{command}: the result types changed; review, then python -m wtdock.schemas.generate --write"
    )


def test_an_error_envelope_validates_and_a_stray_field_does_not() -> None:
    plain = {"wtdock": 1, "command": "down", "error": error_fields(RefusedError("no", hint="h"))}
    validate(plain)
    tool = {"wtdock": 1, "command": "up", "error": error_fields(ToolError("x", command=["git"], returncode=128))}
    validate(tool)
    with pytest.raises(jsonschema.ValidationError):
        validate({**plain, "surprise": True})


def test_a_result_missing_a_field_fails_its_schema() -> None:
    found = envelope("stop", {"ticket": "t1", "project": "shop-t1"})
    validate(found)
    with pytest.raises(jsonschema.ValidationError):
        validate(envelope("stop", {"ticket": "t1"}))
