"""Bad input, property-based (issue 14, reliability suite): any ticket name, ref, `--from`,
`--checkout` or `--worktree` value and config value gives a valid plan or one clean typed error;
never a path outside the workspace, never an option handed to git."""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.unit.helpers import dump_yaml, reference_config, workspace
from tests.unit.test_plan import feat_02, plan_for, plan_of_shared
from wtdock import gitops, yamlio
from wtdock.config import load_config
from wtdock.errors import ConfigError, GitError, TicketNameError, UserError, WtdockError
from wtdock.names import ticket_slug
from wtdock.ops.records import compose_file
from wtdock.ops.worktree_steps import MODES, RepoRequest, index_requests, ticket_branch
from wtdock.plan.connections import database_name
from wtdock.templates import load_templates
from wtdock.workspace import Workspace

pytestmark = pytest.mark.reliability
TEMPLATES = load_templates()

COMPOSE_PROJECT = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
# What a hostile user (or a program driving wtdock) types: options, traversal, separators of every
# kind, unicode look-alikes.
HOSTILE = st.one_of(
    st.text(max_size=60),
    st.sampled_from([
        "-", "--", "-rf", "--help", "--upload-pack=touch /tmp/x", "-c core.pager=sh", "--output=/etc/x",
        "..", "../..", "../../etc/passwd", "a/../../b", "/etc", "~root", "$(id)", "`id`", "a;b", "a|b",
        "a\nb", "a\rb", "a\x00b", "a\tb", " a", "a ", "a b", "HEAD@{1}", "@", "a^{tree}", ":/msg",
        "\u202eevil", "caf\u00e9", "\uff0e\uff0e", "\u2215etc", "feat\u2028x", "x" * 300,
    ]),
)


def inside(path: Path, folder: Path) -> bool:
    """Without touching the disk (the workspace of a unit test does not exist): ``..`` folded."""
    return Path(os.path.normpath(path)).is_relative_to(os.path.normpath(folder))


@given(HOSTILE)
def test_a_ticket_name_gives_a_clean_error_or_names_and_paths_inside_the_workspace(name: str) -> None:
    ws = workspace(reference_config())
    try:
        slug = ticket_slug(name)
    except TicketNameError as err:
        assert err.exit_code == 2
        assert "\n" not in err.message, err.message
        return
    assert COMPOSE_PROJECT.match(ws.ticket_project(slug))
    assert inside(ws.ticket_dir(slug), ws.state_dir / "tickets")
    assert inside(compose_file(ws, slug), ws.ticket_dir(slug))
    for repo in ws.config.repos:
        assert inside(ws.worktree_path(slug, repo), ws.worktrees_dir / slug)
    assert re.fullmatch(r"[a-z0-9_]+", database_name("app", slug))
    assert not ticket_branch(ws, name).startswith("-")


@given(st.text(max_size=12), st.sampled_from(MODES), HOSTILE)
def test_a_repo_request_is_indexed_or_refused_with_one_line(repo: str, mode: str, value: str) -> None:
    ws = workspace(reference_config())
    request = RepoRequest(repo, mode, value)  # type: ignore[arg-type]
    try:
        found = index_requests(ws, [request])
    except UserError as err:
        assert "\n" not in err.message and "\r" not in err.message, err.message
        return
    assert found == {repo: request}
    assert repo in ws.config.repos
    assert value.isprintable(), "a NUL or a newline would reach git"


@pytest.mark.parametrize("value", ["main\x00--orphan", "main\n--orphan", "feat\rx", "a\x1b[2Jb"])
@pytest.mark.parametrize("mode", MODES)
def test_control_characters_in_a_value_are_refused_before_git(mode: str, value: str) -> None:
    with pytest.raises(UserError, match=r"contains a control or unprintable character$") as caught:
        index_requests(workspace(reference_config()), [RepoRequest("api", mode, value)])  # type: ignore[arg-type]
    assert caught.value.message.startswith(f"--{mode} {'api=' + value!r}: ")


# git reads an argument as an option unless a `--` or `--end-of-options` came before it.
SEPARATORS = ("--", "--end-of-options")
MARK = "wtdockhostile"


@pytest.fixture
def git_calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, ...]]]:
    """gitops.run recorded (and answering "no such thing", as git does with exit 1)."""
    calls: list[tuple[str, ...]] = []

    def record(cwd: Path, *args: str, **_: Any) -> str:
        calls.append(args)
        raise GitError("no", command=["git", *args], returncode=1)

    monkeypatch.setattr(gitops, "run", record)
    yield calls


def assert_never_an_option(calls: list[tuple[str, ...]]) -> None:
    for args in calls:
        for i, arg in enumerate(args):
            if MARK in arg and arg.startswith("-"):
                assert any(a in SEPARATORS for a in args[:i]), f"git {' '.join(args)}"


REPO = Path("/r")
CALLS: dict[str, Callable[[str], object]] = {
    "resolve_commit (--from, repos.R.base)": lambda v: gitops.resolve_commit(REPO, v),
    "check_branch_name (--checkout)": lambda v: gitops.check_branch_name(REPO, v),
    "branch_exists": lambda v: gitops.branch_exists(REPO, v),
    "blocking_branch": lambda v: gitops.blocking_branch(REPO, v),
    "add_worktree off a start point": lambda v: gitops.add_worktree(REPO, Path("/w/t/api"), "t", start_point=v,
                                                                     reason="r"),
    "add_worktree of a detached start point": lambda v: gitops.add_worktree(REPO, Path("/w/t/api"), None,
                                                                             start_point=v, reason="r"),
    "add_worktree at a path": lambda v: gitops.add_worktree(REPO, Path(v), "t", start_point="main", reason="r"),
    "remove_worktree": lambda v: gitops.remove_worktree(REPO, Path(v), force=False, reason="r"),
    "ignored_among": lambda v: gitops.ignored_among(REPO, [v]),
    "ignored_matching": lambda v: gitops.ignored_matching(REPO, [v]),
    "is_tracked": lambda v: gitops.is_tracked(Path("/r") / v),
    "create_branch": lambda v: gitops.create_branch(REPO, v, "0" * 40),
    "delete_new_branch": lambda v: gitops.delete_new_branch(REPO, v),
}


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
# No NUL: index_requests refuses it before any of these (and no path can hold one).
@given(st.sampled_from(sorted(CALLS)), st.sampled_from(["-", "--", "-c", "--upload-pack="]),
       st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=20))
def test_a_value_starting_with_a_dash_never_reaches_git_as_an_option(
    git_calls: list[tuple[str, ...]], call: str, dashes: str, rest: str
) -> None:
    git_calls.clear()
    value = f"{dashes}{MARK}{rest}"
    with contextlib.suppress(WtdockError):
        CALLS[call](value)
    assert_never_an_option(git_calls)


def test_a_branch_starting_with_a_dash_is_refused_before_git(git_calls: list[tuple[str, ...]]) -> None:
    with pytest.raises(UserError, match=r"^invalid branch name '-b': it starts with '-'$"):
        gitops.check_branch_name(REPO, "-b")
    assert git_calls == []


# Config values, each at its dotted key: either a Config or a ConfigError naming file and key.
KEYS: tuple[tuple[str, ...], ...] = (
    ("name",), ("bind",), ("worktrees",), ("branch",), ("wait_timeout",), ("ca_bundle",), ("network", "subnet"),
    ("repos", "api", "path"), ("repos", "api", "base"), ("repos", "api", "include"),
    ("services", "api", "image"), ("services", "api", "port"), ("services", "api", "host_ports"),
    ("services", "api", "command"), ("services", "api", "workdir"), ("services", "api", "environment", "X"),
    ("services", "api", "shared", "host_port"), ("services", "front", "repo"), ("services", "front", "uses"),
    ("shared", "postgres", "user"), ("shared", "postgres", "database"), ("shared", "redis", "databases"),
    ("shared", "events", "engine"),
)
VALUES = st.one_of(
    HOSTILE, st.integers(min_value=-(2**70), max_value=2**70), st.none(), st.booleans(),
    st.lists(HOSTILE, max_size=3), st.dictionaries(st.text(max_size=5), HOSTILE, max_size=2),
)


def _set(config: dict[str, Any], key: tuple[str, ...], value: object) -> None:
    node = config
    for part in key[:-1]:
        node = node.setdefault(part, {})
    node[key[-1]] = value


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=150)
@given(st.sampled_from(KEYS), VALUES)
def test_any_config_value_is_accepted_or_named_with_file_and_key(tmp_path: Path, key: tuple[str, ...],
                                                                  value: object) -> None:
    config = reference_config("t1", 10000)
    _set(config, key, value)
    path = tmp_path / "wtdock.yaml"
    dump_yaml(config, path)
    try:
        loaded = load_config(path)
    except ConfigError as err:
        assert err.message.startswith(f"{path}"), err.message
        assert "\n" not in err.message, err.message
        # The key it names is on the path to the value (or the value's own, or a key it refers to).
        named = err.message.removeprefix(f"{path}").lstrip(":0123456789 ").split(":", 1)[0]
        assert named.split(".")[0] in (key[0], "services", "repos"), err.message
        return
    assert "{ticket}" in loaded.branch
    assert re.fullmatch(r"[a-z_][a-z0-9_]*", loaded.shared.postgres.user)
    # A config that loads plans: a ticket branching both repos and the shared project, or says why.
    ws = Workspace(config_file=path, config=loaded)
    try:
        plans = [plan_for(ws, TEMPLATES, feat_02()), plan_of_shared(ws, TEMPLATES)]
    except WtdockError as err:
        assert "\n" not in err.message, err.message
        return
    for plan in plans:
        assert COMPOSE_PROJECT.match(plan.project), plan.project
        for service in plan.compose["services"].values():
            assert {p["host_ip"] for p in service.get("ports", [])} <= {loaded.bind}
        yamlio.dump(plan.compose)  # renders


def test_a_start_point_named_like_an_option_goes_to_git_as_its_commit(monkeypatch: pytest.MonkeyPatch) -> None:
    """`worktree add -b` hands its start point on to `git branch` without a `--` (git 2.39): a ref
    named `-x` would be read there as an option."""
    calls: list[tuple[str, ...]] = []

    def answer(cwd: Path, *args: str, **_: Any) -> str:
        calls.append(args)
        return "0123456789abcdef0123456789abcdef01234567\n" if args[0] == "rev-parse" else ""

    monkeypatch.setattr(gitops, "run", answer)
    gitops.add_worktree(REPO, Path("/w/t/api"), "t", start_point="-x", reason="r")
    assert calls[-1][-3:] == ("--", "/w/t/api", "0123456789abcdef0123456789abcdef01234567")
    gitops.add_worktree(REPO, Path("/w/t/api"), "t", start_point="main", reason="r")
    assert calls[-1][-1] == "main"  # any other start point as given (a remote branch sets the upstream)
