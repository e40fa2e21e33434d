"""Hostile values through the real `wtdock` entry point (issue 14, reliability suite): a ticket name,
`--from`, `--checkout` or `--worktree` value that is an option, a traversal or garbage gives exit
code 2 and one error line, no traceback, and no git or docker process gets it as an option. Every
git and docker that wtdock starts goes through a shim on PATH that records its argv."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.integration.conftest import new_sandbox, remove_workspaces
from tests.integration.helpers import Sandbox, git, run_wtdock
from tests.integration.test_tickets_errors import one_error_line

pytestmark = pytest.mark.reliability

MARK = "wtdockhostile"
SEPARATORS = ("--", "--end-of-options")
# A value that reaches the engine finds none: nothing this test does may start a container.
DEAD_ENGINE = "unix:///nonexistent/docker.sock"


class Shims:
    """A folder of `git` and `docker` that note their argv (one file per run) and exec the real one."""

    def __init__(self, root: Path) -> None:
        self.bin = root / "bin"
        self.log = root / "argv"
        self.bin.mkdir()
        self.log.mkdir()
        for tool in ("git", "docker"):
            real = shutil.which(tool)
            assert real is not None, tool
            shim = self.bin / tool
            shim.write_text(
                "#!/bin/sh\n"
                f'f=$(mktemp "{self.log}/{tool}.XXXXXX")\n'
                "printf '%s\\0' \"$@\" > \"$f\"\n"
                f'exec {real} "$@"\n',
                encoding="utf-8",
            )
            shim.chmod(0o755)

    def env(self) -> dict[str, str]:
        return {"PATH": f"{self.bin}{os.pathsep}{os.environ['PATH']}", "DOCKER_HOST": DEAD_ENGINE}

    def runs(self) -> list[list[str]]:
        """Each recorded run: the tool, then its arguments."""
        return [[f.name.split(".")[0], *f.read_bytes().split(b"\0")[:-1]] for f in sorted(self.log.iterdir())]

    def clear(self) -> None:
        for f in self.log.iterdir():
            f.unlink()


def runs_as_text(shims: Shims) -> list[list[str]]:
    return [[str(a.decode(errors="replace")) if isinstance(a, bytes) else a for a in run] for run in shims.runs()]


def assert_never_an_option(shims: Shims) -> None:
    runs = runs_as_text(shims)
    for run in runs:
        for i, arg in enumerate(run):
            if MARK in arg and arg.startswith("-"):
                assert any(a in SEPARATORS for a in run[:i]), " ".join(run)


@pytest.fixture(scope="module")
def workspace(engine: docker.DockerClient, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Sandbox, Shims]]:
    """One for the module: no value here may make anything in it (checked after each test)."""
    ws = new_sandbox(tmp_path_factory, "hostile")
    # A branch only a hostile hand makes (`git branch` refuses the name; `update-ref` does not).
    git(ws.root / "api", "update-ref", f"refs/heads/-{MARK}-branch", "feat/endpoint")
    yield ws, Shims(tmp_path_factory.mktemp("shims"))
    remove_workspaces(engine, lambda name: name == ws.name)


@pytest.fixture
def hostile(workspace: tuple[Sandbox, Shims]) -> tuple[Sandbox, Shims]:
    workspace[1].clear()
    return workspace


def wtdock(ws: Sandbox, shims: Shims, *args: str) -> subprocess.CompletedProcess[str]:
    return run_wtdock("-w", str(ws.root), *args, env={**ws.env, **shims.env()}, timeout=60)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["up", "--", f"-{MARK}"], f"invalid ticket name '-{MARK}': it starts with '-'"),
        (["up", f"../../{MARK}"], f"invalid ticket name '../../{MARK}': it contains '..'"),
        (["up", f"{MARK} --force"], f"invalid ticket name '{MARK} --force': it contains whitespace or control "
         "characters"),
        (["up", "t", "--from", f"api=--{MARK}=x"], f"--from api=--{MARK}=x: no such branch, tag or commit in "),
        (["up", "t", "--from", f"api=-{MARK}-branch"], None),  # the branch exists: the ticket is planned
        (["up", "t", "--from", f"api=main\n--{MARK}"], "--from 'api=main\\n--"),
        (["up", "t", "--checkout", f"api=-{MARK}-branch"], f"invalid branch name '-{MARK}-branch': it starts with '-'"),
        (["up", "t", "--checkout", f"api=--{MARK}"], f"invalid branch name '--{MARK}': it starts with '-'"),
        (["up", "t", "--checkout", f"api=../{MARK}"], f"invalid branch name '../{MARK}'"),
        (["up", "t", "--worktree", f"api=-{MARK}"], f"--worktree api=-{MARK}: not a worktree of "),
        (["up", "t", "--worktree", f"api=../../../{MARK}"], f"--worktree api=../../../{MARK}: not a worktree of "),
        (["up", "t", "--from", f"-{MARK}=main"], f"--from -{MARK}=...: no repo '-{MARK}' in "),
        (["shared", "logs", "--", f"--{MARK}"], f"no shared service '--{MARK}' in workspace "),
    ],
    ids=lambda v: v[-1][:24] if isinstance(v, list) else None,
)
def test_a_hostile_value_is_one_line_and_never_an_option(
    hostile: tuple[Sandbox, Shims], args: list[str], message: str | None
) -> None:
    ws, shims = hostile
    done = wtdock(ws, shims, *args)
    line = one_error_line(done)  # type: ignore[arg-type]
    if message is None:
        # A branch named like an option is a fine start point: the plan goes on, to the (absent) engine.
        assert done.returncode == 5, done.stderr
        assert line.startswith("the Docker engine does not answer"), line
        resolved = [run for run in runs_as_text(shims) if run[:2] == ["git", "rev-parse"] and MARK in run[-1]]
        assert resolved and resolved[0][-2] == "--end-of-options", runs_as_text(shims)
    else:
        assert done.returncode == 2, done.stderr
        assert line.startswith(message), line
    assert_never_an_option(shims)
    assert not (ws.root / ".wtdock" / "worktrees").exists()


VALUES = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=30),
    st.sampled_from(["-", "--", "-b", "--orphan", "@", "HEAD", "main", "feat/endpoint", "..", "~", ":/api"]),
).map(lambda rest: f"-{MARK}{rest}")


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=5, deadline=None,
          database=None)
@given(option=st.sampled_from(["--from", "--checkout", "--worktree"]), value=VALUES)
def test_any_value_starting_with_a_dash_is_refused_cleanly(
    hostile: tuple[Sandbox, Shims], option: str, value: str
) -> None:
    ws, shims = hostile
    shims.clear()
    done = wtdock(ws, shims, "up", "t", option, f"api={value}")
    one_error_line(done)  # type: ignore[arg-type]
    assert done.returncode == 2, done.stderr
    assert_never_an_option(shims)
