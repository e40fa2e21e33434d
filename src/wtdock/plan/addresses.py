"""The workspace network's addresses: how its subnet is divided, and which address a service gets.

Every container of the workspace (shared services and every ticket's) sits on one network with a
static address, so a ticket needs no network of its own (the engine has only about 31 address pools
to give) and its ``/etc/hosts`` can name exactly the instances it uses. The subnet is laid out as:

    network address, gateway, 62 addresses for the shared services, the tickets' region,
    the dynamic range (the last quarter: where the engine puts containers given no address)

Pure: the subnet and what is already held come in as data.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from wtdock.config.model import parse_subnet
from wtdock.errors import UnavailableError

Region = Literal["shared", "tickets"]

SHARED_FIRST = 2  # offsets in the subnet: 0 is the network, 1 the gateway
TICKETS_FIRST = 64


@dataclass(frozen=True)
class Layout:
    """How one subnet is divided between the gateway, the shared services, tickets and the engine."""

    subnet: ipaddress.IPv4Network

    @classmethod
    def of(cls, subnet: str) -> Layout:
        return cls(parse_subnet(subnet))

    @property
    def gateway(self) -> ipaddress.IPv4Address:
        return self.subnet.network_address + 1

    @property
    def dynamic(self) -> ipaddress.IPv4Network:
        """The engine's ``ip_range``: containers started with no address (``docker run --network``)
        get one from here, so they can never take a static address wtdock gave out."""
        return ipaddress.IPv4Network((self.subnet.network_address + self.subnet.num_addresses * 3 // 4,
                                      self.subnet.prefixlen + 2))

    def region(self, which: Region) -> range:
        """Offsets in the subnet of the shared services' or the tickets' addresses."""
        if which == "shared":
            return range(SHARED_FIRST, TICKETS_FIRST)
        return range(TICKETS_FIRST, self.subnet.num_addresses * 3 // 4)

    def addresses(self, which: Region) -> Iterator[str]:
        base = self.subnet.network_address
        return (str(base + offset) for offset in self.region(which))

    def holds(self, which: Region, address: str) -> bool:
        """Whether ``address`` lies in that region of this subnet."""
        try:
            offset = int(ipaddress.IPv4Address(address)) - int(self.subnet.network_address)
        except ValueError:
            return False
        return offset in self.region(which)


def assign(
    wanted: Sequence[str],
    recorded: Mapping[str, str],
    layout: Layout,
    which: Region,
    *,
    taken: Collection[str],
    what: str = "",
) -> dict[str, str]:
    """An address for each of ``wanted``: its recorded one while it is in the region and nobody else
    holds it (``taken``: other allocations, and containers on the network), else the lowest free one."""
    kept: dict[str, str] = {}
    for key in wanted:
        address = recorded.get(key)
        if address and layout.holds(which, address) and address not in taken and address not in kept.values():
            kept[key] = address
    given: set[str] = set(kept.values())
    result: dict[str, str] = {}
    free = _free(layout.addresses(which), lambda a: a in taken or a in given)
    for key in wanted:
        address = kept.get(key) or next(free, None)
        if address is None:
            raise UnavailableError(
                f"no free address left for {what or 'the services'} in the {which} region of {layout.subnet}",
                hint="set network.subnet in wtdock.yaml to a larger subnet (then `wtdock shared down --force` "
                "and `up`), or `wtdock down` tickets you no longer need",
            )
        given.add(address)
        result[key] = address
    return result


def _free(candidates: Iterator[str], held: Callable[[str], bool]) -> Iterator[str]:
    return (a for a in candidates if not held(a))


def hosts_entries(names: Mapping[str, str | None]) -> list[str]:
    """``extra_hosts`` lines (``name:address``) for every name that has an address, in order."""
    return [f"{name}:{address}" for name, address in names.items() if address]
