"""What a user sees when the input is wrong: one line, a hint, exit code 2, no traceback, and no
engine call (the unit conftest makes any engine or git call fail)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from tests.unit.helpers import dump_yaml, reference_config
from wtdock import __version__
from wtdock.cli.app import app
from wtdock.errors import EXIT_CODES

NAME_ERROR = "wtdock: error: invalid ticket name 'bad name': it contains whitespace or control characters\n"
NAME_HINT = "  hint: use letters, digits, '.', '_', '-' and '/', e.g. feat-02 or feat/dashboard-filters\n"


def wtdock(*args: str) -> Result:
    result = CliRunner().invoke(app, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    dump_yaml(reference_config(), tmp_path / "wtdock.yaml")
    return tmp_path


def test_a_bad_ticket_name_is_one_line_and_a_hint(ws: Path) -> None:
    result = wtdock("-w", str(ws), "up", "bad name")
    assert result.exit_code == 2
    assert result.stderr == NAME_ERROR + NAME_HINT
    assert result.stdout == ""
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    "command",
    [
        ["stop", "bad name"],
        ["down", "bad name"],
        ["url", "bad name"],
        ["env", "bad name"],
        ["logs", "bad name"],
        ["render", "bad name"],
        ["exec", "bad name", "api", "--", "ls"],
    ],
    ids=lambda c: c[0],
)
def test_every_ticket_command_checks_the_name_first(ws: Path, command: list[str]) -> None:
    result = wtdock("-w", str(ws), *command)
    assert (result.exit_code, result.stderr) == (2, NAME_ERROR + NAME_HINT)


def test_the_name_is_checked_before_the_state_folder_is_made(ws: Path) -> None:
    wtdock("-w", str(ws), "up", "bad name")
    assert not (ws / ".wtdock").exists()


def test_a_broken_config_names_file_line_and_key(ws: Path) -> None:
    config = ws / "wtdock.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "worktree: x\n", encoding="utf-8")
    line = len(config.read_text(encoding="utf-8").splitlines())

    result = wtdock("-w", str(ws), "up", "feat-01")

    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"wtdock: error: {config.resolve()}:{line}: worktree: unknown key (allowed: name, repos, services, "
        "shared, images, worktrees, branch, bind, wait_timeout, network, ca_bundle, agents)",
        "  hint: see the config reference in README.md",
    ]


def test_a_workspace_without_config(tmp_path: Path) -> None:
    result = wtdock("-w", str(tmp_path), "ps")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == f"wtdock: error: {tmp_path.resolve()}/wtdock.yaml: no such file"


def test_the_workspace_comes_from_the_environment(ws: Path) -> None:
    result = CliRunner().invoke(app, ["up", "bad name"], env={"WTDOCK_WORKSPACE": str(ws)})
    assert (result.exit_code, result.stderr) == (2, NAME_ERROR + NAME_HINT)


def test_a_malformed_repo_option_is_refused_before_anything_runs(ws: Path) -> None:
    result = wtdock("-w", str(ws), "up", "feat-01", "--from", "api")
    assert result.exit_code == 2
    assert "expected REPO=VALUE, got 'api'" in result.stderr


def test_version() -> None:
    result = wtdock("--version")
    assert (result.exit_code, result.stdout) == (0, f"wtdock {__version__}\n")


def test_help_lists_the_commands() -> None:
    result = wtdock("--help")
    assert result.exit_code == 0
    assert result.stdout.startswith("Usage: wtdock [OPTIONS] COMMAND [ARGS]...")
    for command in ("up", "ps", "stop", "down", "url", "env", "logs", "exec", "render", "gc", "doctor", "shared"):
        assert f"\n  {command} " in result.stdout


def test_help_of_a_command() -> None:
    result = wtdock("up", "--help")
    assert result.exit_code == 0
    assert "Create or resume a ticket's environment" in result.stdout
    assert "--from" in result.stdout


def test_the_readme_exit_code_table_is_the_code_table() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("| code | meaning |"):].split("\n\n")[0].splitlines()[2:]
    documented = {int(code): meaning for code, meaning in (row.strip("| ").split(" | ", 1) for row in table)}
    assert documented == EXIT_CODES


def test_a_bad_rescue_id_is_one_line_and_a_hint(ws: Path) -> None:
    result = wtdock("-w", str(ws), "rescue", "show", "feat-02")
    assert (result.exit_code, result.stderr) == (
        2, "wtdock: error: 'feat-02' is not a rescue id\n  hint: ids look like feat-02/api/1: `wtdock rescue list`\n"
    )
    result = wtdock("-w", str(ws), "rescue", "restore", "feat-02/web/1")
    assert result.exit_code == 2
    assert result.stderr.startswith("wtdock: error: no rescue feat-02/web/1: no repo 'web' in ")
