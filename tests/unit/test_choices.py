"""Monorepos can share too: `ticket: auto | own | shared` and `up --own/--shared`, in the pure
planner and in the checks `up` makes of the flags."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.unit.helpers import ROOT, reference_config, workspace
from wtdock.errors import NotFoundError, UserError
from wtdock.ops.choices import ServiceChoice, check_own, merge_choices
from wtdock.plan import ticket as ticket_plan
from wtdock.plan.model import Checkout, HostUser, SharedAllocations, TicketAllocations
from wtdock.plan.wiring import Wiring, dedicated_services, needs_data_space, required_repos
from wtdock.templates import load_templates
from wtdock.workspace import Workspace

SHARED = SharedAllocations({"postgres": 5432, "redis": 6379, "nats": 4222, "api": 3000}, "pw",
                           addresses={"api": "10.213.0.5", "postgres": "10.213.0.2"})


def monorepo_config() -> dict[str, Any]:
    """One repo ``app`` holding both the front-end and the API (which has a shared instance)."""
    config = copy.deepcopy(reference_config())
    config["repos"] = {"app": {"path": "app"}}
    config["services"]["front"] |= {"repo": "app", "workdir": "web"}
    config["services"]["api"] |= {"repo": "app", "workdir": "api"}
    return config


def ticket(name: str, choices: dict[str, str], ports: dict[str, int]) -> TicketAllocations:
    app = Checkout("app", ROOT / ".wtdock" / "worktrees" / name / "app", ROOT / "app" / ".git", name)
    return TicketAllocations(name, name, {"app": app}, ports, redis_db=1, database=f"app_{name}",
                             addresses={"front": "10.213.0.64", "api": "10.213.0.65"}, choices=choices)


@pytest.fixture(scope="module")
def mono() -> Workspace:
    return workspace(monorepo_config())


def test_a_monorepo_ticket_runs_everything_by_default(mono: Workspace) -> None:
    assert dedicated_services(mono.config, ["app"]) == ["front", "api"]


def test_shared_choice_runs_only_the_front_against_the_shared_api(mono: Workspace) -> None:
    assert dedicated_services(mono.config, ["app"], {"api": "shared"}) == ["front"]
    assert required_repos(mono.config, ["app"], {"api": "shared"}) == ["app"]
    assert needs_data_space(mono.config, ["front"]) == (False, False)
    plan = ticket_plan.plan_ticket(mono, load_templates(), SHARED, ticket("a", {"api": "shared"}, {"front": 3001}),
                                   HostUser(1000, 1000))
    assert list(plan.compose["services"]) == ["front"]
    front, api = plan.endpoints
    assert (front.dedicated, api.dedicated, api.url, api.internal_url) == (
        True, False, "http://127.0.0.1:3000", "http://shared-api:8000")
    assert plan.environment["front"]["API_URL"] == "http://shared-api:8000"
    # The bare name `api` inside the ticket is the shared instance's address.
    assert "api:10.213.0.5" in plan.compose["services"]["front"]["extra_hosts"]


def test_own_choice_wires_the_front_to_the_tickets_api(mono: Workspace) -> None:
    plan = ticket_plan.plan_ticket(mono, load_templates(), SHARED,
                                   ticket("b", {"api": "own"}, {"front": 3002, "api": 4001}), HostUser(1000, 1000))
    assert list(plan.compose["services"]) == ["front", "api"]
    assert plan.environment["front"]["API_URL"] == "http://b-api:8000"
    assert plan.environment["api"]["PGDATABASE"] == "app_b"


def test_config_default_shared_and_a_ticket_that_says_own() -> None:
    config = monorepo_config()
    config["services"]["api"]["ticket"] = "shared"
    ws = workspace(config)
    assert dedicated_services(ws.config, ["app"]) == ["front"]
    assert dedicated_services(ws.config, ["app"], {"api": "own"}) == ["front", "api"]


def test_config_default_own_runs_it_even_unbranched() -> None:
    config = reference_config()
    config["services"]["api"]["ticket"] = "own"
    ws = workspace(config)
    assert dedicated_services(ws.config, []) == ["front", "api"]
    assert required_repos(ws.config, []) == ["front", "api"]
    assert dedicated_services(ws.config, [], {"api": "shared"}) == ["front"]


def test_multi_repo_default_is_unchanged() -> None:
    ws = workspace(reference_config())
    assert dedicated_services(ws.config, ["front"]) == ["front"]
    assert dedicated_services(ws.config, ["api"]) == ["front", "api"]


def test_a_service_without_a_shared_instance_always_runs_per_ticket(mono: Workspace) -> None:
    assert dedicated_services(mono.config, ["app"], {"front": "shared"}) == ["front", "api"]


def test_ticket_shared_needs_a_shared_instance() -> None:
    from pydantic import ValidationError

    config = reference_config()
    config["services"]["front"]["ticket"] = "shared"
    with pytest.raises(ValidationError, match="'ticket: shared' needs a shared instance"):
        workspace(config)


def test_the_wiring_follows_the_recorded_choice(mono: Workspace) -> None:
    wiring = Wiring(mono.config, SHARED, ticket("a", {"api": "shared"}, {"front": 3001}))
    assert wiring.dedicated == frozenset({"front"})
    assert wiring.data_space("api").database == "app"  # the shared instance's, not the ticket's


# --- the flags, checked before anything is made ----------------------------------------------------


def test_choices_are_kept_and_changed(mono: Workspace) -> None:
    assert merge_choices(mono.config, {}, [ServiceChoice("api", "shared")]) == {"api": "shared"}
    assert merge_choices(mono.config, {"api": "shared"}, []) == {"api": "shared"}
    assert merge_choices(mono.config, {"api": "shared"}, [ServiceChoice("api", "own")]) == {"api": "own"}
    # Moot for a service with no shared instance: it always runs per ticket.
    assert merge_choices(mono.config, {"front": "own"}, [ServiceChoice("front", "own")]) == {}


def test_shared_without_a_shared_instance_is_an_error(mono: Workspace) -> None:
    with pytest.raises(UserError, match="--shared front: service front has no shared instance") as err:
        merge_choices(mono.config, {}, [ServiceChoice("front", "shared")])
    assert err.value.hint is not None
    assert "services.front.shared.host_port" in err.value.hint


def test_unknown_and_contradicting_choices(mono: Workspace) -> None:
    with pytest.raises(NotFoundError, match="--own web: no service 'web'"):
        merge_choices(mono.config, {}, [ServiceChoice("web", "own")])
    with pytest.raises(UserError, match="both --own and --shared"):
        merge_choices(mono.config, {}, [ServiceChoice("api", "own"), ServiceChoice("api", "shared")])


def test_own_needs_the_repo_branched() -> None:
    ws = workspace(reference_config())
    asked = [ServiceChoice("api", "own")]
    with pytest.raises(UserError, match="--own api: ticket t does not branch repo api") as err:
        check_own(ws.config, "t", [], {"api": "own"}, asked)
    assert err.value.hint is not None
    assert "--from api=REF" in err.value.hint
    check_own(ws.config, "t", ["api"], {"api": "own"}, asked)


def test_own_in_a_monorepo_is_fine_once_the_front_branches_it(mono: Workspace) -> None:
    check_own(mono.config, "t", [], {"api": "own"}, [ServiceChoice("api", "own")])


def test_repair_reads_the_choices_from_what_ran(mono: Workspace) -> None:
    from wtdock.plan.wiring import choices_seen

    assert choices_seen(mono.config, ["app"], {"front"}) == {"api": "shared"}
    assert choices_seen(mono.config, ["app"], {"front", "api"}) == {}
    assert choices_seen(mono.config, ["app"], set()) == {}  # nothing ran: no evidence
    multi = workspace(reference_config())
    assert choices_seen(multi.config, ["front"], {"front", "api"}) == {"api": "own"}
