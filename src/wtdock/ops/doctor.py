"""`wtdock doctor`: is this machine (and this workspace) ready? One line per check."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from wtdock import engine, gitops
from wtdock.config import find_config, load_config
from wtdock.errors import ConfigError, ToolError, WtdockError
from wtdock.workspace import find_ca_bundle

MIN_COMPOSE = (2, 20)
MIN_ENGINE = (25, 0)  # healthcheck start_interval, which every template uses


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    hint: str | None = None


def doctor(start: Path, explicit: str | None = None) -> list[Check]:
    checks = [
        _check("engine", _engine),
        _check("compose", _compose),
        _check("git", _git),
    ]
    checks.extend(_workspace(start, explicit))
    return checks


def _check(name: str, probe: Callable[[], str]) -> Check:
    try:
        return Check(name, True, probe())
    except WtdockError as err:
        return Check(name, False, err.message, err.hint)


def _version(text: str) -> tuple[int, ...]:
    match = re.search(r"(\d+)\.(\d+)", text)
    return (int(match.group(1)), int(match.group(2))) if match else (0, 0)


def _at_least(what: str, found: tuple[int, ...], shown: str, needed: tuple[int, ...], hint: str) -> str:
    if found[:2] < needed:
        raise ToolError(f"{what} {shown} is too old (need {'.'.join(map(str, needed))} or newer)", hint=hint)
    return f"{what} {shown}"


def _engine() -> str:
    found = engine.engine_version()
    return _at_least("Docker engine", _version(found), found, MIN_ENGINE,
                     "update Docker Desktop, or on Linux run scripts/setup-engine; see README")


def _compose() -> str:
    found = engine.compose_version().lstrip("v")
    return _at_least("Docker Compose", _version(found), found, MIN_COMPOSE,
                     "install the Compose v2 plugin; see README")


def _git() -> str:
    found = gitops.version()
    return _at_least("git", found, ".".join(map(str, found)), gitops.MIN_GIT, "install git 2.36 or newer")


def _workspace(start: Path, explicit: str | None) -> list[Check]:
    try:
        path = find_config(start, explicit)
    except ConfigError as err:
        if explicit:
            return [Check("workspace", False, err.message, err.hint)]
        return [Check("workspace", True, "no wtdock.yaml here or above (workspace checks skipped)")]
    try:
        config = load_config(path)
    except ConfigError as err:
        return [Check("workspace", False, err.message, err.hint)]
    checks = [Check("workspace", True, f"{config.name} ({path})")]
    for repo, spec in config.repos.items():
        checks.append(_check(f"repo {repo}", _repo_probe(path.parent / spec.path)))
    checks.append(_check("ca bundle", lambda: _ca_bundle(config.ca_bundle, path)))
    return checks


def _ca_bundle(setting: str, config_file: Path) -> str:
    """Behind a proxy that re-signs TLS, installs in containers fail unless they get the host's CAs."""
    if setting == "off":
        return "off: containers trust only their image's CAs (ca_bundle: auto gives them the host's)"
    bundle = find_ca_bundle(setting, config_file)
    if bundle is None:
        raise ConfigError(
            "ca_bundle is auto, but this host has no CA bundle in a known place",
            hint="set ca_bundle to the path of your CA bundle, or `off`",
        )
    text = bundle.read_text(encoding="utf-8", errors="replace")
    count = text.count("BEGIN CERTIFICATE")
    if count == 0:
        raise ConfigError(f"ca_bundle: {bundle} holds no certificate", hint="give a PEM bundle, or `off`")
    return f"{bundle} ({count} certificates), mounted read-only into app containers and setup runs"


def _repo_probe(path: Path) -> Callable[[], str]:
    def probe() -> str:
        top = gitops.toplevel(path.resolve())
        return f"{top} on {gitops.current_branch(top) or 'a detached HEAD'}"

    return probe
