"""Test databases without an engine: their names, their marks, and which databases count as test
databases of a workspace (the only ones drop and gc may touch)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.unit.helpers import reference_config, workspace
from wtdock.ops.context import Context
from wtdock.ops.postgres import quote
from wtdock.ops.test_databases import TestMark, clean_label, marked_test_databases, session_database_name
from wtdock.ops.test_sessions import TestSession
from wtdock.plan.connections import MAX_IDENTIFIER, database_name
from wtdock.registry import DatabaseRecord, State, TicketRecord

SESSION = TestSession("0a1b2c3d", 4242, "build-host")
OTHER = TestSession("99887766", 4243, "build-host")


def test_names_carry_the_base_the_session_and_the_label() -> None:
    assert session_database_name("app", SESSION, "gw0") == "app__t0a1b2c3d_gw0"
    assert session_database_name("app", SESSION, "gw0_t12") == "app__t0a1b2c3d_gw0_t12"
    assert session_database_name("app", SESSION, "gw0", "source") == "app__s0a1b2c3d_gw0"


def test_two_labels_that_clean_to_one_text_get_two_names() -> None:
    names = {session_database_name("app", SESSION, label) for label in ("gw0_t1", "gw0-t1", "GW0_T1", "gw0.t1")}
    assert len(names) == 4
    cleaned = session_database_name("app", SESSION, "gw0-t1")
    assert re.fullmatch(r"app__t0a1b2c3d_gw0_t1_[0-9a-f]{8}", cleaned)


def test_a_long_label_is_cut_to_63_characters_and_stays_unique() -> None:
    base = "a" * 30  # the longest base the config allows
    one = session_database_name(base, SESSION, "tests/test_orders.py::test_refund[" + "x" * 80 + "]")
    two = session_database_name(base, SESSION, "tests/test_orders.py::test_refund[" + "x" * 80 + "y]")
    assert len(one) == len(two) == MAX_IDENTIFIER
    assert one != two
    assert re.fullmatch(rf"{base}__t0a1b2c3d_tests_test_o_[0-9a-f]{{8}}", one)


def test_a_session_id_that_is_not_eight_hex_digits_is_a_bug() -> None:
    with pytest.raises(ValueError, match="not a test session id"):
        session_database_name("app", TestSession("x; DROP", 1, "h"), "gw0")


@given(
    base=st.from_regex(r"[a-z][a-z0-9]{0,9}(_[a-z0-9]{1,5}){0,3}", fullmatch=True),
    label=st.text(max_size=120),
    slug=st.from_regex(r"[a-z0-9]+(-[a-z0-9]+){0,6}", fullmatch=True),
    kind=st.sampled_from(["database", "source"]),
)
def test_any_label_makes_a_valid_identifier_that_no_ticket_or_template_can_have(
    base: str, label: str, slug: str, kind: str
) -> None:
    name = session_database_name(base, SESSION, label, "source" if kind == "source" else "database")
    assert len(name) <= MAX_IDENTIFIER
    assert quote(name) == f'"{name}"'  # the quoting helper accepts it: [a-z0-9_] only
    assert name not in {base, f"{base}__template", database_name(base, slug)}


def test_clean_label_keeps_a_clean_short_label() -> None:
    assert clean_label("gw3", 20) == "gw3"
    assert len(clean_label("g" * 40, 20)) == 20


def test_a_mark_names_kind_session_and_workspace_and_reads_back() -> None:
    mark = TestMark("database", SESSION, "shop")
    assert mark.text == "wtdock: test database of session 0a1b2c3d.4242.build-host in workspace shop"
    assert TestMark.parse(mark.text) == mark
    assert TestMark.parse(TestMark("source", OTHER, "shop").text) == TestMark("source", OTHER, "shop")


@pytest.mark.parametrize(
    "comment",
    [
        "",
        "wtdock: database of ticket t1 in workspace shop",  # a ticket's: never a test database
        "wtdock: test database of session nothex.1.h in workspace shop",
        "wtdock: test database of session 0a1b2c3d.4242.build-host in workspace shop (copied by hand)",
        "my notes\nwtdock: test database of session 0a1b2c3d.4242.build-host in workspace shop",
        "wtdock: test clone of session 0a1b2c3d.4242.build-host in workspace shop",
    ],
)
def test_any_other_comment_is_no_mark(comment: str) -> None:
    assert TestMark.parse(comment) is None


def _ctx(tmp_path: Path, state: State) -> Context:
    ctx = Context(workspace(reference_config("shop"), root=tmp_path))
    with ctx.registry.update() as stored:
        stored.tickets = state.tickets
        stored.databases = state.databases
    return ctx


def test_only_marked_and_named_test_databases_of_this_workspace_count(tmp_path: Path) -> None:
    ticket = TicketRecord(name="t1", slug="t1", created_at="now", database="app_t1")
    state = State(tickets={"t1": ticket}, databases={"app_kept": DatabaseRecord(ticket="old", created_at="now")})
    ctx = _ctx(tmp_path, state)
    mine = TestMark("database", SESSION, "shop").text
    comments = {
        "app__t0a1b2c3d_gw0": mine,
        "app__s0a1b2c3d_gw0": TestMark("source", SESSION, "shop").text,
        "app__t99887766_gw0": TestMark("database", OTHER, "other-shop").text,  # another workspace's
        # A test mark copied by hand onto what wtdock holds for something else, or onto a database
        # not named as a test database: none of them may ever be dropped as one.
        "app": mine,
        "app__template": mine,
        "app_t1": mine,
        "app_kept": mine,
        "orders": mine,
        "app__t0a1b2c3d_unmarked": "",
    }
    found = marked_test_databases(ctx, comments)
    assert found == {
        "app__t0a1b2c3d_gw0": TestMark("database", SESSION, "shop"),
        "app__s0a1b2c3d_gw0": TestMark("source", SESSION, "shop"),
    }
