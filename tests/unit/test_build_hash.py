"""Build inputs without a tree to hash: a missing context, and a rebuild as a reason to restart
(the hash itself: tests/integration/test_build_inputs.py, it needs docker-py's matcher)."""

from __future__ import annotations

from pathlib import Path

import pytest

from wtdock.errors import UserError
from wtdock.ops.builds import inputs_hash, rebuilt_reason
from wtdock.plan.app import BuildSource


def test_a_missing_context_names_the_key(tmp_path: Path) -> None:
    with pytest.raises(UserError, match=r"^services\.front\.build: the build context .* is not a folder$"):
        inputs_hash(BuildSource(tmp_path / "nowhere", None), "services.front.build")


def test_a_rebuilt_image_is_a_reason_to_restart() -> None:
    assert rebuilt_reason([]) is None
    reason = rebuilt_reason(["api"])
    assert reason is not None
    assert (str(reason), reason.outcome) == ("api: image rebuilt", "updated")
