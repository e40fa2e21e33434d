"""`wtdock schema`: the JSON Schema of wtdock.yaml, generated from the config model, agrees with the
loader on the configs people write (the reference, the example, the README's) and on bad ones."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from ruamel.yaml import YAML
from typer.testing import CliRunner

from tests.reference import reference_config
from wtdock.cli.app import app
from wtdock.config import load_config
from wtdock.errors import ConfigError
from wtdock.schemas import config_file
from wtdock.schemas.generate import config_schema

ROOT = Path(__file__).parents[2]
SCHEMA = json.loads(config_file().read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


def _yaml(text: str) -> Any:
    return YAML(typ="safe").load(text)


def _readme_configs() -> list[str]:
    """Every YAML block of the README that is a whole config (it names repos and services)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"^```yaml\n(.*?)^```", text, re.MULTILINE | re.DOTALL)
    return [b for b in blocks if re.search(r"^repos:", b, re.MULTILINE) and re.search(r"^services:", b, re.MULTILINE)]


def test_the_committed_schema_is_what_the_model_gives() -> None:
    assert json.loads(json.dumps(config_schema())) == SCHEMA, (
        "the config model changed; review, then python -m wtdock.schemas.generate --write"
    )


def test_the_schema_is_a_valid_json_schema_with_descriptions_for_editors() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    service = SCHEMA["$defs"]["ServiceConfig"]
    assert service["additionalProperties"] is False
    assert service["properties"]["port"]["description"] == "the port the app listens on in its container"
    assert SCHEMA["$defs"]["RepoConfig"]["additionalProperties"] is False
    assert SCHEMA["properties"]["services"]["additionalProperties"] is False  # a key outside the pattern


@pytest.mark.parametrize("config", [reference_config(), reference_config("shop", 7000)], ids=["reference", "moved"])
def test_the_reference_config_validates(config: dict[str, Any]) -> None:
    VALIDATOR.validate(config)


def test_the_example_config_validates() -> None:
    VALIDATOR.validate(_yaml((ROOT / "examples/vite-node/wtdock.yaml").read_text(encoding="utf-8")))


def test_the_readme_configs_validate() -> None:
    configs = _readme_configs()
    assert configs, "the README shows no whole config any more"
    for text in configs:
        VALIDATOR.validate(_yaml(text))


BASE = """\
name: shop
repos:
  api: {path: api}
services:
  api:
    repo: api
    image: img
"""

# (what, YAML appended to a service or replacing the file, whether the loader accepts it)
SAMPLES: list[tuple[str, str, bool]] = [
    ("plain", BASE, True),
    ("no name: the folder's", BASE.replace("name: shop\n", ""), True),
    ("command as a string", BASE + "    command: npm run dev\n", True),
    ("command as a list", BASE + "    command: [npm, run, dev]\n", True),
    ("setup of strings and lists", BASE + "    setup: [npm ci, [npx, knex, migrate:latest]]\n", True),
    ("healthcheck test as a string", BASE + "    healthcheck: {test: curl -f localhost}\n", True),
    ("a range", BASE + "    port: 8000\n    host_ports: 4001-4099\n", True),
    ("a range of one port", BASE + "    port: 8000\n    host_ports: 4001\n", True),
    ("build as a string", BASE.replace("image: img", "build: ./api"), True),
    ("build as a mapping", BASE.replace("image: img", "build: {context: api, dockerfile: Dockerfile.dev}"), True),
    ("environment of scalars", BASE + "    environment: {A: x, B: 1, C: true, D: 1.5}\n", True),
    ("env_names drop", BASE + "    env_names: {PGPASSWORD: null}\n", True),
    ("uses", BASE + "    uses: [postgres, redis, events]\n", True),
    ("shared instance", BASE + "    port: 8000\n    host_ports: 4001-4099\n    shared: {host_port: 3000}\n", True),
    ("shared servers", BASE + "shared:\n  redis: {enabled: false}\n  events: {engine: redpanda}\n", True),
    ("images", BASE + "images: {postgres: mirror/postgres:16}\n", True),
    ("an unknown top-level key", BASE + "surprise: 1\n", False),
    ("an unknown service key", BASE + "    ports: [8000]\n", False),
    ("an unknown repo key", BASE.replace("{path: api}", "{path: api, url: x}"), False),
    ("a port of the wrong type", BASE + "    port: [8000]\n", False),
    ("a port out of range", BASE + "    port: 70000\n    host_ports: 4001-4099\n", False),
    ("a range that is no range", BASE + "    port: 8000\n    host_ports: abc\n", False),
    ("port without host_ports", BASE + "    port: 8000\n", False),
    ("host_ports without port", BASE + "    host_ports: 4001-4099\n", False),
    ("both image and build", BASE + "    build: ./api\n", False),
    ("neither image nor build", BASE.replace("    image: img\n", ""), False),
    ("a repo without path", BASE.replace("{path: api}", "{base: main}"), False),
    ("an unknown shared service in uses", BASE + "    uses: [mysql]\n", False),
    ("a service named like a shared one", BASE.replace("  api:\n    repo", "  postgres:\n    repo"), False),
    ("a service name with capitals", BASE.replace("  api:\n    repo", "  Api:\n    repo"), False),
    ("an unknown events engine", BASE + "shared:\n  events: {engine: kafka}\n", False),
    ("a bad workspace name", BASE.replace("name: shop", "name: Shop!"), False),
    ("an empty file", "{}\n", False),
    ("a list at the top", "- a\n", False),
]


@pytest.mark.parametrize(("text", "accepted"), [(t, a) for _, t, a in SAMPLES], ids=[w for w, _, _ in SAMPLES])
def test_the_schema_and_the_loader_agree(write_config: Callable[[str], Path], text: str, accepted: bool) -> None:
    try:
        load_config(write_config(text))
        loaded = True
    except ConfigError:
        loaded = False
    assert loaded is accepted
    assert VALIDATOR.is_valid(_yaml(text)) is accepted, list(VALIDATOR.iter_errors(_yaml(text)))


def test_an_unknown_key_is_named_by_the_validator() -> None:
    errors = list(VALIDATOR.iter_errors(_yaml(BASE + "    ports: [8000]\n")))
    assert any("ports" in e.message and list(e.path) == ["services", "api"] for e in errors), errors


def test_wtdock_schema_prints_the_installed_file_and_its_path() -> None:
    printed = CliRunner().invoke(app, ["schema"])
    assert printed.exit_code == 0
    assert json.loads(printed.stdout) == SCHEMA
    path = CliRunner().invoke(app, ["schema", "--path"])
    assert path.exit_code == 0
    assert Path(path.stdout.strip()) == config_file()
    assert config_file().is_file()
