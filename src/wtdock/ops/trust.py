"""Commands from a config committed in a repo run only once the user trusted them (like direnv's
`allow`): anyone who can push to the repo could otherwise run code on every machine that checks it
out. Trust is stored per config file by a hash of its commands, so a change asks again; a
workspace file the user wrote and never committed is theirs, and trusted."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from wtdock import gitops
from wtdock.config import Config
from wtdock.errors import StateError, UntrustedError
from wtdock.files import private_dir, write_atomic
from wtdock.locks import locked
from wtdock.workspace import Workspace


def commands(config: Config) -> dict[str, dict[str, Any]]:
    """Every command wtdock itself runs for the config, by service."""
    return {
        name: {"setup": svc.setup, "migrate": svc.migrate}
        for name, svc in config.services.items()
        if svc.setup or svc.migrate
    }


def commands_hash(config: Config) -> str:
    return hashlib.sha256(json.dumps(commands(config), sort_keys=True).encode()).hexdigest()


def store() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "wtdock" / "trusted.json"


def _read(path: Path) -> dict[str, str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as err:
        raise StateError(f"{path}: unreadable ({err})", hint="fix or remove it; `wtdock trust` writes it anew") from err
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def needs_trust(ws: Workspace) -> bool:
    return bool(commands(ws.config)) and gitops.is_tracked(ws.config_file)


def is_trusted(ws: Workspace) -> bool:
    return not needs_trust(ws) or _read(store()).get(str(ws.config_file)) == commands_hash(ws.config)


def check_trusted(ws: Workspace) -> None:
    if not is_trusted(ws):
        raise UntrustedError(
            f"{ws.config_file} is committed in a repo and its setup/migrate commands are not trusted on this machine",
            hint="review them with `wtdock trust --show`, then run `wtdock trust`",
        )


def trust(ws: Workspace) -> str:
    """Record the config's commands as trusted; returns their hash."""
    path = store()
    private_dir(path.parent)
    digest = commands_hash(ws.config)
    with locked(path.with_suffix(".lock")):
        entries = _read(path)
        entries[str(ws.config_file)] = digest
        write_atomic(path, json.dumps(entries, indent=2, sort_keys=True) + "\n")
    return digest
