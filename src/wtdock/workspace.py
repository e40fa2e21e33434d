"""A loaded workspace: its config and every path wtdock derives from it."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from wtdock.config import Config, find_config, load_config
from wtdock.config.load import ENV_WORKSPACE
from wtdock.config.model import DEFAULT_IMAGES
from wtdock.errors import ConfigError

STATE_DIR = ".wtdock"


@dataclass(frozen=True)
class Workspace:
    """A workspace folder: ``wtdock.yaml``, its ``.wtdock/`` state folder, its repos. Plain data:
    everything that comes from outside the config (image overrides in the environment) is resolved
    when it is loaded, so the planner that takes it reads nothing lazily."""

    config_file: Path
    config: Config
    # WTDOCK_IMAGE_<KEY> overrides, read once at load; empty means none.
    image_overrides: Mapping[str, str] = field(default_factory=dict)
    # The host CA bundle that containers get (`ca_bundle`), found at load; None: none is mounted.
    ca_bundle: Path | None = None

    @classmethod
    def load(cls, start: Path | None = None, explicit: str | None = None) -> Workspace:
        where = start or Path.cwd()
        try:
            path = find_config(where, explicit)
        except ConfigError:
            # A ticket's worktree outside the workspace folder (adopted, or `worktrees:` elsewhere)
            # carries a note of its workspace.
            from wtdock import gitops

            noted = None if explicit else gitops.marked_workspace(where)
            if noted is None or not noted.is_file():
                raise
            path = noted
        else:
            if not explicit and not os.environ.get(ENV_WORKSPACE):
                # In a monorepo that commits wtdock.yaml, each ticket's worktree holds a copy of it:
                # the workspace that made the worktree is the one meant, not the copy.
                path = _noted_by_worktree(where, path) or path
        config = load_config(path)
        return cls(
            config_file=path,
            config=config,
            image_overrides=image_overrides(os.environ),
            ca_bundle=find_ca_bundle(config.ca_bundle, path),
        )

    @property
    def root(self) -> Path:
        return self.config_file.parent

    @property
    def name(self) -> str:
        return self.config.name

    @property
    def network(self) -> str:
        return f"{self.name}-net"

    @property
    def shared_project(self) -> str:
        return f"{self.name}-shared"

    def ticket_project(self, slug: str) -> str:
        return f"{self.name}-{slug}"

    @cached_property
    def state_dir(self) -> Path:
        return self.root / STATE_DIR

    @property
    def registry_file(self) -> Path:
        return self.state_dir / "state.json"

    @property
    def lock_dir(self) -> Path:
        return self.state_dir / "locks"

    @property
    def shared_dir(self) -> Path:
        return self.state_dir / "shared"

    def ticket_dir(self, slug: str) -> Path:
        return self.state_dir / "tickets" / slug

    @property
    def worktrees_dir(self) -> Path:
        return (self.root / self.config.worktrees).resolve()

    def worktree_path(self, slug: str, repo: str) -> Path:
        return self.worktrees_dir / slug / repo

    def repo_path(self, repo: str) -> Path:
        return (self.root / self.config.repos[repo].path).resolve()

    def image(self, key: str) -> str:
        """The image for a shared service: ``WTDOCK_IMAGE_<KEY>``, then ``images:``, then the default."""
        return (
            self.image_overrides.get(key)
            or self.config.images.get(key)  # type: ignore[call-overload]
            or DEFAULT_IMAGES[key]
        )


def image_overrides(environ: Mapping[str, str]) -> dict[str, str]:
    """``WTDOCK_IMAGE_POSTGRES=...`` and the like, by image key."""
    return {key: value for key in DEFAULT_IMAGES if (value := environ.get(f"WTDOCK_IMAGE_{key.upper()}"))}


# Where distributions keep the bundle of every CA the host trusts (Debian/Ubuntu/Alpine, Fedora/RHEL,
# openSUSE, macOS and the BSDs).
HOST_CA_BUNDLES = (
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/ca-bundle.pem",
    "/etc/ssl/cert.pem",
)


def find_ca_bundle(setting: str, config_file: Path, candidates: tuple[str, ...] = HOST_CA_BUNDLES) -> Path | None:
    """The bundle ``ca_bundle`` names: ``off`` none, ``auto`` the host's own (``SSL_CERT_FILE`` first:
    a proxy's CA is often added there only), else a path, relative to the config file's folder."""
    if setting == "off":
        return None
    if setting == "auto":
        for candidate in (os.environ.get("SSL_CERT_FILE", ""), *candidates):
            if candidate and Path(candidate).is_file():
                return Path(candidate).resolve()
        return None
    path = (config_file.parent / Path(setting).expanduser()).resolve()
    if not path.is_file():
        raise ConfigError(
            f"{config_file}: ca_bundle: no such file {path}",
            hint="give the path of a PEM bundle, or `auto` (the host's) or `off`",
        )
    return path


def _noted_by_worktree(start: Path, found: Path) -> Path | None:
    """The workspace noted in the wtdock worktree that holds ``start`` and the config ``found`` in
    it (at any depth: a monorepo may keep wtdock.yaml in a subfolder). Plain file reads (a linked
    worktree's ``.git`` is a file naming its git dir): no git call, so every command can afford it."""
    from wtdock.gitops import MARKER

    for folder in (start.resolve(), *start.resolve().parents):
        if not found.is_relative_to(folder):
            continue  # below the config's folder: a worktree there does not hold the config
        dot_git = folder / ".git"
        if dot_git.is_file():
            text = dot_git.read_text(encoding="utf-8", errors="replace").strip()
            if text.startswith("gitdir:"):
                git_dir = (folder / text.removeprefix("gitdir:").strip()).resolve()
                marker = git_dir / MARKER
                if marker.is_file():
                    noted = Path(marker.read_text(encoding="utf-8").strip())
                    return noted if noted.is_file() else None
            return None
        if dot_git.is_dir():
            return None
    return None

