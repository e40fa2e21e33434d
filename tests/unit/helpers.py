"""The reference workspace and small builders shared by the unit tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from wtdock.config.model import Config
from wtdock.workspace import Workspace

ROOT = Path("/ws")
RUNTIME_IMAGE = "wtdock-standin/runtime:1"
HEALTH = ["CMD", "python3", "-c", "import urllib.request as u; u.urlopen('http://127.0.0.1:8000/health')"]


def reference_config(name: str = "demo", base: int = 3000) -> dict[str, Any]:
    """The reference workspace (as in tests/integration/helpers.py): a front-end run by every
    ticket, an API shared unless the ticket branches it."""
    return {
        "name": name,
        "repos": {"front": {"path": "front"}, "api": {"path": "api"}},
        "services": {
            "front": {
                "repo": "front",
                "image": RUNTIME_IMAGE,
                "command": ["python3", "server.py"],
                "port": 8000,
                "host_ports": f"{base + 1}-{base + 99}",
                "environment": {"API_URL": "{{ services.api.internal_url }}"},
                "healthcheck": {"test": HEALTH},
            },
            "api": {
                "repo": "api",
                "image": RUNTIME_IMAGE,
                "command": ["python3", "server.py"],
                "port": 8000,
                "host_ports": f"{base + 1001}-{base + 1099}",
                "shared": {"host_port": base},
                "uses": ["postgres", "redis", "events"],
                "healthcheck": {"test": HEALTH},
            },
        },
    }


def workspace(config: dict[str, Any], root: Path = ROOT) -> Workspace:
    """A workspace at a fixed path that need not exist: planning reads none of its files."""
    return Workspace(config_file=root / "wtdock.yaml", config=Config.model_validate(config))


def dump_yaml(data: Any, path: Path) -> None:
    """Write ``data`` as a user would write wtdock.yaml."""
    with path.open("w", encoding="utf-8") as handle:
        YAML().dump(data, handle)
