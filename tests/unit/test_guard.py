"""The unit conftest's promise: no Docker, no git, no programs."""

from __future__ import annotations

import importlib
import subprocess

import pytest


@pytest.mark.parametrize("module", ["docker", "python_on_whales", "git"])
def test_outside_tools_cannot_be_imported(module: str) -> None:
    with pytest.raises(ImportError):
        importlib.import_module(module)


def test_no_program_can_be_started() -> None:
    with pytest.raises(AssertionError, match="a unit test started a program"):
        subprocess.run(["git", "--version"], check=False)
