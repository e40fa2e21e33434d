"""Unit tests need neither Docker nor git: both are made impossible here, for every unit test.

``None`` in ``sys.modules`` makes ``import docker`` fail even when an integration test in the same
session already imported it, so an engine call cannot slip through; starting any program (git,
docker) fails the test too.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

# No example database in the checkout; no deadline, so one slow first call is not a failure.
settings.register_profile("wtdock-unit", database=None, deadline=None)
settings.load_profile("wtdock-unit")

OUTSIDE_TOOLS = ("docker", "python_on_whales", "git")


@pytest.fixture(autouse=True)
def _no_outside_tools(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in OUTSIDE_TOOLS:
        monkeypatch.setitem(sys.modules, name, None)

    def refuse(*args: Any, **_: Any) -> Any:
        raise AssertionError(f"a unit test started a program: {args[:1]}")

    monkeypatch.setattr(subprocess, "Popen", refuse)


@pytest.fixture
def write_config(tmp_path: Path) -> Callable[[str], Path]:
    """write_config(text) -> the path of ``ws/wtdock.yaml`` holding ``text``."""

    def write(text: str) -> Path:
        path = tmp_path / "ws" / "wtdock.yaml"
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    return write
