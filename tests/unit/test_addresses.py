"""The workspace network's address plan and the assignment of static addresses (pure)."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wtdock.errors import UnavailableError
from wtdock.plan.addresses import Layout, assign, hosts_entries


def test_the_layout_of_a_20() -> None:
    layout = Layout.of("192.168.128.0/20")
    assert str(layout.gateway) == "192.168.128.1"
    shared, tickets = list(layout.addresses("shared")), list(layout.addresses("tickets"))
    assert (shared[0], shared[-1], len(shared)) == ("192.168.128.2", "192.168.128.63", 62)
    assert (tickets[0], tickets[-1], len(tickets)) == ("192.168.128.64", "192.168.139.255", 3008)
    # The engine's dynamic range is the last quarter: it never meets a static address.
    assert str(layout.dynamic) == "192.168.140.0/22"
    assert ipaddress.IPv4Address(tickets[-1]) + 1 == layout.dynamic.network_address


@pytest.mark.parametrize(("subnet", "tickets", "dynamic"), [
    ("10.213.0.0/24", 128, "10.213.0.192/26"),
    ("172.18.0.0/16", 49088, "172.18.192.0/18"),
])
def test_the_layout_scales_with_the_subnet(subnet: str, tickets: int, dynamic: str) -> None:
    layout = Layout.of(subnet)
    assert len(layout.region("tickets")) == tickets
    assert str(layout.dynamic) == dynamic


def test_holds_knows_each_region() -> None:
    layout = Layout.of("10.213.0.0/24")
    assert layout.holds("shared", "10.213.0.2")
    assert not layout.holds("shared", "10.213.0.1")  # the gateway
    assert layout.holds("tickets", "10.213.0.64")
    assert not layout.holds("tickets", "10.213.0.192")  # dynamic
    assert not layout.holds("tickets", "10.214.0.70")  # another subnet (a network made again)
    assert not layout.holds("tickets", "not an address")


def test_a_recorded_address_stays_and_new_services_get_the_lowest_free() -> None:
    layout = Layout.of("10.213.0.0/24")
    got = assign(["front", "api"], {"api": "10.213.0.70"}, layout, "tickets", taken={"10.213.0.64"})
    assert got == {"front": "10.213.0.65", "api": "10.213.0.70"}


def test_a_recorded_address_someone_else_holds_or_outside_the_subnet_is_replaced() -> None:
    layout = Layout.of("10.213.0.0/24")
    recorded = {"front": "10.213.0.64", "api": "10.99.0.64"}
    got = assign(["front", "api"], recorded, layout, "tickets", taken={"10.213.0.64"})
    assert got == {"front": "10.213.0.65", "api": "10.213.0.66"}


def test_services_no_longer_wanted_lose_their_address() -> None:
    layout = Layout.of("10.213.0.0/24")
    assert assign(["front"], {"front": "10.213.0.64", "api": "10.213.0.65"}, layout, "tickets", taken=()) == {
        "front": "10.213.0.64"
    }


def test_a_full_region_is_an_error_that_says_what_to_do() -> None:
    layout = Layout.of("10.213.0.0/24")
    taken = set(layout.addresses("shared"))
    with pytest.raises(UnavailableError) as caught:
        assign(["postgres"], {}, layout, "shared", taken=taken, what="the shared services")
    assert caught.value.message == "no free address left for the shared services in the shared region of 10.213.0.0/24"
    assert "network.subnet" in (caught.value.hint or "")


@given(
    st.lists(st.integers(0, 300), max_size=60),
    st.dictionaries(st.sampled_from([f"s{i}" for i in range(8)]), st.integers(0, 255), max_size=8),
)
def test_assigned_addresses_are_distinct_free_and_in_the_region(
    taken_offsets: list[int], recorded: dict[str, int]
) -> None:
    layout = Layout.of("10.213.0.0/24")
    base = layout.subnet.network_address
    taken = {str(base + o) for o in taken_offsets if o < 256}
    wanted = [f"s{i}" for i in range(8)]
    got = assign(wanted, {k: str(base + o) for k, o in recorded.items()}, layout, "tickets", taken=taken)
    assert sorted(got) == sorted(wanted)
    assert len(set(got.values())) == len(wanted)
    assert not set(got.values()) & taken
    assert all(layout.holds("tickets", a) for a in got.values())
    # A recorded address stays, unless taken, outside the region, or kept by a service before it.
    kept: set[str] = set()
    for key in wanted:
        address = str(base + recorded[key]) if key in recorded else None
        if address and layout.holds("tickets", address) and address not in taken and address not in kept:
            assert got[key] == address
            kept.add(address)


def test_hosts_entries_leave_out_names_with_no_address() -> None:
    assert hosts_entries({"api": "10.213.0.5", "front": None, "redis": "10.213.0.3"}) == [
        "api:10.213.0.5", "redis:10.213.0.3"
    ]
