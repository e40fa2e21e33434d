"""wtdock.testing.containers without an engine: names, the cost of importing it, and the error when
the `pytest` extra is missing."""

from __future__ import annotations

import importlib
import re
import sys

import pytest

from wtdock import engine
from wtdock.errors import MissingExtraError
from wtdock.ops.test_sessions import TestSession
from wtdock.testing.containers import container_name, image_hint, ticket_container
from wtdock.testing.info import TicketInfo


def test_a_name_reads_as_project_test_hint_and_four_hex_digits() -> None:
    assert re.fullmatch(r"demo-feat-02-test-smtp-[0-9a-f]{4}", container_name("demo-feat-02", "smtp"))
    assert container_name("demo-t1", "x") != container_name("demo-t1", "x")


def test_a_name_stays_one_dns_label_and_keeps_its_random_part() -> None:
    name = container_name("p" * 80, "Mail Pit!")
    assert len(name) <= 63
    assert re.fullmatch(r"p+-[0-9a-f]{4}", name)
    assert re.fullmatch(r"demo-test-mail-pit-[0-9a-f]{4}", container_name("demo", "Mail Pit!"))
    assert re.fullmatch(r"demo-test-container-[0-9a-f]{4}", container_name("demo", "__"))


@pytest.mark.parametrize(
    ("image", "hint"),
    [
        ("wtdock-standin/runtime:1", "runtime"),
        ("axllent/mailpit", "mailpit"),
        ("registry.local:5000/team/smtp:1.2@sha256:abcd", "smtp"),
        ("python", "python"),
    ],
)
def test_a_hint_is_the_images_own_name(image: str, hint: str) -> None:
    assert image_hint(image) == hint


def test_removing_by_no_label_at_all_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one label"):
        engine.remove_containers()


def test_the_helpers_import_without_testcontainers_or_docker(monkeypatch: pytest.MonkeyPatch) -> None:
    # The pytest plugin loads them in every test run; docker is made unimportable by conftest.
    _without_testcontainers(monkeypatch)
    monkeypatch.delitem(sys.modules, "wtdock.testing.containers")
    fresh = importlib.import_module("wtdock.testing.containers")
    assert fresh.remove_test_containers and fresh.orphan_test_containers


def test_without_testcontainers_a_container_asks_for_the_pytest_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    _without_testcontainers(monkeypatch)
    info = TicketInfo("t1", "demo", "demo-t1", "demo-net", {}, {}, {}, None, None, None)
    with pytest.raises(MissingExtraError) as caught:
        ticket_container(info, "python", TestSession.new())
    assert (caught.value.exit_code, caught.value.kind, str(caught.value)) == (
        2, "missing_extra",
        "wtdock's test containers need testcontainers, which is not installed: pip install 'wtdock[pytest]'",
    )


def _without_testcontainers(monkeypatch: pytest.MonkeyPatch) -> None:
    """As if it were not installed: None in sys.modules fails its import, also when loaded already."""
    for name in [m for m in sys.modules if m.partition(".")[0] == "testcontainers"] + ["testcontainers"]:
        monkeypatch.setitem(sys.modules, name, None)
