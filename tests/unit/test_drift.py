"""Drift is said, never silent: which service changed and which field, from the containers' own
config-hash labels and the fingerprints recorded at the last start."""

from __future__ import annotations

from typing import Any

from wtdock.engine import ContainerInfo
from wtdock.ops.drift import fingerprints, start_reason
from wtdock.plan.fingerprint import LABEL_CONFIG_HASH, changes, fingerprint, with_config_hashes


def service(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "image": "wtdock/shop-api:dev",
        "command": ["python3", "server.py"],
        "environment": {"DATABASE_URL": "postgresql://u:secret@postgres/app_x", "HOME": "/tmp"},
        "ports": [{"target": 8000, "host_ip": "127.0.0.1", "published": "3001", "protocol": "tcp"}],
        "labels": {"dev.wtdock.branch": "feat-02"},
    }
    return base | overrides


def planned(**services: dict[str, Any]) -> dict[str, Any]:
    return dict(with_config_hashes({"services": services})["services"])


def container(
    name: str, model: dict[str, Any], *, state: str = "running", health: str | None = "healthy"
) -> ContainerInfo:
    return ContainerInfo(id=name, name=f"p-{name}-1", project="p", service=name, labels=dict(model["labels"]),
                         state=state, health=health, published=())


def test_a_project_running_its_plan_needs_nothing() -> None:
    plan = planned(api=service(), front=service(image="front"))
    running = [container(n, m) for n, m in plan.items()]
    assert start_reason(running, plan, fingerprints(plan)) is None


def test_containers_running_the_plan_need_nothing_even_without_a_record() -> None:
    # An `up` killed between `compose up` and the registry write: the labels say it is done.
    plan = planned(api=service())
    assert start_reason([container("api", plan["api"])], plan, {}) is None


def test_no_containers_is_a_first_start_or_gone() -> None:
    plan = planned(api=service())
    assert str(start_reason([], plan, {})) == "first start"
    gone = start_reason([], plan, fingerprints(plan))
    assert gone is not None
    assert (str(gone), gone.outcome) == ("containers are gone", "started")


def test_each_changed_field_is_named() -> None:
    before = planned(api=service())
    after = planned(api=service(
        image="wtdock/shop-api:v2",
        environment={"DATABASE_URL": "postgresql://u:secret@postgres/app_y", "NEW": "1"},
        ports=[{"target": 8000, "host_ip": "127.0.0.1", "published": "3003", "protocol": "tcp"}],
        labels={"dev.wtdock.branch": "feat-03"},
    ))
    reason = start_reason([container("api", before["api"])], after, fingerprints(before))
    assert reason is not None
    assert reason.outcome == "updated"
    assert reason.changes == (
        "api: environment DATABASE_URL changed",
        "api: environment HOME removed",
        "api: environment NEW added",
        "api: image wtdock/shop-api:dev -> wtdock/shop-api:v2",
        "api: branch feat-02 -> feat-03",
        "api: port 3001 -> 3003",
    )


def test_passwords_never_reach_the_recorded_fingerprint() -> None:
    recorded = fingerprint(service())
    assert not any("secret" in value for value in recorded.values())
    assert recorded["image"] == "wtdock/shop-api:dev"
    assert recorded["ports"] == "3001:8000"


def test_a_stopped_service_is_resumed_not_updated() -> None:
    plan = planned(api=service(), front=service(image="front"))
    running = [container("api", plan["api"]), container("front", plan["front"], state="exited", health=None)]
    reason = start_reason(running, plan, fingerprints(plan))
    assert reason is not None
    assert (str(reason), reason.outcome) == ("not running or not healthy: front", "resumed")


def test_new_and_removed_services_are_named() -> None:
    before = planned(api=service())
    after = planned(front=service(image="front"))
    reason = start_reason([container("api", before["api"])], after, fingerprints(before))
    assert reason is not None
    assert reason.changes == ("front: new service", "api: no longer in the config")
    assert reason.down == ()


def test_a_container_of_an_older_config_without_a_record_still_restarts() -> None:
    plan = planned(api=service())
    old = container("api", service())  # no config-hash label: made before wtdock labelled them
    reason = start_reason([old], plan, {})
    assert reason is not None
    assert (reason.changes, reason.outcome) == (("api: not running its current config",), "updated")


def test_the_hash_label_ignores_itself() -> None:
    plan = planned(api=service())
    assert LABEL_CONFIG_HASH in plan["api"]["labels"]
    assert planned(api=plan["api"]) == plan
    assert changes("api", fingerprint(plan["api"]), fingerprint(service())) == []
