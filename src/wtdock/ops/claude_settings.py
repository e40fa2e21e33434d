"""`wtdock hook claude-code install`: wtdock's two worktree hooks in a repo's `.claude/settings.json`,
merged into what is there (every other setting and hook kept), never twice.

The file's shape (https://code.claude.com/docs/en/hooks#configuration): ``hooks.<Event>`` is a list
of ``{"hooks": [{"type": "command", "command": ...}]}`` (worktree events take no matcher).
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wtdock.errors import ConfigError, NotFoundError, RefusedError
from wtdock.files import write_atomic
from wtdock.ops.claude_hooks import CREATE, REMOVE
from wtdock.workspace import Workspace

VERBS = {CREATE: "create", REMOVE: "remove"}
# A first `up` may build images and run setup: Claude Code's default (600 s, 60 s in older
# releases) is set explicitly so that both wait as long.
TIMEOUT = 600


@dataclass(frozen=True)
class Installed:
    repo: str
    file: Path
    added: tuple[str, ...]  # the events whose hook was added; empty: both were there


def command(ws: Workspace, repo_path: Path, verb: str) -> str:
    """The hook's command line. A repo inside the workspace folder finds it from the session's
    folder (the file can be committed); one elsewhere names it."""
    where = "" if repo_path.is_relative_to(ws.root) else f" -w {shlex.quote(str(ws.root))}"
    return f"wtdock{where} hook claude-code {verb}"


def hook_entries(ws: Workspace, repo_path: Path) -> dict[str, dict[str, Any]]:
    """What `install` adds to ``hooks``, by event."""
    return {event: {"hooks": [{"type": "command", "command": command(ws, repo_path, verb), "timeout": TIMEOUT}]}
            for event, verb in VERBS.items()}


def _commands(entries: list[Any], where: str) -> list[str]:
    found = []
    for i, entry in enumerate(entries):
        hooks = entry.get("hooks") if isinstance(entry, dict) else None
        if not isinstance(hooks, list):
            raise ConfigError(f"{where}[{i}]: expected an object with a list of hooks")
        found += [str(h.get("command", "")) for h in hooks if isinstance(h, dict) and h.get("type") == "command"]
    return found


def merge(settings: dict[str, Any], wanted: dict[str, dict[str, Any]], file: Path) -> list[str]:
    """Add each wanted hook whose event has no wtdock hook yet (in place); the events added. Another
    tool's worktree hook is refused: two tools cannot both make the session's worktree."""
    hooks = settings.setdefault("hooks", {})
    if not isinstance(hooks, dict):
        raise ConfigError(f"{file}: hooks: expected an object of events")
    added = []
    for event, entry in wanted.items():
        entries = hooks.setdefault(event, [])
        if not isinstance(entries, list):
            raise ConfigError(f"{file}: hooks.{event}: expected a list")
        present = _commands(entries, f"{file}: hooks.{event}")
        if any(f"hook claude-code {VERBS[event]}" in c for c in present):
            continue
        if present:
            raise RefusedError(
                f"{file}: hooks.{event} already runs another command: {present[0]}",
                hint="remove it first: Claude Code uses one tool to make and remove the session's worktree",
            )
        entries.append(entry)
        added.append(event)
    return added


def _read(file: Path) -> dict[str, Any]:
    if not file.exists():
        return {}
    try:
        found = json.loads(file.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as err:
        raise ConfigError(f"{file}: not valid JSON ({err})", hint="fix it, then run this again") from None
    if not isinstance(found, dict):
        raise ConfigError(f"{file}: expected a JSON object")
    return found


def install(ws: Workspace, repos: Sequence[str], *, local: bool = False) -> list[Installed]:
    """Add the hooks to each repo's `.claude/settings.json` (``local``: `settings.local.json`, which
    Claude Code keeps out of git). Every file is checked before any is written."""
    for repo in repos:
        if repo not in ws.config.repos:
            raise NotFoundError(f"no repo {repo!r} in {ws.config_file}", hint=f"repos: {', '.join(ws.config.repos)}")
    name = "settings.local.json" if local else "settings.json"
    plans = []
    for repo in repos or list(ws.config.repos):
        path = ws.repo_path(repo)
        if not path.is_dir():
            raise NotFoundError(f"repo {repo}: no such folder {path}",
                                hint=f"check repos.{repo}.path in {ws.config_file}")
        file = path / ".claude" / name
        settings = _read(file)
        plans.append((repo, file, settings, merge(settings, hook_entries(ws, path), file)))
    done = []
    for repo, file, settings, added in plans:
        if added:
            file.parent.mkdir(exist_ok=True)
            mode = file.stat().st_mode & 0o777 if file.exists() else 0o644
            write_atomic(file, json.dumps(settings, indent=2) + "\n", mode=mode)
        done.append(Installed(repo, file, tuple(added)))
    return done
