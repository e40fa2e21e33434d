"""Host ports: is one free, and which one to give."""

from __future__ import annotations

import contextlib
import errno
import socket
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass

from wtdock.errors import UnavailableError


def port_is_free(host: str, port: int) -> bool:
    """Try to bind ``host:port``, and the IPv6 loopback too (a listener there answers `localhost`).

    Binding 127.0.0.1:X already fails when something listens on 0.0.0.0:X or on a dual-stack [::]:X.
    """
    return _can_bind(socket.AF_INET, host, port) and _can_bind(socket.AF_INET6, "::1", port)


def _can_bind(family: socket.AddressFamily, host: str, port: int) -> bool:
    if family == socket.AF_INET6 and (":" not in host and not socket.has_ipv6):
        return True
    try:
        sock = socket.socket(family, socket.SOCK_STREAM)
    except OSError:
        return True  # no such family on this machine: nothing can listen there either
    with contextlib.closing(sock):
        # As the engine's proxy binds (Go sets it): a TIME_WAIT leftover of a closed connection is
        # not a conflict, a listener still is.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as err:
            # No ::1 on this machine is not a conflict.
            return err.errno in (errno.EADDRNOTAVAIL, errno.EAFNOSUPPORT)
    return True


def first_free(
    candidates: Iterable[int], held: Collection[int], is_free: Callable[[int], bool]
) -> int | None:
    """The first candidate not held in the registry (stopped tickets hold no socket) and free now."""
    for port in candidates:
        if port not in held and is_free(port):
            return port
    return None


@dataclass(frozen=True)
class Want:
    """Ports a key (a service) may take, best first, and the config key that sets them."""

    candidates: range
    where: str


def assign(
    wants: Mapping[str, Want],
    recorded: Mapping[str, int],
    held: Mapping[int, str],
    is_free: Callable[[int], bool],
) -> dict[str, int]:
    """Give each key a port: its recorded one while still allowed and free, else the first
    candidate that no one in ``held`` (port -> holder) has and that ``is_free``."""
    # Every still-allowed recorded port is spoken for: a key new to the config must not take the
    # port (and so the URL) of a key listed after it.
    kept = {k: p for k, p in recorded.items() if k in wants and p in wants[k].candidates}
    result: dict[str, int] = {}
    for key, want in wants.items():
        taken = set(held) | set(result.values()) | (set(kept.values()) - {kept.get(key)})
        first = [kept[key]] if key in kept else []
        port = first_free([*first, *want.candidates], taken, is_free)
        if port is None:
            raise UnavailableError(_exhausted(want, held), hint=_hint(want))
        result[key] = port
    return result


def _exhausted(want: Want, held: Mapping[int, str]) -> str:
    span = want.candidates
    if len(span) == 1:
        who = held.get(span[0])
        return f"port {span[0]} ({want.where}) is in use" + (f" by {who}" if who else "")
    holders = sorted({held[p] for p in span if p in held})
    by = f"; held by {', '.join(holders[:5])}" if holders else ""
    return f"no free port in {want.where} {span[0]}-{span[-1]}{by}"


def _hint(want: Want) -> str:
    if len(want.candidates) == 1:
        return f"stop what listens on {want.candidates[0]}, or change {want.where} in wtdock.yaml"
    return f"widen {want.where} in wtdock.yaml, or `wtdock down` a ticket you no longer need"
