"""An engine in trouble, a missing `docker` binary: one line naming the cause, exit 5, no traceback."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.integration.fake_engine import MESSAGE, failing_engine
from tests.integration.helpers import Sandbox, run_wtdock


@pytest.fixture
def ws(make_workspace: Callable[..., Sandbox]) -> Sandbox:
    sandbox = make_workspace("engerr")
    sandbox.cli("up", "e1", "--from", "api=feat/endpoint")
    return sandbox


def one_line(done: object, code: int = 5) -> str:
    stderr = done.stderr  # type: ignore[attr-defined]
    assert done.returncode == code, stderr  # type: ignore[attr-defined]
    assert "Traceback" not in stderr
    errors = [line for line in stderr.splitlines() if line.startswith("wtdock: error: ")]
    assert len(errors) == 1, stderr
    return errors[0].removeprefix("wtdock: error: ")


@pytest.mark.parametrize(
    "command",
    [["ps"], ["up", "e2"], ["down", "e1"], ["shared", "down"], ["gc"], ["stop", "e1"], ["shared", "status"]],
)
def test_an_engine_api_error_is_one_line(ws: Sandbox, command: list[str]) -> None:
    with failing_engine() as host:
        done = run_wtdock("-w", str(ws.root), *command, env={**ws.env, "DOCKER_HOST": host})
    assert MESSAGE in one_line(done) or "docker compose" in one_line(done)


@pytest.fixture
def no_docker(tmp_path: Path) -> dict[str, str]:
    """A PATH with git and python but no `docker`."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("git", "python3"):
        found = shutil.which(tool)
        assert found
        (bin_dir / tool).symlink_to(found)
    return {"PATH": str(bin_dir)}


@pytest.mark.parametrize(
    "command", [["up", "e2"], ["logs", "e1"], ["exec", "e1", "front", "--", "true"], ["db", "psql", "e1"],
                ["down", "e1", "--drop-data"], ["shared", "logs"]],
)
def test_a_missing_docker_binary_is_one_line(ws: Sandbox, no_docker: dict[str, str], command: list[str]) -> None:
    done = run_wtdock("-w", str(ws.root), *command, env={**ws.env, **no_docker})
    assert one_line(done) == "the `docker` command is not on PATH"
    assert ws.worktree("e1", "api").is_dir()
