"""Corrupt, hollow, truncated and non-UTF-8 files of wtdock's own (issue 14, reliability suite):
each is one error line naming its path (and the key, where there is one), never a traceback, and
never silently read as "nothing there". What test_registry.py and test_config.py check is not
repeated: the truncations, and the files they do not cover."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.unit.helpers import dump_yaml, reference_config, workspace
from wtdock import yamlio
from wtdock.config import load_config
from wtdock.errors import ConfigError, StateError, WtdockError
from wtdock.locks import locked, rw_locked
from wtdock.ops import trust
from wtdock.ops.context import Context
from wtdock.ops.records import ensure_file
from wtdock.ops.rescue import MANIFEST, Manifest, manifests, rescue_dir
from wtdock.ops.secrets import postgres_password, read_password
from wtdock.registry import Registry, RepoRecord, State, TicketRecord, parse_state

pytestmark = pytest.mark.reliability
SUPPRESS = [HealthCheck.function_scoped_fixture]


def one_line(err: WtdockError, path: Path) -> str:
    assert err.message.startswith(str(path)), err.message
    assert "\n" not in err.message, err.message
    return err.message.removeprefix(str(path))


def _config_text(tmp_path: Path) -> bytes:
    path = tmp_path / "full.yaml"
    dump_yaml(reference_config("t1", 10000), path)
    return path.read_bytes()


@settings(suppress_health_check=SUPPRESS, max_examples=60)
@given(st.data())
def test_a_truncated_config_loads_or_names_its_file(tmp_path: Path, data: st.DataObject) -> None:
    full = _config_text(tmp_path)
    cut = data.draw(st.integers(min_value=0, max_value=len(full) - 1))
    path = tmp_path / "wtdock.yaml"
    path.write_bytes(full[:cut])
    try:
        load_config(path)
    except ConfigError as err:
        one_line(err, path)


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        (b"\x00\x01\x02binary", ": not valid YAML: "),
        (b"\xff\xfename: x\n", ": not UTF-8 text (byte 0: invalid start byte)"),
        (b"   \n\n", ": the file is empty"),
        (b"\t\n", ":1: not valid YAML: "),
        (b"- a\n- b\n", ": expected a mapping of keys at the top level"),
        (b"just words\n", ": expected a mapping of keys at the top level"),
        (b"name: [unclosed\n", ":2: not valid YAML: "),
    ],
)
def test_a_garbled_config_names_its_file(tmp_path: Path, raw: bytes, problem: str) -> None:
    path = tmp_path / "wtdock.yaml"
    path.write_bytes(raw)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert one_line(caught.value, path).startswith(problem)


def test_a_config_that_is_a_folder_names_it(tmp_path: Path) -> None:
    path = tmp_path / "wtdock.yaml"
    path.mkdir()
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert one_line(caught.value, path) == ": cannot read: Is a directory"


def _state_bytes() -> bytes:
    repo = RepoRecord(path="/ws/w/t/api", repo_path="/ws/api", git_dir="/ws/api/.git", branch="t",
                      created_worktree=True, created_branch=True)
    state = State(tickets={"t": TicketRecord(name="t", slug="t", created_at="now", repos={"api": repo},
                                             ports={"api": 4001}, redis_db=1, database="app_t")})
    return state.model_dump_json(indent=2).encode()  # without its last newline: any cut loses a '}'


@given(st.integers(min_value=0, max_value=len(_state_bytes()) - 1))
def test_a_truncated_registry_is_never_read_as_fewer_tickets(cut: int) -> None:
    path = Path("/ws/.wtdock/state.json")
    try:
        state = parse_state(path, _state_bytes()[:cut])
    except StateError as err:
        assert one_line(err, path).startswith(": unreadable wtdock state (")
        assert err.exit_code == 4
    else:
        raise AssertionError(f"a cut at {cut} read as {state}")


def test_a_registry_that_is_a_folder_names_it(tmp_path: Path) -> None:
    registry = Registry(tmp_path / "state.json", tmp_path / "locks" / "state.lock")
    registry.path.mkdir()
    with pytest.raises(StateError) as caught:
        registry.read()
    assert one_line(caught.value, registry.path) == ": cannot read: Is a directory"


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        (b"", ": the Postgres password file is empty"),
        (b"\n  \n", ": the Postgres password file is empty"),
        (b"\xff\xfe\x00", ": the Postgres password is not UTF-8 text (byte 0)"),
        (b"abc\x00def\n", ": the Postgres password holds whitespace or control characters"),
        (b"two words\n", ": the Postgres password holds whitespace or control characters"),
    ],
)
def test_a_hollow_or_garbled_password_file_names_it(tmp_path: Path, raw: bytes, problem: str) -> None:
    """An empty password would render every DATABASE_URL without one (and a new one would not
    match the shared Postgres's data): the file is reported, not used, and never replaced."""
    ctx = Context(workspace(reference_config(), root=tmp_path))
    path = ctx.ws.state_dir / "secrets" / "postgres-password"
    path.parent.mkdir(parents=True)
    path.write_bytes(raw)
    with pytest.raises(StateError) as caught:
        postgres_password(ctx)
    assert one_line(caught.value, path) == problem
    assert caught.value.exit_code == 4
    assert path.read_bytes() == raw


def test_a_password_file_that_is_a_folder_names_it(tmp_path: Path) -> None:
    (tmp_path / "postgres-password").mkdir()
    with pytest.raises(StateError) as caught:
        read_password(tmp_path / "postgres-password")
    assert one_line(caught.value, tmp_path / "postgres-password") == (
        ": cannot read the Postgres password: Is a directory"
    )


def test_a_good_password_file_is_read_as_written(tmp_path: Path) -> None:
    (tmp_path / "p").write_text("0123abcd\n", encoding="utf-8")
    assert read_password(tmp_path / "p") == "0123abcd"


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        (b"", "Invalid JSON"),
        (b'{"version": 1, "ticket": "t", "slug": "t", "wh', "Invalid JSON"),
        (b"{}", "Field required at ticket"),
        (b'{"version": 1, "ticket": "caf\xe9", "slug": "t", "when": "now"}', "not UTF-8 text: byte 29"),
    ],
)
def test_a_corrupt_rescue_record_names_its_file_in_one_line(tmp_path: Path, raw: bytes, problem: str) -> None:
    ws = workspace(reference_config(), root=tmp_path)
    path = rescue_dir(ws) / "t" / "20260101T000000Z" / MANIFEST
    path.parent.mkdir(parents=True)
    path.write_bytes(raw)
    with pytest.raises(StateError) as caught:
        manifests(ws)
    assert one_line(caught.value, path).startswith(f": unreadable rescue record ({problem}")


def test_a_good_rescue_record_is_read(tmp_path: Path) -> None:
    ws = workspace(reference_config(), root=tmp_path)
    path = rescue_dir(ws) / "t" / "20260101T000000Z" / MANIFEST
    path.parent.mkdir(parents=True)
    path.write_text(Manifest(ticket="t", slug="t", when="now").model_dump_json(), encoding="utf-8")
    assert [p for p, _ in manifests(ws)] == [path]


@pytest.mark.parametrize("raw", [b"", b'{"/ws/wtdock.yaml": "ab', b'{"x": "caf\xe9"}'])
def test_a_corrupt_trust_store_names_its_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, raw: bytes) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    path = trust.store()
    path.parent.mkdir(parents=True)
    path.write_bytes(raw)
    with pytest.raises(StateError) as caught:
        trust.trust(workspace(reference_config()))
    assert one_line(caught.value, path).startswith(": unreadable (")
    assert path.read_bytes() == raw


LOCKS: dict[str, Callable[[Path], object]] = {
    "file lock": lambda p: locked(p, timeout=1),
    "reader/writer lock": lambda p: rw_locked(p, exclusive=True, timeout=1),
}


@pytest.mark.parametrize("kind", sorted(LOCKS))
def test_a_lock_file_wtdock_cannot_open_names_it(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "locks" / "state.lock"
    path.mkdir(parents=True)
    with pytest.raises(StateError) as caught, LOCKS[kind](path):  # type: ignore[attr-defined]
        pass
    assert one_line(caught.value, path) == ": cannot open the lock file: Is a directory"


@pytest.mark.parametrize("kind", sorted(LOCKS))
def test_a_lock_file_holding_garbage_still_locks(tmp_path: Path, kind: str) -> None:
    """Its content is never read: what a crash or an editor left in it does not matter."""
    path = tmp_path / "state.lock"
    path.write_bytes(b"\xff\x00garbage" + json.dumps({"pid": 1}).encode())
    with LOCKS[kind](path):  # type: ignore[attr-defined]
        pass


@pytest.mark.parametrize("raw", [b"", b"name: \"demo-t\"\nservices:\n  front:\n    image: [", b"\xff\xfe", b"- a\n"])
def test_a_garbled_ticket_compose_file_is_written_again_from_the_registry(tmp_path: Path, raw: bytes) -> None:
    """It is generated (and `up` writes it anew anyway): `stop` and `down` must not stall on it."""
    said: list[str] = []
    ctx = Context(workspace(reference_config(), root=tmp_path), say=said.append)
    (ctx.ws.state_dir / "secrets").mkdir(parents=True)
    (ctx.ws.state_dir / "secrets" / "postgres-password").write_text("0123abcd\n", encoding="utf-8")
    repo = RepoRecord(path=str(tmp_path / "w" / "t" / "front"), repo_path=str(tmp_path / "front"),
                      git_dir=str(tmp_path / "front" / ".git"), branch="t", created_worktree=True,
                      created_branch=True)
    record = TicketRecord(name="t", slug="t", created_at="now", repos={"front": repo}, ports={"front": 3001})
    with ctx.registry.update() as state:
        state.tickets["t"] = record
    file = ensure_file(ctx, record)  # a first one, as `up` writes it
    whole = file.read_bytes()
    file.write_bytes(raw)

    assert ensure_file(ctx, record) == file
    assert file.read_bytes() == whole
    assert len(said) == 1 and said[0].startswith(f"{file}") and said[0].endswith("; written again from the registry")
    ensure_file(ctx, record)
    assert len(said) == 1  # a whole file is left as it is


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        (b'name: "demo-shared"\nservices: {}\n', None),
        (b'name: "demo-other"\nservices: {}\n', ": not the compose file of project demo-shared"),
        (b'name: "demo-shared"\n', ": not the compose file of project demo-shared"),
        (b"", ": not the compose file of project demo-shared"),
        (b"services:\n  a: [\n", ":3: not valid YAML: "),
        (b"\xff", ": not UTF-8 text (byte 0: invalid start byte)"),
    ],
)
def test_a_compose_file_that_is_not_whole_says_why(tmp_path: Path, raw: bytes, problem: str | None) -> None:
    path = tmp_path / "compose.yaml"
    path.write_bytes(raw)
    found = yamlio.compose_problem(path, "demo-shared")
    assert found == problem if problem is None else found is not None and found.startswith(f"{path}{problem}")
