"""Find ``wtdock.yaml``, read it, and turn validation errors into one line naming file and key."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from wtdock import yamlio
from wtdock.config.model import Config, KeyedValueError
from wtdock.errors import ConfigError

CONFIG_NAME = "wtdock.yaml"
ENV_WORKSPACE = "WTDOCK_WORKSPACE"


def find_config(start: Path, explicit: str | None = None) -> Path:
    """The config file: ``--workspace`` / ``WTDOCK_WORKSPACE`` (a folder or a file), else walk up."""
    given = explicit or os.environ.get(ENV_WORKSPACE)
    if given:
        path = Path(given).expanduser().resolve()
        path = path / CONFIG_NAME if path.is_dir() else path
        if not path.is_file():
            raise ConfigError(f"{path}: no such file", hint="--workspace takes a folder holding wtdock.yaml")
        return path
    for folder in (start.resolve(), *start.resolve().parents):
        if (folder / CONFIG_NAME).is_file():
            return folder / CONFIG_NAME
    raise ConfigError(
        f"no {CONFIG_NAME} in {start} or any folder above it",
        hint="cd into a workspace, or pass --workspace / set WTDOCK_WORKSPACE",
    )


def load_config(path: Path) -> Config:
    """Read and validate a config file."""
    document = yamlio.load_file(path)
    if document is None or document == {}:
        # An empty file used to fall back to every default and start a second shared project on
        # the default ports: a file that says nothing is a mistake, not a workspace.
        raise ConfigError(
            f"{path}: the file is empty",
            hint="a workspace names at least its repos and services; see the config reference in README.md",
        )
    if not isinstance(document, dict):
        raise ConfigError(f"{path}: expected a mapping of keys at the top level")
    data: dict[str, Any] = dict(document)
    data.setdefault("name", _default_name(path.parent))
    try:
        return Config.model_validate(data)
    except ValidationError as err:
        raise _config_error(path, document, err) from err


def _default_name(folder: Path) -> str:
    return re.sub(r"[^a-z0-9_-]+", "-", folder.name.lower()).strip("-_")[:30] or "wtdock"


def _config_error(path: Path, document: Any, err: ValidationError) -> ConfigError:
    # A value that fits no member of a union (`build: str | BuildConfig`) gets one error per
    # member; the one that got deepest into the document says what is wrong.
    first = max(err.errors(), key=lambda e: len(_in_document(document, e["loc"], e["type"])))
    loc: tuple[str | int, ...] = tuple(first["loc"])
    cause = (first.get("ctx") or {}).get("error")
    if isinstance(cause, KeyedValueError):
        loc, message = cause.loc, str(cause)
    else:
        message = _message(first, loc)
        loc = _in_document(document, loc, first["type"])
    key = ".".join(str(p) for p in loc) or "(top level)"
    line = yamlio.line_of(document, loc)
    where = f"{path}:{line}" if line else str(path)
    more = f" (and {err.error_count() - 1} more)" if err.error_count() > 1 else ""
    return ConfigError(f"{where}: {key}: {message}{more}", hint="see the config reference in README.md")


def _in_document(document: Any, loc: Sequence[str | int], kind: str) -> tuple[str | int, ...]:
    """``loc`` as keys of the document: without pydantic's union tags (``build.BuildConfig``,
    ``test.list[str]``) and dict-key marks (``[key]``), keeping a missing key at the end."""
    found: list[str | int] = []
    node = document
    for i, part in enumerate(loc):
        if _has(node, part):
            found.append(part)
            node = node[part]
        elif kind == "missing" and i == len(loc) - 1:
            found.append(part)
    return tuple(found)


def _has(node: Any, part: str | int) -> bool:
    if isinstance(node, dict):
        return part in node
    return isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)


def _message(error: Any, loc: Sequence[str | int]) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        allowed = _allowed_keys(loc[:-1])
        return "unknown key" + (f" (allowed: {', '.join(allowed)})" if allowed else "")
    if kind == "missing":
        return "required key is missing"
    if kind == "literal_error":
        return f"{error['input']!r} is not allowed: {error['msg'].removeprefix('Input should be ')}"
    message = str(error["msg"]).removeprefix("Value error, ")
    if kind == "string_pattern_mismatch":
        message = f"{error['input']!r} does not match {error['ctx']['pattern']}"
    return message


def _allowed_keys(loc: Sequence[str | int]) -> list[str]:
    """The keys a model accepts at ``loc``, following dict values and nested models."""
    model: Any = Config
    for part in loc:
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return []
        field = model.model_fields.get(str(part))
        # No field by that name: the part is a key of a dict of models (a service name), whose
        # value model the previous step already found.
        model = _model_in(field.annotation) if field is not None else model
        if model is None:
            return []
    if isinstance(model, type) and issubclass(model, BaseModel):
        return list(model.model_fields)
    return []


def _model_in(annotation: Any) -> Any:
    """The BaseModel class inside an annotation such as ``X``, ``X | None`` or ``dict[str, X]``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in reversed(getattr(annotation, "__args__", ())):
        found = _model_in(arg)
        if found is not None:
            return found
    return None
