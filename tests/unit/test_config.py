"""wtdock.yaml: every mistake is one line naming the file, the line and the dotted key; every key
has a working default; the file is found from any folder below it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from wtdock.config import PortRange, find_config, load_config
from wtdock.errors import ConfigError

WriteConfig = Callable[[str], Path]

API_REPO = "repos:\n  api: {path: api}\n"


def error_of(path: Path) -> str:
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.exit_code == 2
    return caught.value.message


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        pytest.param(
            API_REPO + "worktree: x\n",
            "3: worktree",
            "unknown key (allowed: name, repos, services, shared, images, worktrees, branch, bind, wait_timeout, "
            "network, ca_bundle, agents)",
            id="unknown top-level key",
        ),
        pytest.param(
            API_REPO + "services:\n  api:\n    repo: api\n    image: x\n    imagee: y\n",
            "7: services.api.imagee",
            "unknown key (allowed: repo, workdir, image, build, command, port, host_ports, environment, "
            "healthcheck, shared, uses, isolation, env_names, setup, inputs, dependencies, migrate, ticket, poll)",
            id="unknown service key",
        ),
        pytest.param(
            API_REPO + "shared:\n  postgres:\n    hostport: 1\n",
            "5: shared.postgres.hostport",
            "unknown key (allowed: enabled, host_port, user, database)",
            id="unknown nested key",
        ),
        pytest.param(
            API_REPO + "services:\n  api:\n    repo: api\n    image: x\n    port: 80\n    host_ports: 4099-4001\n",
            "8: services.api.host_ports",
            "expected a port range like 4001-4099, got '4099-4001'",
            id="reversed port range",
        ),
        pytest.param(
            API_REPO + "services:\n  api:\n    repo: api\n    image: x\n    port: 80\n    host_ports: 70000\n",
            "8: services.api.host_ports",
            "expected a port range like 4001-4099, got 70000",
            id="port out of range",
        ),
        pytest.param(
            API_REPO + "services:\n  api:\n    repo: api\n    image: x\n    port: 80\n    host_ports: lots\n",
            "8: services.api.host_ports",
            "expected a port range like 4001-4099, got 'lots'",
            id="not a range",
        ),
        pytest.param(
            API_REPO + "services:\n  api:\n    repo: api\n    image: x\n    build: .\n",
            "4: services.api",
            "give exactly one of 'image' or 'build'",
            id="image and build",
        ),
        pytest.param(
            API_REPO + "services:\n  api:\n    repo: api\n",
            "4: services.api",
            "give exactly one of 'image' or 'build'",
            id="neither image nor build",
        ),
        pytest.param(
            API_REPO + "services:\n  api:\n    repo: api\n    image: x\n    port: 80\n",
            "4: services.api",
            "'port' needs 'host_ports', the host range for tickets, e.g. 4001-4099",
            id="port without host_ports",
        ),
        pytest.param(
            API_REPO + "services:\n  api:\n    repo: apx\n    image: x\n",
            "5: services.api.repo",
            "no repo 'apx' (repos: api)",
            id="unknown repo",
        ),
        pytest.param(
            API_REPO + "services:\n  api:\n    repo: api\n    image: x\n"
            "    environment:\n      URL: '{{ services.nope.url }}'\n",
            "8: services.api.environment.URL",
            "{{ services.nope.url }}: no service 'nope'",
            id="reference to an unknown service",
        ),
        pytest.param(
            API_REPO + "services:\n  api:\n    repo: api\n    image: x\n"
            "    environment:\n      PG: '{{ shared.postgres.nope }}'\n",
            "8: services.api.environment.PG",
            "{{ shared.postgres.nope }}: unknown field 'nope' (allowed: url, host, port, user, password, database)",
            id="unknown field of a shared service",
        ),
        pytest.param(
            API_REPO + "services:\n  postgres:\n    repo: api\n    image: x\n",
            "4: services.postgres",
            "'postgres' names a shared service; pick another name",
            id="reserved service name",
        ),
        pytest.param(
            API_REPO + "services:\n  API_x:\n    repo: api\n    image: x\n",
            "4: services.API_x",
            "'API_x' does not match ^[a-z0-9][a-z0-9-]*$",
            id="bad service name",
        ),
        pytest.param(
            "name: Bad Name\n",
            "1: name",
            "'Bad Name' does not match ^[a-z0-9][a-z0-9_-]*$",
            id="bad workspace name",
        ),
        pytest.param(
            "repos:\n  api: {base: main}\n",
            "2: repos.api.path",
            "required key is missing",
            id="missing required key",
        ),
        pytest.param(
            "shared:\n  events: {engine: kafka}\n",
            "2: shared.events.engine",
            "'kafka' is not allowed: 'nats', 'redpanda' or 'none'",
            id="value not in a list",
        ),
        pytest.param(
            API_REPO + "shared:\n  redis: {enabled: false}\nservices:\n  api:\n    repo: api\n    image: x\n"
            "    uses: [redis]\n",
            "9: services.api.uses",
            "shared redis is disabled",
            id="uses a disabled shared service",
        ),
        pytest.param(
            API_REPO + "services:\n  api:\n    repo: api\n    image: x\n    env_names:\n      DATABSE_URL: DB\n",
            "4: services.api",
            "'env_names' can rename only DATABASE_URL, PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE, REDIS_URL, "
            "NATS_URL, EVENTS_PREFIX, EVENTS_STREAM, KAFKA_BROKERS, KAFKA_TOPIC_PREFIX, KAFKA_CONSUMER_GROUP; "
            "not DATABSE_URL",
            id="env_names of a setting wtdock does not inject",
        ),
        pytest.param(
            API_REPO + "branch: feat/x\n",
            "3: branch",
            "the branch pattern must contain {ticket}",
            id="branch pattern without the ticket",
        ),
        pytest.param(
            API_REPO + "services:\n  api:\n    repo: api\n    build:\n      context: .\n      dockerfil: x\n",
            "8: services.api.build.dockerfil",
            "unknown key (allowed: context, dockerfile) (and 1 more)",
            id="unknown key in one member of a union",
        ),
        pytest.param(
            API_REPO + "services:\n  api:\n    repo: api\n    build:\n      dockerfile: x\n",
            "6: services.api.build.context",
            "required key is missing (and 1 more)",
            id="missing key in one member of a union",
        ),
        pytest.param(
            API_REPO + "services:\n  api:\n    repo: api\n    image: x\n    environment:\n      A:\n",
            "8: services.api.environment.A",
            "Input should be a valid string (and 3 more)",
            id="value that fits no member of a union",
        ),
        pytest.param(
            API_REPO + "bind: localhost\n",
            "3: bind",
            "expected an IPv4 address such as 127.0.0.1 or 0.0.0.0, got 'localhost'",
            id="bind is not an address",
        ),
        pytest.param(
            API_REPO + "network:\n  subnet: 10.213.0.1/20\n",
            "4: network.subnet",
            "expected `auto` or an IPv4 subnet such as 10.213.0.0/20, got '10.213.0.1/20' "
            "(10.213.0.1/20 has host bits set)",
            id="a subnet written with a host address",
        ),
        pytest.param(
            API_REPO + "network:\n  subnet: 10.213.0.0/25\n",
            "4: network.subnet",
            "10.213.0.0/25 is too small: wtdock needs at least a /24 (256 addresses)",
            id="a subnet too small for tickets",
        ),
        pytest.param(
            API_REPO + "network:\n  subnet: fd00::/64\n",
            "4: network.subnet",
            "expected `auto` or an IPv4 subnet such as 10.213.0.0/20, got 'fd00::/64' "
            "(Expected 4 octets in 'fd00::')",
            id="an IPv6 subnet",
        ),
        pytest.param(
            API_REPO + "shared:\n  postgres:\n    database: template1\n",
            "5: shared.postgres.database",
            "'template1' is Postgres's own database; name the app's database, e.g. 'app'",
            id="a system database as the base",
        ),
        pytest.param(
            API_REPO + "shared:\n  postgres:\n    database: app_\n",
            "5: shared.postgres.database",
            "'app_' does not match ^[a-z][a-z0-9]*(_[a-z0-9]+)*$",
            id="a base database name that could meet a ticket's",
        ),
        pytest.param(
            API_REPO + "branch: 'wt/{ticket}/{user}'\n",
            "3: branch",
            "the branch pattern may hold {ticket} and no other {...}",
            id="branch pattern with an unknown field",
        ),
        pytest.param(
            API_REPO + "branch: 'x/{ticket}{ticket.a}'\n",
            "3: branch",
            "the branch pattern may hold {ticket} and no other {...}",
            id="branch pattern with an attribute",
        ),
        pytest.param(
            API_REPO + "branch: 'x/{ticket}-{ticket!r}'\n",
            "3: branch",
            "the branch pattern may hold {ticket} and no other {...}",
            id="branch pattern with a conversion",
        ),
        pytest.param(
            API_REPO + "branch: 'x/{ticket}}'\n",
            "3: branch",
            "the branch pattern may hold {ticket} and no other {...}",
            id="branch pattern with a stray brace",
        ),
        pytest.param(
            API_REPO + "foo: 1\nbar: 2\n",
            "3: foo",
            "unknown key (allowed: name, repos, services, shared, images, worktrees, branch, bind, wait_timeout, "
            "network, ca_bundle, agents) (and 1 more)",
            id="several problems",
        ),
    ],
)
def test_a_bad_config_is_one_line_naming_file_line_and_key(
    write_config: WriteConfig, text: str, where: str, message: str
) -> None:
    path = write_config(text)
    assert error_of(path) == f"{path}:{where}: {message}"


def test_overlapping_host_port_ranges_name_both_keys(write_config: WriteConfig) -> None:
    service = "    repo: api\n    image: x\n    port: 80\n"
    path = write_config(
        API_REPO + "services:\n"
        f"  front:\n{service}    host_ports: 3001-3099\n"
        f"  api:\n{service}    host_ports: 3050-3150\n"
    )
    assert error_of(path) == (
        f"{path}:13: services.api.host_ports: 3050-3150 overlaps services.front.host_ports (3001-3099); "
        "give each service its own range"
    )


def test_the_error_carries_a_hint(write_config: WriteConfig) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(write_config(API_REPO + "foo: 1\n"))
    assert caught.value.hint == "see the config reference in README.md"


def test_invalid_yaml_names_the_line(write_config: WriteConfig) -> None:
    path = write_config("repos:\n  api: {path: api\nservices: []\n")
    assert error_of(path) == f"{path}:3: not valid YAML: expected ',' or '}}', but got ':'"


def test_a_list_at_the_top_is_refused(write_config: WriteConfig) -> None:
    path = write_config("- a\n- b\n")
    assert error_of(path) == f"{path}: expected a mapping of keys at the top level"


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "wtdock.yaml"
    assert error_of(path) == f"{path}: cannot read: No such file or directory"


def test_only_repos_gives_every_default(tmp_path: Path) -> None:
    path = tmp_path / "My Shop!" / "wtdock.yaml"
    path.parent.mkdir()
    path.write_text("repos:\n  api:\n    path: ../api\n", encoding="utf-8")

    config = load_config(path)

    assert config.name == "my-shop"
    assert config.repos["api"].path == "../api"
    assert config.repos["api"].base is None  # the repo's own default branch, found in git
    assert config.services == {}
    assert config.images == {}
    assert (config.worktrees, config.branch, config.bind, config.wait_timeout) == (
        ".wtdock/worktrees", "{ticket}", "127.0.0.1", 300
    )
    pg, redis, events = config.shared.postgres, config.shared.redis, config.shared.events
    assert (pg.enabled, pg.host_port, pg.user, pg.database) == (True, 5432, "wtdock", "app")
    assert (redis.enabled, redis.host_port, redis.databases) == (True, 6379, 256)
    assert (events.engine, events.enabled, events.preferred_port) == ("nats", True, 4222)
    assert config.network.subnet == "auto"


def test_a_subnet_may_be_given(write_config: WriteConfig) -> None:
    assert load_config(write_config("network:\n  subnet: 10.213.0.0/20\n")).network.subnet == "10.213.0.0/20"


@pytest.mark.parametrize("text", ["", "# only a comment\n", "{}\n", "---\n"])
def test_an_empty_file_is_refused(write_config: WriteConfig, text: str) -> None:
    path = write_config(text)
    assert error_of(path) == f"{path}: the file is empty"


def test_bytes_that_are_not_utf8_name_the_file(write_config: WriteConfig) -> None:
    path = write_config("")
    path.write_bytes(b"name: caf\xe9\n")
    assert error_of(path) == f"{path}: not UTF-8 text (byte 9: invalid continuation byte)"


def test_a_given_name_wins_over_the_folder(write_config: WriteConfig) -> None:
    assert load_config(write_config("name: shop\n")).name == "shop"


@pytest.mark.parametrize(
    ("written", "parsed"),
    [("4001-4099", PortRange(4001, 4099)), (" 4001 - 4099 ", PortRange(4001, 4099)), ("4001", PortRange(4001, 4001))],
)
def test_port_ranges(write_config: WriteConfig, written: str, parsed: PortRange) -> None:
    text = API_REPO + f"services:\n  api:\n    repo: api\n    image: x\n    port: 80\n    host_ports: {written}\n"
    assert load_config(write_config(text)).services["api"].host_ports == parsed


def test_a_valid_reference_config_loads(write_config: WriteConfig) -> None:
    text = API_REPO + (
        "services:\n"
        "  api:\n    repo: api\n    build: {context: api, dockerfile: Dockerfile.dev}\n"
        "    port: 8000\n    host_ports: 4001-4099\n    uses: [postgres]\n"
        "    environment:\n      SELF: '{{ services.api.url }}'\n      DB: '{{ shared.postgres.url }}'\n"
        "      T: '{{ ticket.slug }}-{{ workspace.name }}'\n      DEBUG: true\n"
    )
    api = load_config(write_config(text)).services["api"]
    assert api.environment["DEBUG"] is True
    assert api.uses == ["postgres"]


# --- finding the file -------------------------------------------------------------------------


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    (tmp_path / "ws" / "front" / "src").mkdir(parents=True)
    (tmp_path / "ws" / "wtdock.yaml").write_text("repos: {}\n", encoding="utf-8")
    return tmp_path / "ws"


def test_found_by_walking_up_from_a_subfolder(ws: Path) -> None:
    assert find_config(ws / "front" / "src") == ws.resolve() / "wtdock.yaml"


def test_not_found_anywhere_above(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        find_config(tmp_path)
    assert caught.value.message == f"no wtdock.yaml in {tmp_path} or any folder above it"
    assert caught.value.hint == "cd into a workspace, or pass --workspace / set WTDOCK_WORKSPACE"


def test_workspace_may_name_the_folder(ws: Path, tmp_path: Path) -> None:
    assert find_config(tmp_path, str(ws)) == ws.resolve() / "wtdock.yaml"


def test_workspace_may_name_a_file_of_another_name(ws: Path, tmp_path: Path) -> None:
    other = ws / "staging.yaml"
    other.write_text("repos: {}\n", encoding="utf-8")
    assert find_config(tmp_path, str(other)) == other.resolve()


def test_workspace_relative_to_the_current_folder(ws: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert find_config(Path("/"), "ws") == ws.resolve() / "wtdock.yaml"


def test_workspace_from_the_environment(ws: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WTDOCK_WORKSPACE", str(ws))
    assert find_config(tmp_path) == ws.resolve() / "wtdock.yaml"


def test_a_workspace_folder_without_config(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        find_config(Path("/"), str(tmp_path))
    assert caught.value.message == f"{tmp_path.resolve()}/wtdock.yaml: no such file"
    assert caught.value.hint == "--workspace takes a folder holding wtdock.yaml"
