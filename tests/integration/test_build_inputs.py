"""The hash of a build's inputs (ops.builds.inputs_hash): what changes it, and what does not. Here,
not in tests/unit: the context is listed by docker-py's own `.dockerignore` matcher (no engine call)."""

from __future__ import annotations

from pathlib import Path

import pytest

from wtdock.ops.builds import HASH_LENGTH, inputs_hash
from wtdock.plan.app import BuildSource


@pytest.fixture
def context(tmp_path: Path) -> Path:
    (tmp_path / "Dockerfile").write_text("FROM scratch\nCOPY . /app\n")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text("print('hi')\n")
    (tmp_path / "node_modules" / "left-pad").mkdir(parents=True)
    (tmp_path / "node_modules" / "left-pad" / "index.js").write_text("module.exports = 1\n")
    (tmp_path / ".dockerignore").write_text("# deps live in volumes\nnode_modules\n*.log\n")
    return tmp_path


def _hash(context: Path, dockerfile: str | None = None) -> str:
    return inputs_hash(BuildSource(context, dockerfile))


def test_the_same_inputs_give_the_same_short_hash(context: Path) -> None:
    first = _hash(context)
    assert len(first) == HASH_LENGTH
    assert _hash(context) == first


def test_what_dockerignore_leaves_out_changes_nothing(context: Path) -> None:
    before = _hash(context)
    (context / "node_modules" / "left-pad" / "index.js").write_text("module.exports = 2\n")
    (context / "debug.log").write_text("noise\n")
    assert _hash(context) == before


@pytest.mark.parametrize(
    "change",
    [
        lambda c: (c / "src" / "app.py").write_text("print('bye')\n"),
        lambda c: (c / "src" / "new.py").write_text(""),
        lambda c: (c / "src" / "app.py").chmod(0o755),
        lambda c: (c / "src" / "app.py").rename(c / "src" / "main.py"),
        lambda c: (c / "Dockerfile").write_text("FROM scratch\n"),
        lambda c: (c / ".dockerignore").write_text("node_modules\n"),
    ],
    ids=["contents", "a new file", "the executable bit", "a name", "the Dockerfile", "the .dockerignore"],
)
def test_a_change_the_build_would_see_changes_the_hash(context: Path, change: object) -> None:
    before = _hash(context)
    change(context)  # type: ignore[operator]
    assert _hash(context) != before


def test_a_dockerfile_outside_the_context_counts_and_its_own_dockerignore_wins(context: Path) -> None:
    (context / "docker").mkdir()
    (context / "docker" / "Dockerfile.dev").write_text("FROM scratch\n")
    before = _hash(context, "docker/Dockerfile.dev")
    (context / "docker" / "Dockerfile.dev").write_text("FROM scratch\nRUN true\n")
    assert _hash(context, "docker/Dockerfile.dev") != before
    # BuildKit reads <Dockerfile>.dockerignore before .dockerignore.
    (context / "docker" / "Dockerfile.dev.dockerignore").write_text("src\n")
    quiet = _hash(context, "docker/Dockerfile.dev")
    (context / "src" / "app.py").write_text("print('ignored now')\n")
    assert _hash(context, "docker/Dockerfile.dev") == quiet


