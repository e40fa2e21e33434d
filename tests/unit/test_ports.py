"""Port assignment with an injected ``is_free``: no sockets are opened."""

from __future__ import annotations

from collections.abc import Callable, Collection

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wtdock.errors import UnavailableError
from wtdock.ports import Want, assign, first_free

FRONT = Want(range(3001, 3100), "services.front.host_ports")
API = Want(range(4001, 4100), "services.api.host_ports")


def free_except(*busy: int) -> Callable[[int], bool]:
    return lambda port: port not in busy


def everything_free(_: int) -> bool:
    return True


def test_first_candidates_for_a_new_ticket() -> None:
    assert assign({"front": FRONT, "api": API}, {}, {}, everything_free) == {"front": 3001, "api": 4001}


def test_a_recorded_port_is_kept_while_free() -> None:
    assert assign({"front": FRONT}, {"front": 3050}, {}, everything_free) == {"front": 3050}


def test_a_recorded_port_taken_meanwhile_is_replaced() -> None:
    assert assign({"front": FRONT}, {"front": 3050}, {}, free_except(3050)) == {"front": 3001}


def test_a_recorded_port_outside_a_changed_range_is_replaced() -> None:
    assert assign({"front": FRONT}, {"front": 2999}, {}, everything_free) == {"front": 3001}


def test_ports_held_by_other_tickets_are_skipped_without_probing() -> None:
    asked: list[int] = []

    def is_free(port: int) -> bool:
        asked.append(port)
        return True

    held = {3001: "ticket feat-01", 3002: "ticket feat-02"}
    assert assign({"front": FRONT}, {}, held, is_free) == {"front": 3003}
    assert asked == [3003]


def test_a_new_key_does_not_take_the_recorded_port_of_a_later_key() -> None:
    same = Want(range(5000, 5010), "services.x.host_ports")
    assert assign({"new": same, "old": same}, {"old": 5000}, {}, everything_free) == {"new": 5001, "old": 5000}


def test_keys_of_one_call_never_share_a_port() -> None:
    same = Want(range(5000, 5010), "services.x.host_ports")
    assert assign({"a": same, "b": same}, {}, {}, everything_free) == {"a": 5000, "b": 5001}


def test_an_exhausted_range_names_its_holders() -> None:
    want = Want(range(4001, 4004), "services.api.host_ports")
    held = {4001: "ticket feat-02", 4002: "ticket feat-01", 9999: "ticket far-away"}

    with pytest.raises(UnavailableError) as caught:
        assign({"api": want}, {}, held, free_except(4003))

    assert caught.value.message == (
        "no free port in services.api.host_ports 4001-4003; held by ticket feat-01, ticket feat-02"
    )
    assert caught.value.hint == (
        "widen services.api.host_ports in wtdock.yaml, or `wtdock down` a ticket you no longer need"
    )
    assert caught.value.exit_code == 4


def test_an_exhausted_range_lists_at_most_five_holders() -> None:
    want = Want(range(4001, 4008), "services.api.host_ports")
    held = {port: f"ticket t{port - 4000}" for port in want.candidates}

    with pytest.raises(UnavailableError) as caught:
        assign({"api": want}, {}, held, everything_free)

    assert caught.value.message.endswith("held by ticket t1, ticket t2, ticket t3, ticket t4, ticket t5")


def test_a_range_taken_by_other_programs_has_no_holders() -> None:
    want = Want(range(4001, 4003), "services.api.host_ports")
    with pytest.raises(UnavailableError, match=r"^no free port in services.api.host_ports 4001-4002$"):
        assign({"api": want}, {}, {}, free_except(4001, 4002))


def test_an_exact_port_in_use_by_a_ticket() -> None:
    want = Want(range(3000, 3001), "services.api.shared.host_port")

    with pytest.raises(UnavailableError) as caught:
        assign({"api": want}, {}, {3000: "ticket feat-01"}, everything_free)

    assert caught.value.message == "port 3000 (services.api.shared.host_port) is in use by ticket feat-01"
    assert caught.value.hint == "stop what listens on 3000, or change services.api.shared.host_port in wtdock.yaml"


def test_an_exact_port_in_use_by_another_program() -> None:
    want = Want(range(5432, 5433), "shared.postgres.host_port")
    with pytest.raises(UnavailableError) as caught:
        assign({"postgres": want}, {}, {}, free_except(5432))
    assert caught.value.message == "port 5432 (shared.postgres.host_port) is in use"


def test_first_free_skips_held_and_busy_and_stops_at_the_first_hit() -> None:
    asked: list[int] = []

    def is_free(port: int) -> bool:
        asked.append(port)
        return port != 2

    assert first_free([1, 2, 3, 4], held={1}, is_free=is_free) == 3
    assert asked == [2, 3]


def test_first_free_finds_nothing() -> None:
    assert first_free(range(10, 13), held={10, 11, 12}, is_free=everything_free) is None
    assert first_free([], held=(), is_free=everything_free) is None


@given(
    held=st.sets(st.integers(6000, 6019), max_size=20),
    busy=st.sets(st.integers(6000, 6019), max_size=20),
    recorded=st.dictionaries(st.sampled_from("ab"), st.integers(5995, 6025)),
)
def test_assigned_ports_are_allowed_distinct_unheld_and_free(
    held: Collection[int], busy: Collection[int], recorded: dict[str, int]
) -> None:
    want = Want(range(6000, 6020), "services.x.host_ports")
    try:
        got = assign({"a": want, "b": want}, recorded, dict.fromkeys(held, "t"), free_except(*busy))
    except UnavailableError:
        assert len(set(want.candidates) - set(held) - set(busy)) < 2
        return
    assert len(set(got.values())) == 2
    for key, port in got.items():
        assert port in want.candidates
        assert port not in held
        assert port not in busy
        mine = recorded.get(key)
        usable = mine in want.candidates and mine not in held and mine not in busy
        if usable and not (key == "b" and recorded.get("a") == mine):  # a duplicate goes to "a"
            assert port == mine
