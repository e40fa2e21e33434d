"""`wtdock init`: write a first, commented ``wtdock.yaml`` from what `detect` found.

The file is rendered as text, so that every guess carries its reason and every unknown a `TODO:`
line; values go through ``yamlio.inline``. Before it is put in place it is loaded back with the
config loader: init never writes a file that `up` would refuse. It never overwrites one either.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from wtdock.config.load import CONFIG_NAME, load_config
from wtdock.errors import UserError
from wtdock.ops.detect import LOOKED_FOR, Detection, Service, detect
from wtdock.schemas import config_file
from wtdock.yamlio import inline

SCHEMA_NAME = ".wtdock-schema.json"
SHARED_PORT = 3000  # the documented shared instance's port, for the TODO's example
SHARED_OFF = {"postgres": "enabled: false", "redis": "enabled: false", "events": "engine: none"}


@dataclass(frozen=True)
class InitResult:
    detection: Detection
    config_file: Path
    name: str
    host_ports: dict[str, str]  # service -> the host range init gave it
    schema_file: Path | None  # None when one was there already (kept as it is)


def init(start: Path) -> InitResult:
    """Detect the repos and services of ``start`` and write ``wtdock.yaml`` beside them."""
    detection = detect(start)
    if not detection.repos:
        raise UserError(
            f"no git repos in {start.resolve()}: looked for subfolders holding .git, or a repo it is in",
            hint="run wtdock init in the folder that holds your repos (or inside a repo)",
        )
    target = detection.folder / CONFIG_NAME
    _refuse_existing(target)
    name = workspace_name(detection.folder)
    ranges = host_ranges(detection.services)
    _write_checked(target, render(detection, name, ranges))
    return InitResult(detection, target, name, ranges, _write_schema(detection.folder / SCHEMA_NAME))


def _refuse_existing(target: Path) -> None:
    if target.exists():
        raise UserError(f"{target} exists; wtdock init never overwrites it",
                        hint="edit it, or move it aside and run wtdock init again")


def workspace_name(folder: Path) -> str:
    """The folder's name as the loader would default it (`[a-z0-9][a-z0-9_-]*`, up to 30)."""
    return re.sub(r"[^a-z0-9_-]+", "-", folder.name.lower()).strip("-_")[:30].rstrip("-_") or "wtdock"


def host_ranges(services: tuple[Service, ...]) -> dict[str, str]:
    """One host range per service, none overlapping: 3001-3099, 4001-4099, ... as in the README's
    example, then hundreds from 10001 (above the shared ports a TODO suggests)."""
    ranges = {}
    for i, service in enumerate(services):
        first = 3001 + 1000 * i if i < 7 else 10001 + 100 * (i - 7)
        ranges[service.name] = f"{first}-{first + 98}"
    return ranges


def render(detection: Detection, name: str, ranges: dict[str, str]) -> str:
    """The commented ``wtdock.yaml`` text."""
    lines = [
        f"# yaml-language-server: $schema={SCHEMA_NAME}",
        "# Written by `wtdock init`: each value is a guess from the repos' files, its reason above it.",
        "# Check the TODO lines. Every key: README.md, \"Config reference\". The line above lets editors",
        f"# complete and check this file; `wtdock schema > {SCHEMA_NAME}` refreshes the schema.",
        "",
        "# Names the projects (<name>-shared, <name>-<ticket>) and the network (<name>-net).",
        f"name: {inline(name)}",
        "repos:",
    ]
    for repo in detection.repos:
        lines += [f"  {repo.key}:", f"    path: {inline(repo.path)}"]
    if detection.monorepo:
        lines.append("# TODO: add .wtdock/ to the repo's .gitignore (ticket worktrees go there).")
    lines.append("services:" if detection.services else "services: {}")
    for i, service in enumerate(detection.services):
        lines += ([""] if i else []) + _service_lines(service, ranges[service.name], len(detection.services) > 1)
    if not detection.services:
        lines += ["# TODO: no service recognised; wtdock init looked for " + "; ".join(LOOKED_FOR) + ".",
                  "# A service: {repo: REPO, image: IMAGE, command: [...], port: 8000, host_ports: 3001-3099}"]
    lines += _shared_lines(detection)
    return "\n".join(lines) + "\n"


def _service_lines(service: Service, host_ports: str, others: bool) -> list[str]:
    g = service.guess
    where = service.repo if service.workdir == "." else f"{service.repo}/{service.workdir}"
    lines = [f"  # {g.stack}, guessed from {where}/{g.source}", f"  {service.name}:",
             f"    repo: {inline(service.repo)}"]
    if service.workdir != ".":
        lines.append(f"    workdir: {inline(service.workdir)}")
    for setting in g.settings[:2]:  # image and command, then the ports, then the rest
        lines += _setting(setting.key, setting.value, setting.why)
    lines += _setting("port", g.port, g.port_why)
    lines += _setting("host_ports", host_ports, "the host range tickets take its ports from (one per service)")
    for setting in g.settings[2:]:
        lines += _setting(setting.key, setting.value, setting.why)
    if g.uses:
        why = "its dependencies name a client of these: wtdock injects their connection settings"
        lines += _setting("uses", list(g.uses), why)
    return lines + _todo_lines(service, others)


def _todo_lines(service: Service, others: bool) -> list[str]:
    """What the files could not tell: each a `TODO:` comment, with an example where one helps."""
    g = service.guess
    lines = [] if g.uses else [
        "    # TODO: does it use postgres, redis or events? `uses: [postgres]` injects DATABASE_URL and the like."
    ]
    lines += [f"    # TODO: {todo}" for todo in g.todos]
    lines += [
        "    # TODO: a healthcheck, so that `up` waits until it answers, e.g.",
        f"    # healthcheck: {{test: {inline(list(g.health))}}}",
    ]
    if others:
        lines += [
            "    # TODO: other services' addresses go in `environment`, e.g.",
            "    # API_URL: \"{{ services.NAME.internal_url }}\"",
        ]
    return [
        *lines,
        f"    # TODO: `shared: {{host_port: {SHARED_PORT}}}` runs one instance, from the primary checkout,",
        "    # for the tickets that do not branch its repo.",
    ]


def _setting(key: str, value: object, why: str) -> list[str]:
    comment = textwrap.wrap(f"{why[0].upper()}{why[1:]}.", 96) if why else []
    return [f"    # {line}" for line in comment] + [f"    {key}: {inline(value)}"]


def _shared_lines(detection: Detection) -> list[str]:
    """Turn off the shared servers no service seems to use: each one costs a container per workspace."""
    used = {u for s in detection.services for u in s.guess.uses}
    off = [(k, line) for k, line in SHARED_OFF.items() if k not in used]
    if not off:
        return []
    lines = ["", "# No service seems to use these (see each service's `uses`); remove a block to run it.", "shared:"]
    for key, line in off:
        lines += [f"  {key}:", f"    {line}"]
    return lines


def _write_checked(target: Path, text: str) -> None:
    """Load the text back with the config loader, then put it in place unless a file appeared there
    meanwhile: a hard link never replaces an existing file, unlike a rename."""
    with _temporary(target.parent, text) as temporary:
        load_config(temporary)
        try:
            os.link(temporary, target)
        except FileExistsError:
            _refuse_existing(target)


@contextlib.contextmanager
def _temporary(folder: Path, text: str) -> Iterator[Path]:
    # In the same folder: the loader defaults the workspace name from it, and link needs one filesystem.
    handle, name = tempfile.mkstemp(prefix=".wtdock-init-", suffix=".yaml", dir=folder)
    path = Path(name)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        yield path
    finally:
        path.unlink(missing_ok=True)


def _write_schema(path: Path) -> Path | None:
    """The schema the file's first line names; one that is there already is kept."""
    try:
        with path.open("x", encoding="utf-8") as out:
            out.write(config_file().read_text(encoding="utf-8"))
    except FileExistsError:
        return None
    return path
