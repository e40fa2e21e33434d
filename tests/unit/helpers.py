"""The reference workspace and small builders shared by the unit tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from tests.reference import reference_config
from wtdock.config.model import Config
from wtdock.workspace import Workspace

ROOT = Path("/ws")

__all__ = ["ROOT", "dump_yaml", "reference_config", "workspace"]


def workspace(config: dict[str, Any], root: Path = ROOT) -> Workspace:
    """A workspace at a fixed path that need not exist: planning reads none of its files."""
    return Workspace(config_file=root / "wtdock.yaml", config=Config.model_validate(config))


def dump_yaml(data: Any, path: Path) -> None:
    """Write ``data`` as a user would write wtdock.yaml."""
    with path.open("w", encoding="utf-8") as handle:
        YAML().dump(data, handle)
