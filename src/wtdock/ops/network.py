"""The workspace network `<name>-net`: made by wtdock with a subnet it chose and an address plan
(plan/addresses.py), its static addresses handed out under the registry lock like host ports, taken
over from a workspace folder that is gone, and removed once nothing is left on it."""

from __future__ import annotations

import os
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from pathlib import Path

from wtdock import engine
from wtdock.config import load_config
from wtdock.config.load import CONFIG_NAME
from wtdock.config.model import MAX_SUBNET_PREFIX, parse_subnet
from wtdock.errors import RefusedError, UnavailableError, WtdockError
from wtdock.ops.context import Context
from wtdock.plan.addresses import Layout, Region, assign
from wtdock.plan.compose import labels
from wtdock.plan.model import LABEL_ROLE, LABEL_ROOT, LABEL_WORKSPACE
from wtdock.registry import State, TicketRecord
from wtdock.workspace import Workspace

LABEL_CONFIG = "dev.wtdock.config"  # on the network: the owner's config file (LABEL_ROOT: its folder)
PROBE_ROLE = "probe"  # a throwaway network that asks the engine which subnet it would give
MAX_CREATE_ATTEMPTS = 8


@dataclass(frozen=True)
class Attached:
    """A container on the workspace network, as `shared down` and a recreate see it."""

    project: str
    service: str
    state: str
    ours: bool  # a container of this workspace (wtdock renders its file again, with the new plan)


def ensure_network(ctx: Context) -> Layout:
    """Make the workspace network, or check the one there: refuse one of another workspace folder
    of the same name that still exists, take over one whose folder is gone, and make one that an
    older wtdock made (no address plan) or that has another subnet than `network.subnet` again
    while nothing runs on it. Called under the `shared` lock."""
    ws = ctx.ws
    for _ in range(MAX_CREATE_ATTEMPTS):
        found = engine.network_info(ws.network)
        if found is None:
            layout = _create(ctx)
            if layout is not None:
                return layout
            continue  # another process made it meanwhile: check that one
        taken_over = _check_owner(ctx, found)
        layout = _layout_of(found)
        if layout is not None and _wanted(ws, layout) and not taken_over:
            return layout
        if layout is not None and _wanted(ws, layout) and _attached(ws):
            return layout  # taken over as it is; its label stays the old folder's until it is made again
        _recreate(ctx, found, layout)
    raise UnavailableError(f"network {ws.network} kept changing while wtdock made it; giving up",
                           hint="run the command again")


def current_layout(ws: Workspace) -> Layout | None:
    """The address plan of the workspace network, or None when it does not exist (or has none)."""
    found = engine.network_info(ws.network)
    return _layout_of(found) if found is not None else None


def _layout_of(found: engine.NetworkInfo) -> Layout | None:
    """The network's plan, when it was made with one: the subnet, its gateway and its ip_range."""
    if not found.subnet or not found.ip_range:
        return None
    try:
        layout = Layout.of(found.subnet)
    except ValueError:
        return None
    planned = found.gateway == str(layout.gateway) and found.ip_range == str(layout.dynamic)
    return layout if planned else None


def _wanted(ws: Workspace, layout: Layout) -> bool:
    subnet = ws.config.network.subnet
    return subnet == "auto" or Layout.of(subnet).subnet == layout.subnet


def _network_labels(ws: Workspace) -> dict[str, str]:
    return labels(ws.name, "shared", root=str(ws.root), config=str(ws.config_file))


def _create(ctx: Context) -> Layout | None:
    """Make the network with its plan; None when another process made one of that name first."""
    ws = ctx.ws
    for _ in range(MAX_CREATE_ATTEMPTS):
        subnet = ws.config.network.subnet
        layout = Layout.of(subnet if subnet != "auto" else _engine_choice(ws))
        try:
            engine.create_network(ws.network, _network_labels(ws), subnet=str(layout.subnet),
                                  gateway=str(layout.gateway), ip_range=str(layout.dynamic))
        except engine.NetworkExistsError:
            return None
        except engine.PoolOverlapError as err:
            if subnet != "auto":
                raise RefusedError(
                    f"network.subnet {subnet} overlaps a network the engine already has",
                    hint=f"pick another subnet in {ws.config_file}, or `auto`",
                ) from err
            continue  # another network took the pool between the engine's choice and ours: choose again
        return layout
    raise UnavailableError(f"the engine's free address pools kept being taken while making {ws.network}")


def _engine_choice(ws: Workspace) -> str:
    """The subnet the engine would give a new network: it knows its own networks and, on Linux, the
    host's routes. Asked with a network of a throwaway name, so that the workspace network itself
    never exists without its plan."""
    for leftover in engine.network_names(f"{LABEL_WORKSPACE}={ws.name}", f"{LABEL_ROLE}={PROBE_ROLE}"):
        engine.remove_network(leftover)  # of a run killed between its create and its remove: it holds a pool
    probe = f"{ws.network}-probe-{os.getpid()}"
    made = engine.create_network(probe, labels(ws.name, PROBE_ROLE))
    engine.remove_network(probe)
    try:
        parse_subnet(made.subnet or "")
    except ValueError:
        raise UnavailableError(
            f"the engine offers subnet {made.subnet or '(none)'} for {ws.network}, too small for tickets",
            hint=f"set network.subnet in {ws.config_file} to a free one, at least a /{MAX_SUBNET_PREFIX}",
        ) from None
    return str(made.subnet)


def _check_owner(ctx: Context, found: engine.NetworkInfo) -> bool:
    """True when the network is another folder's that is gone (then it is ours from now on, with a
    notice); refuses while that folder still holds the workspace."""
    ws = ctx.ws
    owner = found.labels.get(LABEL_ROOT)
    if owner is None or owner == str(ws.root):
        return False
    if owner_is_alive(found.labels, ws.name):
        raise RefusedError(
            f"workspace name {ws.name!r} is already used by the workspace in {owner} (network {ws.network})",
            hint=f"set another `name:` in {ws.config_file}",
        )
    ctx.say(f"network {ws.network}: taken over from the workspace that was in {owner} "
            f"(no {CONFIG_NAME} of workspace {ws.name} there any more)")
    return True


def owner_is_alive(network_labels: dict[str, str], name: str) -> bool:
    """Whether the folder that made the network still holds a config of workspace ``name``. One
    that cannot be read counts as alive: only a folder that is surely gone gives its name away."""
    root = network_labels.get(LABEL_ROOT)
    if root is None:
        return False
    file = Path(network_labels.get(LABEL_CONFIG) or Path(root) / CONFIG_NAME)
    if not file.is_file():
        return False
    try:
        return load_config(file).name == name
    except WtdockError:
        return True


def attached(ws: Workspace) -> list[Attached]:
    """Every container on the workspace network, running or stopped: a stopped one that loses the
    network cannot start again (the engine does not reattach it, nor does Compose recreate it)."""
    return [
        Attached(c.project or c.name, c.service or c.name, c.state, c.labels.get(LABEL_WORKSPACE) == ws.name)
        for c in engine.containers(network=ws.network)
    ]


def _attached(ws: Workspace) -> bool:
    return bool(engine.containers(network=ws.network))


def _recreate(ctx: Context, found: engine.NetworkInfo, layout: Layout | None) -> None:
    """Remove the network to make it again with the plan, when nothing runs on it and every stopped
    container on it is this workspace's (its next `up` recreates it on the new network)."""
    ws = ctx.ws
    on_it = attached(ws)
    blocking = [a for a in on_it if a.state == "running" or not a.ours]
    if blocking:
        why = (f"has subnet {found.subnet}, not network.subnet {ws.config.network.subnet}" if layout is not None
               else "was made by an older wtdock (it has no address plan)")
        raise RefusedError(
            f"network {ws.network} {why}, and it is in use",
            details=sorted({f"{a.project}: {a.service} ({a.state})" for a in blocking}),
            hint="`wtdock shared down --force` (stops the tickets too), then `wtdock up` makes it again",
        )
    if not engine.remove_network(ws.network):
        raise RefusedError(f"network {ws.network} is in use and cannot be made again",
                           hint="`wtdock shared down --force`, then `wtdock up`")
    moved = f" ({len(on_it)} stopped container(s) move with their next `up`)" if on_it else ""
    if layout is None:
        ctx.say(f"network {ws.network}: made again with an address plan{moved}")
    elif not _wanted(ws, layout):
        ctx.say(f"network {ws.network}: made again with subnet {ws.config.network.subnet}{moved}")
    # else: taken over and made again under this folder's label (the takeover was said)


def remove_if_unused(ws: Workspace) -> str | None:
    """Remove the workspace network when nothing at all is on it; what was done, in words."""
    found = engine.network_info(ws.network)
    if found is None:
        return None
    owner = found.labels.get(LABEL_ROOT)
    if owner is not None and owner != str(ws.root) and owner_is_alive(found.labels, ws.name):
        return None  # another folder's: not ours to remove (its `shared down` is)
    on_it = attached(ws)
    if not on_it and engine.remove_network(ws.network):
        return f"removed network {ws.network}"
    projects = sorted({a.project for a in on_it})
    shown = ", ".join(projects[:5]) + (f" (+{len(projects) - 5} more)" if len(projects) > 5 else "")
    return f"kept network {ws.network}: {len(on_it)} container(s) of {shown or 'others'} are on it"


# --- addresses --------------------------------------------------------------------------------


def on_network(ws: Workspace, project: str) -> tuple[set[str], dict[str, str]]:
    """Addresses containers on the network hold (a stopped one keeps its static address) but for
    those of ``project``; and those of ``project``, by service (its own: what it had when the
    registry was lost or rebuilt by `wtdock repair`)."""
    held: set[str] = set()
    own: dict[str, str] = {}
    for c in engine.containers(network=ws.network):
        if address := c.addresses.get(ws.network):
            if c.project != project:
                held.add(address)
            elif c.service:
                own[c.service] = address
    return held, own


def _held_by_tickets(state: State, except_slug: str | None = None) -> set[str]:
    return {a for slug, t in state.tickets.items() if slug != except_slug for a in t.addresses.values()}


def assign_ticket_addresses(ctx: Context, state: State, record: TicketRecord, services: Collection[str]) -> None:
    """Give the ticket's own services their addresses (called under the registry lock, after the
    shared project made the network): recorded ones stay while in the tickets' region and free."""
    ws = ctx.ws
    layout = current_layout(ws)
    if layout is None:
        raise UnavailableError(f"network {ws.network} is gone or was made again under this `up`",
                               hint="run `wtdock up` again")
    held, own = on_network(ws, ws.ticket_project(record.slug))
    taken = _held_by_tickets(state, record.slug) | set(state.shared.addresses.values()) | held
    record.addresses = assign(_ordered(ws, services), {**own, **record.addresses}, layout, "tickets", taken=taken,
                              what=f"ticket {record.name}")


def assign_shared_addresses(ws: Workspace, state: State, services: Iterable[str]) -> None:
    """Give the shared services their addresses (under the registry lock). With no network yet (a
    render before the first `shared up`) the recorded ones are kept as they are."""
    layout = current_layout(ws)
    if layout is None:
        return
    which: Region = "shared"
    held, own = on_network(ws, ws.shared_project)
    state.shared.addresses = assign(list(services), {**own, **state.shared.addresses}, layout, which,
                                    taken=_held_by_tickets(state) | held, what="the shared services")


def _ordered(ws: Workspace, services: Collection[str]) -> list[str]:
    return [s for s in ws.config.services if s in services]
