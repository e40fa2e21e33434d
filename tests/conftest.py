"""Hermetic tests: pinned git identity, no user or system git config, no stray Compose env."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

STRAY_ENV = ("WTDOCK_WORKSPACE", "COMPOSE_PROJECT_NAME", "COMPOSE_PROFILES", "COMPOSE_FILE", "WTDOCK_DEBUG")


def pytest_configure(config: pytest.Config) -> None:
    # In CI a golden file must be compared, never rewritten to match: that would pass any change.
    if os.environ.get("CI") and os.environ.get("UPDATE_GOLDEN"):
        raise pytest.UsageError("UPDATE_GOLDEN is set in CI: golden files would be rewritten, not checked")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "integration" in Path(str(item.path)).parts:
            item.add_marker(pytest.mark.integration)


@pytest.fixture(autouse=True)
def _hermetic(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    gitconfig = tmp_path_factory.getbasetemp() / "gitconfig"
    gitconfig.touch()
    for key, value in {
        "GIT_AUTHOR_NAME": "wtdock tests",
        "GIT_AUTHOR_EMAIL": "tests@wtdock.dev",
        "GIT_COMMITTER_NAME": "wtdock tests",
        "GIT_COMMITTER_EMAIL": "tests@wtdock.dev",
        "GIT_CONFIG_GLOBAL": str(gitconfig),
        "GIT_CONFIG_NOSYSTEM": "1",
    }.items():
        monkeypatch.setenv(key, value)
    for key in STRAY_ENV:
        monkeypatch.delenv(key, raising=False)
    yield
