"""Ticket names: what is refused (with which words), and the slug an accepted name becomes."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wtdock.errors import TicketNameError
from wtdock.names import MAX_TICKET_LENGTH, ticket_slug

SLUG = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")
HINT = "use letters, digits, '.', '_', '-' and '/', e.g. feat-02 or feat/dashboard-filters"


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("feat/Dashboard_Filters", "feat-dashboard-filters"),
        ("feat-02", "feat-02"),
        ("FEAT-02", "feat-02"),
        ("JIRA-1234", "jira-1234"),
        ("fix/v1.2/crash", "fix-v1-2-crash"),
        ("a__b--c", "a-b-c"),
        ("_x_", "x"),
        ("sharedx", "sharedx"),
        ("my-shared", "my-shared"),
        ("a" * MAX_TICKET_LENGTH, "a" * MAX_TICKET_LENGTH),
    ],
)
def test_slug_of_an_accepted_name(name: str, slug: str) -> None:
    assert ticket_slug(name) == slug


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("", "it is empty"),
        ("a" * (MAX_TICKET_LENGTH + 1), "it is longer than 40 characters"),
        ("bad name", "it contains whitespace or control characters"),
        ("tab\there", "it contains whitespace or control characters"),
        ("new\nline", "it contains whitespace or control characters"),
        ("nul\x00byte", "it contains whitespace or control characters"),
        ("del\x7f", "it contains whitespace or control characters"),
        ("-rf", "it starts with '-'"),
        ("a..b", "it contains '..'"),
        ("/feat", "it has a path separator at the start or end, or doubled"),
        ("feat/", "it has a path separator at the start or end, or doubled"),
        ("feat//x", "it has a path separator at the start or end, or doubled"),
        ("feat\\x", "it contains a backslash"),
        ("feat@{1}", "it contains characters other than letters, digits, '.', '_', '-' and '/'"),
        ("a:b", "it contains characters other than letters, digits, '.', '_', '-' and '/'"),
        ("caf\u00e9", "it contains characters other than letters, digits, '.', '_', '-' and '/'"),
        (".hidden", "a part starts or ends with '.' or ends with '.lock' (not a valid git branch)"),
        ("feat/.x", "a part starts or ends with '.' or ends with '.lock' (not a valid git branch)"),
        ("feat.", "a part starts or ends with '.' or ends with '.lock' (not a valid git branch)"),
        ("x.lock", "a part starts or ends with '.' or ends with '.lock' (not a valid git branch)"),
        ("x.lock/y", "a part starts or ends with '.' or ends with '.lock' (not a valid git branch)"),
    ],
)
def test_refused_names_say_why(name: str, problem: str) -> None:
    with pytest.raises(TicketNameError) as caught:
        ticket_slug(name)
    assert caught.value.message == f"invalid ticket name {name!r}: {problem}"
    assert caught.value.hint == HINT
    assert caught.value.exit_code == 2


def test_a_name_without_letters_or_digits_is_refused() -> None:
    with pytest.raises(TicketNameError, match=r"^ticket name '_' has no letters or digits$"):
        ticket_slug("_")


@pytest.mark.parametrize("name", ["shared", "Shared", "shared-x", "shared_x", "shared/x", "SHARED.db"])
def test_names_of_the_shared_project_are_reserved(name: str) -> None:
    with pytest.raises(TicketNameError) as caught:
        ticket_slug(name)
    assert caught.value.message == (
        f"ticket name {name!r} is reserved: 'shared' names the shared-services project"
    )
    assert caught.value.hint == "pick another name"


@given(st.text(alphabet="abzAZ09._/-", min_size=1, max_size=MAX_TICKET_LENGTH + 2))
def test_every_accepted_name_gives_a_short_clean_slug(name: str) -> None:
    try:
        slug = ticket_slug(name)
    except TicketNameError:
        return
    assert SLUG.match(slug), slug
    assert "--" not in slug
    assert len(slug) <= len(name)


@given(st.text(max_size=50))
def test_any_text_is_accepted_or_refused_with_a_ticket_name_error(name: str) -> None:
    try:
        slug = ticket_slug(name)
    except TicketNameError as err:
        assert repr(name) in err.message
    else:
        assert SLUG.match(slug)
