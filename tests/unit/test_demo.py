"""`wtdock demo`'s pure parts: which images, which ports, its config, its folder; and that it never
touches a folder it did not make (no engine: the unit conftest fails any engine call)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from wtdock.cli.app import app
from wtdock.config.model import Config
from wtdock.demo import config as demo
from wtdock.demo.config import OFFICIAL, STANDINS, Ports, choose_images, choose_ports, demo_config, missing
from wtdock.errors import RefusedError, UnavailableError
from wtdock.ops.demo import MARKER, default_dir, demo_down, demo_up

ALL_OFFICIAL = set(OFFICIAL.needed)
ALL_STANDINS = set(STANDINS.needed)


def no_pull(tags: list[str]) -> str | None:
    raise AssertionError(f"pulled {tags}")


def test_official_images_that_are_here_are_used_without_a_pull() -> None:
    assert choose_images("auto", ALL_OFFICIAL | ALL_STANDINS, no_pull) == (OFFICIAL, None)


def test_missing_official_images_are_pulled_and_used() -> None:
    pulled: list[str] = []
    found = choose_images("auto", {"postgres:16-alpine"}, pulled.extend)
    assert found == (OFFICIAL, None)
    assert pulled == ["redis:7-alpine", "nats:2.10-alpine", "python:3.12-slim"]


def test_without_a_registry_the_stand_ins_are_used_and_it_says_so() -> None:
    images, note = choose_images("auto", ALL_STANDINS, lambda _: "no such host")
    assert images == STANDINS
    assert note == "the official images could not be pulled; using the local stand-ins wtdock-standin/*"


def test_without_a_registry_or_stand_ins_it_names_the_ways_out() -> None:
    with pytest.raises(UnavailableError) as caught:
        choose_images("auto", {"wtdock-standin/runtime:1"}, lambda _: "no such host")
    assert caught.value.message == (
        "the official images could not be pulled (no such host), and the stand-in images are not here either: "
        "wtdock-standin/postgres:16, wtdock-standin/redis:7, wtdock-standin/nats:2.10"
    )
    assert "scripts/build-standins" in (caught.value.hint or "")
    assert "WTDOCK_IMAGE_POSTGRES" in (caught.value.hint or "")


def test_asked_for_official_images_never_falls_back() -> None:
    with pytest.raises(UnavailableError, match="could not be pulled: no such host"):
        choose_images("official", ALL_STANDINS, lambda _: "no such host")


def test_asked_for_stand_ins_never_pulls() -> None:
    assert choose_images("standin", ALL_STANDINS, no_pull) == (STANDINS, None)


def test_hub_prefixes_name_the_same_image() -> None:
    assert missing(OFFICIAL, {"docker.io/library/postgres:16-alpine", "redis:7-alpine"}) == [
        "nats:2.10-alpine", "python:3.12-slim",
    ]


def test_the_documented_ports_when_free() -> None:
    assert choose_ports(3000, lambda _: True) == (Ports(3000, "3001-3099", "4001-4099"), None)


def test_a_taken_shared_port_moves_between_the_ticket_ranges_and_says_so() -> None:
    found = choose_ports(5000, lambda port: port not in (5000, 5100))
    assert found == (Ports(5200, "5001-5099", "6001-6099"), "port 5000 is taken; the shared API uses 5200")


def test_no_free_shared_port_names_the_option() -> None:
    with pytest.raises(UnavailableError) as caught:
        choose_ports(3000, lambda _: False)
    assert caught.value.hint == "pick other ports with `wtdock demo --port-base N`"


@pytest.mark.parametrize("images", [OFFICIAL, STANDINS])
def test_the_config_is_valid(images: demo.DemoImages) -> None:
    config = Config.model_validate(demo_config("wtdock-demo", Ports.at(3000), images))
    assert config.services["api"].shared is not None
    assert config.services["api"].shared.host_port == 3000
    assert config.services["api"].uses == ["postgres", "redis", "events"]


def test_official_images_build_the_api_and_leave_the_shared_images_to_the_defaults() -> None:
    config = demo_config("d", Ports.at(3000), OFFICIAL)
    assert config["services"]["api"]["build"] == demo.RUNTIME_CONTEXT
    assert config["services"]["front"]["image"] == "python:3.12-slim"
    assert "images" not in config


def test_stand_ins_pin_every_image() -> None:
    config = demo_config("d", Ports.at(3000), STANDINS)
    assert config["images"] == STANDINS.shared
    assert config["services"]["api"]["image"] == "wtdock-standin/runtime:1"


def test_the_default_folder_follows_xdg(tmp_path: Path) -> None:
    assert default_dir({"XDG_DATA_HOME": str(tmp_path)}) == tmp_path / "wtdock" / "demo"
    assert default_dir({}) == Path.home() / ".local" / "share" / "wtdock" / "demo"


def test_a_folder_it_did_not_make_is_never_removed(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine\n")
    with pytest.raises(RefusedError, match="was not made by `wtdock demo`"):
        demo_down(tmp_path)
    assert (tmp_path / "notes.txt").read_text() == "mine\n"


def test_a_bad_marker_is_refused_not_trusted(tmp_path: Path) -> None:
    (tmp_path / MARKER).write_text(json.dumps({"wtdock_demo": 99}))
    with pytest.raises(RefusedError, match="is not a wtdock demo marker"):
        demo_down(tmp_path)
    assert (tmp_path / MARKER).exists()


def test_a_marked_folder_without_a_workspace_is_removed(tmp_path: Path) -> None:
    root = tmp_path / "demo"
    root.mkdir()
    (root / MARKER).write_text(json.dumps({"wtdock_demo": 1, "workspace": "wtdock-demo"}))
    assert demo_down(root).removed == (f"folder {root}",)
    assert not root.exists()


def test_no_folder_is_nothing_to_remove(tmp_path: Path) -> None:
    assert demo_down(tmp_path / "gone").removed == ()


def test_it_does_not_move_into_a_folder_of_someone_else(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine\n")
    with pytest.raises(RefusedError, match="is not empty and was not made by `wtdock demo`"):
        demo_up(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_the_cli_refusal_is_one_line_and_a_hint(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine\n")
    result = CliRunner().invoke(app, ["demo", str(tmp_path), "--down"])
    assert result.exit_code == 3
    assert result.stderr == (
        f"wtdock: error: {tmp_path} was not made by `wtdock demo` (no {MARKER} in it); not removing it\n"
        "  hint: give the folder `wtdock demo` printed: `wtdock demo DIR --down`\n"
    )


def test_a_bad_name_is_refused_before_anything_is_made(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["demo", str(tmp_path / "d"), "--name", "My Demo"])
    assert result.exit_code == 2
    assert result.stderr.startswith("wtdock: error: --name 'My Demo' cannot name a workspace\n")
    assert not (tmp_path / "d").exists()


def test_a_bad_image_kind_is_bad_input(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["demo", str(tmp_path / "d"), "--images", "mirror"])
    assert result.exit_code == 2
    assert "expected auto, official or standin, got 'mirror'" in result.stderr
