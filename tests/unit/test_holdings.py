"""What a ticket holds, written on its containers and read back: the engine's own record."""

from __future__ import annotations

import pytest

from wtdock.engine import ContainerInfo
from wtdock.ops.up import EngineHoldings
from wtdock.ops.worktree_steps import lock_owner
from wtdock.plan.compose import holdings, labels, parse_ports_label


def test_holdings_round_trip_through_labels() -> None:
    written = labels("shop", "ticket", **holdings({"front": 3002, "api": 4001}, 7, "app_feat_02"))
    assert written["dev.wtdock.ports"] == "api=4001,front=3002"
    assert written["dev.wtdock.redis-db"] == "7"
    assert written["dev.wtdock.database"] == "app_feat_02"
    assert parse_ports_label(written["dev.wtdock.ports"]) == {"api": 4001, "front": 3002}


def test_a_ticket_without_data_spaces_writes_no_empty_labels() -> None:
    assert labels("shop", "ticket", **holdings({}, None, None)) == {
        "dev.wtdock.workspace": "shop", "dev.wtdock.role": "ticket"
    }


@pytest.mark.parametrize("text", ["", "api", "api=", "=4001", "api=x,front=3002"])
def test_a_malformed_ports_label_keeps_what_it_can(text: str) -> None:
    assert parse_ports_label(text) == ({"front": 3002} if "front" in text else {})


def container(project: str, ticket: str | None, **extra: str) -> ContainerInfo:
    tags = {"dev.wtdock.ticket": ticket} if ticket else {}
    return ContainerInfo(id=project, name=f"{project}-x-1", project=project, service="x",
                         labels={**tags, **extra}, state="exited", health=None, published=())


def test_engine_holdings_skip_the_tickets_own_project() -> None:
    found = EngineHoldings.of(
        [
            container("shop-a", "a", **{"dev.wtdock.ports": "front=3001", "dev.wtdock.redis-db": "1"}),
            container("shop-b", "b", **{"dev.wtdock.ports": "front=3002", "dev.wtdock.redis-db": "2"}),
        ],
        "shop-b",
    )
    assert found.ports == {3001: "ticket a"}
    assert found.redis_dbs == frozenset({1})


@pytest.mark.parametrize(
    ("reason", "owner"),
    [
        ("wtdock: ticket feat/x of workspace shop", ("feat/x", "shop")),
        ("wtdock: ticket t3 of workspace shop-2", ("t3", "shop-2")),
        ("my own lock", None),
        (None, None),
        ("", None),
    ],
)
def test_lock_owner(reason: str | None, owner: tuple[str, str] | None) -> None:
    assert lock_owner(reason) == owner
