"""The pure planner: golden files of the rendered Compose YAML, and the properties every plan keeps.

Regenerate the golden files after an intended change with ``UPDATE_GOLDEN=1 pytest tests/unit``
and review the diff.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any

import pytest

from tests.unit.helpers import ROOT, reference_config, workspace
from wtdock import yamlio
from wtdock.plan import shared as shared_plan
from wtdock.plan import ticket as ticket_plan
from wtdock.plan.app import BuildSource, build_source
from wtdock.plan.model import Checkout, HostUser, ProjectPlan, SharedAllocations, TicketAllocations
from wtdock.plan.wiring import Wiring, dedicated_services, needs_data_space, required_repos
from wtdock.templates import Templates, load_templates
from wtdock.workspace import Workspace

GOLDEN = Path(__file__).parent / "golden"
USER = HostUser(1000, 1000)
# A `$` in the password shows the escaping in the golden files.
SHARED = SharedAllocations(
    {"postgres": 5432, "redis": 6379, "nats": 4222, "api": 3000},
    postgres_password="s3cret$pw",
    addresses={"postgres": "10.213.0.2", "redis": "10.213.0.3", "nats": "10.213.0.4", "api": "10.213.0.5"},
)
LABELS = ("dev.wtdock.workspace", "dev.wtdock.role")


@pytest.fixture(scope="module")
def templates() -> Templates:
    return load_templates()


def checkout(slug: str, repo: str) -> Checkout:
    return Checkout(repo, ROOT / ".wtdock" / "worktrees" / slug / repo, ROOT / repo / ".git", slug)


def feat_01() -> TicketAllocations:
    """Branches the front only: runs its own front, uses the shared API."""
    return TicketAllocations(
        "feat-01", "feat-01", {"front": checkout("feat-01", "front")}, {"front": 3001},
        addresses={"front": "10.213.0.64"},
    )


def feat_02() -> TicketAllocations:
    """Branches both: its own front and API, with its own database and Redis number."""
    checkouts = {repo: checkout("feat-02", repo) for repo in ("front", "api")}
    return TicketAllocations(
        "feat-02", "feat-02", checkouts, {"front": 3002, "api": 4001}, redis_db=1, database="app_feat_02",
        addresses={"front": "10.213.0.65", "api": "10.213.0.66"},
    )


def feat_x() -> TicketAllocations:
    """A name that is not its slug (``feat/x``, slug ``feat-x``), branching the API."""
    checkouts = {repo: checkout("feat-x", repo) for repo in ("front", "api")}
    return TicketAllocations(
        "feat/x", "feat-x", checkouts, {"front": 3003, "api": 4002}, redis_db=2, database="app_feat_x",
        addresses={"front": "10.213.0.67", "api": "10.213.0.68"},
    )


TICKETS = {"feat-01": feat_01, "feat-02": feat_02, "feat-x": feat_x}


def plan_for(ws: Workspace, templates: Templates, ticket: TicketAllocations) -> ProjectPlan:
    return ticket_plan.plan_ticket(ws, templates, SHARED, ticket, USER)


def plan_of_shared(ws: Workspace, templates: Templates) -> ProjectPlan:
    primary = {"api": Checkout("api", ROOT / "api", ROOT / "api" / ".git", "main")}
    return shared_plan.plan_shared(ws, templates, SHARED, primary, USER)


@pytest.fixture(scope="module")
def reference() -> Workspace:
    return workspace(reference_config())


@pytest.fixture(scope="module")
def plans(reference: Workspace, templates: Templates) -> dict[str, ProjectPlan]:
    found = {key: plan_for(reference, templates, make()) for key, make in TICKETS.items()}
    return found | {"shared": plan_of_shared(reference, templates)}


def rendered(ws: Workspace, key: str, plan: ProjectPlan) -> str:
    ticket = TICKETS[key]() if key != "shared" else None
    header = shared_plan.header(ws) if ticket is None else ticket_plan.header(ws, ticket.name, ticket.slug)
    return yamlio.dump(plan.compose, header)


def check_golden(file: str, text: str) -> None:
    path = GOLDEN / file
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return
    assert path.is_file(), f"{path} is missing: run UPDATE_GOLDEN=1 pytest tests/unit"
    assert text == path.read_text(encoding="utf-8"), "rendered YAML changed: review, then UPDATE_GOLDEN=1"


@pytest.mark.parametrize("name", [*TICKETS, "shared"])
def test_rendered_compose_matches_the_golden_file(
    reference: Workspace, plans: dict[str, ProjectPlan], name: str
) -> None:
    check_golden(f"{name}.yaml", rendered(reference, name, plans[name]))


def test_the_header_of_a_branch_like_ticket_names_its_real_project(reference: Workspace) -> None:
    header = ticket_plan.header(reference, "feat/x", "feat-x")
    assert "for ticket feat/x of workspace demo" in header
    assert "docker compose -p demo-feat-x -f" in header


def test_ticket_containers_carry_what_the_ticket_holds(plans: dict[str, ProjectPlan]) -> None:
    api = plans["feat-02"].compose["services"]["api"]["labels"]
    assert api["dev.wtdock.ports"] == "api=4001,front=3002"
    assert api["dev.wtdock.redis-db"] == "1"
    assert api["dev.wtdock.database"] == "app_feat_02"
    assert api["dev.wtdock.repo"] == "api"
    assert api["dev.wtdock.url"] == "http://127.0.0.1:4001"
    front = plans["feat-01"].compose["services"]["front"]["labels"]
    assert front["dev.wtdock.ports"] == "front=3001"
    assert "dev.wtdock.redis-db" not in front
    assert "dev.wtdock.database" not in front


# --- properties of every plan -------------------------------------------------------------------


def walk(node: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every (key path, value) of a nested model."""
    yield path, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from walk(value, (*path, str(key)))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from walk(value, (*path, str(i)))


def app_services(plan: ProjectPlan) -> dict[str, dict[str, Any]]:
    """Services run from a checkout (the shared infrastructure is not one)."""
    return {n: s for n, s in plan.compose["services"].items() if "user" in s}


@pytest.fixture(params=[*TICKETS, "shared"])
def plan(request: pytest.FixtureRequest, plans: dict[str, ProjectPlan]) -> ProjectPlan:
    return plans[request.param]


def test_project_names(plans: dict[str, ProjectPlan]) -> None:
    assert {n: p.project for n, p in plans.items()} == {
        "feat-01": "demo-feat-01", "feat-02": "demo-feat-02", "feat-x": "demo-feat-x", "shared": "demo-shared"
    }
    assert all(p.compose["name"] == p.project for p in plans.values())


def test_ports_are_published_on_loopback_only(plan: ProjectPlan) -> None:
    published = [p for s in plan.compose["services"].values() for p in s.get("ports", [])]
    assert published
    for port in published:
        assert port["host_ip"] == "127.0.0.1"
        assert isinstance(port["published"], str)


def test_checkouts_are_long_syntax_binds_at_the_same_absolute_path(plan: ProjectPlan) -> None:
    for service in app_services(plan).values():
        for mount in service["volumes"]:
            assert mount["type"] == "bind"
            assert mount["source"] == mount["target"]
            assert PurePosixPath(mount["source"]).is_absolute()


def test_the_git_dir_is_mounted_unless_inside_the_checkout(plans: dict[str, ProjectPlan]) -> None:
    sources = [m["source"] for m in plans["feat-01"].compose["services"]["front"]["volumes"]]
    assert sources == ["/ws/.wtdock/worktrees/feat-01/front", "/ws/front/.git"]
    shared_api = [m["source"] for m in plans["shared"].compose["services"]["api"]["volumes"]]
    assert shared_api == ["/ws/api"]


def test_app_services_run_as_the_host_user_by_number(plan: ProjectPlan) -> None:
    for service in app_services(plan).values():
        assert re.fullmatch(r"\d+:\d+", service["user"])
        assert service["user"] == "1000:1000"


def test_ticket_services_have_unique_aliases(plans: dict[str, ProjectPlan]) -> None:
    seen: dict[str, str] = {}
    for key, make in TICKETS.items():
        slug = make().slug
        for service_name, service in plans[key].compose["services"].items():
            (network,) = service["networks"].values()
            assert network["aliases"] == [f"{slug}-{service_name}"]
            alias = network["aliases"][0]
            assert seen.setdefault(alias, f"{key}/{service_name}") == f"{key}/{service_name}"


def test_every_service_joins_only_the_workspace_network_with_its_own_address(plans: dict[str, ProjectPlan]) -> None:
    given = {**SHARED.addresses, **{f"{k}/{s}": a for k, make in TICKETS.items() for s, a in make().addresses.items()}}
    found = {}
    for key, plan in plans.items():
        # No network of a ticket's own: each would take one of the engine's ~31 address pools.
        assert plan.compose["networks"] == {"shared": {"name": "demo-net", "external": True}}
        for name, service in plan.compose["services"].items():
            assert list(service["networks"]) == ["shared"]
            found[name if key == "shared" else f"{key}/{name}"] = service["networks"]["shared"]["ipv4_address"]
    assert found == given


def test_a_bare_name_means_the_tickets_own_instance_or_the_shared_one(plans: dict[str, ProjectPlan]) -> None:
    infra = ["postgres:10.213.0.2", "redis:10.213.0.3", "nats:10.213.0.4"]
    # feat-01 runs its own front and uses the shared API; feat-02 and feat/x run both.
    assert plans["feat-01"].compose["services"]["front"]["extra_hosts"] == [
        "front:10.213.0.64", "api:10.213.0.5", *infra
    ]
    for key, front, api in (("feat-02", "10.213.0.65", "10.213.0.66"), ("feat-x", "10.213.0.67", "10.213.0.68")):
        for service in plans[key].compose["services"].values():
            assert service["extra_hosts"] == [f"front:{front}", f"api:{api}", *infra]
    # The shared services: the shared API and infrastructure; `front` only tickets run.
    for service in plans["shared"].compose["services"].values():
        assert service["extra_hosts"] == ["api:10.213.0.5", *infra]


def test_before_the_network_exists_the_shared_file_has_no_addresses(templates: Templates) -> None:
    """`shared render` before the first `shared up`: the subnet is not known yet."""
    ws = workspace(reference_config())
    primary = {"api": Checkout("api", ROOT / "api", ROOT / "api" / ".git", "main")}
    bare = SharedAllocations(dict(SHARED.ports), "pw")
    plan = shared_plan.plan_shared(ws, templates, bare, primary, USER)
    assert plan.compose["services"]["postgres"]["networks"] == {"shared": {}}
    assert plan.compose["services"]["api"]["networks"] == {"shared": {"aliases": ["shared-api"]}}
    assert not [s for s in plan.compose["services"].values() if "extra_hosts" in s]


def test_dollars_in_values_are_escaped_once(templates: Templates) -> None:
    config = reference_config()
    config["services"]["front"]["environment"]["PRICE"] = "costs $5, ${NOT_COMPOSE}"
    plan = plan_for(workspace(config), templates, feat_02())
    env = plan.compose["services"]["front"]["environment"]
    assert env["PRICE"] == "costs $$5, $${NOT_COMPOSE}"
    assert plan.compose["services"]["api"]["environment"]["PGPASSWORD"] == "s3cret$$pw"
    # The environment handed to callers (for `wtdock env`) is the literal value.
    assert plan.environment["front"]["PRICE"] == "costs $5, ${NOT_COMPOSE}"


def test_every_service_network_and_volume_is_labelled(plan: ProjectPlan) -> None:
    ticket = plan.compose["name"] != "demo-shared"
    role = "ticket" if ticket else "shared"
    names = {f"demo-{make().slug}": make().name for make in TICKETS.values()}
    for name, service in plan.compose["services"].items():
        labels = service["labels"]
        assert labels["dev.wtdock.workspace"] == "demo"
        assert labels["dev.wtdock.role"] == role
        assert labels["dev.wtdock.service"] == name
        if ticket:
            assert labels["dev.wtdock.ticket"] == names[plan.compose["name"]]
    owned = [n for n in plan.compose["networks"].values() if not n.get("external")]
    for resource in [*owned, *plan.compose.get("volumes", {}).values()]:
        assert all(resource["labels"][key] for key in LABELS)
        if ticket:
            assert "dev.wtdock.ticket" in resource["labels"]


def test_the_shared_project_labels_its_volumes_by_service(plans: dict[str, ProjectPlan]) -> None:
    volumes = plans["shared"].compose["volumes"]
    assert {n: v["labels"]["dev.wtdock.service"] for n, v in volumes.items()} == {
        "postgres-data": "postgres", "redis-data": "redis", "nats-data": "nats"
    }


def test_no_container_names(plan: ProjectPlan) -> None:
    assert not [path for path, _ in walk(plan.compose) if path and path[-1] == "container_name"]


def test_no_yaml_anchors_in_the_output(reference: Workspace, plans: dict[str, ProjectPlan]) -> None:
    for name, plan in plans.items():
        text = rendered(reference, name, plan)
        assert not re.search(r"(^|[\s:-])[&*]id\d+", text, re.MULTILINE), name


def test_string_values_stay_strings_when_read_back(templates: Templates, tmp_path: Path) -> None:
    config = reference_config()
    config["services"]["front"]["environment"] |= {"UMASK": "0755", "FLAG": "yes", "MAP": "8080:80", "N": "1e3"}
    text = yamlio.dump(plan_for(workspace(config), templates, feat_01()).compose)
    assert 'UMASK: "0755"' in text
    file = tmp_path / "compose.yaml"
    file.write_text(text, encoding="utf-8")
    env = yamlio.load_plain(file)["services"]["front"]["environment"]
    assert (env["UMASK"], env["FLAG"], env["MAP"], env["N"]) == ("0755", "yes", "8080:80", "1e3")


def test_endpoints_of_a_ticket_that_branches_the_front_only(plans: dict[str, ProjectPlan]) -> None:
    front, api = plans["feat-01"].endpoints
    assert (front.dedicated, front.url, front.internal_url, front.branch) == (
        True, "http://127.0.0.1:3001", "http://feat-01-front:8000", "feat-01"
    )
    assert (api.dedicated, api.url, api.internal_url, api.branch) == (
        False, "http://127.0.0.1:3000", "http://shared-api:8000", None
    )
    assert plans["feat-01"].environment == {"front": {"API_URL": "http://shared-api:8000"}}


def test_a_ticket_gets_its_own_data_spaces(plans: dict[str, ProjectPlan]) -> None:
    env = plans["feat-02"].environment["api"]
    assert env["DATABASE_URL"] == "postgresql://wtdock:s3cret$pw@postgres:5432/app_feat_02"
    assert (env["PGDATABASE"], env["REDIS_URL"], env["EVENTS_PREFIX"]) == (
        "app_feat_02", "redis://redis:6379/1", "feat-02"
    )
    assert plans["feat-02"].environment["front"]["API_URL"] == "http://feat-02-api:8000"


def _built_front(context: str = "front") -> Workspace:
    config = reference_config()
    del config["services"]["front"]["image"]
    config["services"]["front"]["build"] = {"context": context, "dockerfile": "Dockerfile.dev"}
    return workspace(config)


def test_a_built_service_is_built_from_the_tickets_worktree_with_its_hashed_tag(templates: Templates) -> None:
    ws = _built_front("front/docker")
    plan = ticket_plan.plan_ticket(ws, templates, SHARED, feat_01(), USER, images={"front": "wtdock/demo-front:0a1b"})
    service = plan.compose["services"]["front"]
    assert service["image"] == "wtdock/demo-front:0a1b"
    assert service["build"] == {"context": "/ws/.wtdock/worktrees/feat-01/front/docker", "dockerfile": "Dockerfile.dev"}


def test_a_context_outside_the_branched_repos_stays_where_it_is(templates: Templates) -> None:
    service = plan_for(_built_front("images/front/../front"), templates, feat_01()).compose["services"]["front"]
    assert service["build"] == {"context": "/ws/images/front", "dockerfile": "Dockerfile.dev"}
    # Planned without hashes (a unit test, an old caller): the placeholder tag.
    assert service["image"] == "wtdock/demo-front:dev"


def test_build_source_follows_the_checkout_of_the_repo_that_holds_the_context() -> None:
    ws = _built_front("api/web")  # a context in another repo than the service's own
    checkouts = {"api": checkout("feat-02", "api")}
    source = build_source(ws.config, ws.root, "front", checkouts)
    assert source == BuildSource(Path("/ws/.wtdock/worktrees/feat-02/api/web"), "Dockerfile.dev")
    assert build_source(ws.config, ws.root, "api", checkouts) is None  # an image, not a build


def test_workdir_is_inside_the_checkout(templates: Templates) -> None:
    config = reference_config()
    config["services"]["front"]["workdir"] = "web/app"
    service = plan_for(workspace(config), templates, feat_01()).compose["services"]["front"]
    assert service["working_dir"] == "/ws/.wtdock/worktrees/feat-01/front/web/app"


def test_binding_every_address_still_prints_loopback_urls(templates: Templates) -> None:
    everywhere = "0.0.0.0"  # noqa: S104 - a config value under test, nothing binds here
    plan = plan_for(workspace(reference_config() | {"bind": everywhere}), templates, feat_01())
    assert plan.compose["services"]["front"]["ports"][0]["host_ip"] == everywhere
    assert plan.endpoints[0].url == "http://127.0.0.1:3001"


# --- wiring: what a ticket runs and needs ---------------------------------------------------------


@pytest.mark.parametrize(
    ("branched", "dedicated", "repos"),
    [
        ([], ["front"], ["front"]),
        (["front"], ["front"], ["front"]),
        (["api"], ["front", "api"], ["front", "api"]),
        (["api", "front"], ["front", "api"], ["front", "api"]),
    ],
)
def test_dedicated_services_and_required_repos(
    reference: Workspace, branched: list[str], dedicated: list[str], repos: list[str]
) -> None:
    assert dedicated_services(reference.config, branched) == dedicated
    assert required_repos(reference.config, branched) == repos


def test_needs_data_space(reference: Workspace) -> None:
    assert needs_data_space(reference.config, ["front"]) == (False, False)
    assert needs_data_space(reference.config, ["front", "api"]) == (True, True)


def test_a_service_sharing_its_data_needs_no_space_of_its_own() -> None:
    config = reference_config()
    config["services"]["api"] |= {"isolation": "shared", "uses": ["postgres"]}
    assert needs_data_space(workspace(config).config, ["api"]) == (False, False)


def test_references_resolve_from_the_ticket() -> None:
    config = reference_config()
    config["services"]["front"]["environment"] = {
        "A": "{{ services.api.host }}:{{ services.api.host_port }}",
        "B": "{{ services.api.port }}|{{ services.front.url }}",
        "C": "{{ ticket.name }}|{{ ticket.slug }}|{{ workspace.name }}",
        "D": "{{ shared.redis.url }}|{{ shared.postgres.host }}",
    }
    ticket = TicketAllocations("Feat/01", "feat-01", {"front": checkout("feat-01", "front")}, {"front": 3001})
    env = Wiring(workspace(config).config, SHARED, ticket).environment("front")
    assert env == {
        "A": "127.0.0.1:3000",
        "B": "8000|http://127.0.0.1:3001",
        "C": "Feat/01|feat-01|demo",
        "D": "redis://redis:6379/0|postgres",
    }


def test_injected_settings_can_be_renamed_or_dropped() -> None:
    config = reference_config()
    config["services"]["api"] |= {"uses": ["postgres"], "env_names": {"DATABASE_URL": "DB_URL", "PGPASSWORD": None}}
    env = Wiring(workspace(config).config, SHARED, feat_02()).environment("api")
    assert env["DB_URL"] == "postgresql://wtdock:s3cret$pw@postgres:5432/app_feat_02"
    assert "DATABASE_URL" not in env
    assert "PGPASSWORD" not in env
    assert env["PGUSER"] == "wtdock"


def test_image_overrides_are_resolved_when_the_workspace_is_loaded(templates: Templates) -> None:
    from dataclasses import replace

    from wtdock.workspace import image_overrides

    overrides = image_overrides({"WTDOCK_IMAGE_POSTGRES": "mirror/postgres:16", "WTDOCK_IMAGE_OTHER": "x"})
    assert overrides == {"postgres": "mirror/postgres:16"}
    ws = replace(workspace(reference_config()), image_overrides=overrides)
    assert plan_of_shared(ws, templates).compose["services"]["postgres"]["image"] == "mirror/postgres:16"


def test_the_planner_reaches_no_environment_git_or_engine() -> None:
    plan_dir = Path(__file__).parents[2] / "src" / "wtdock" / "plan"
    outside = r"os|subprocess|git|docker|python_on_whales|wtdock\.(?:engine|gitops|registry)"
    forbidden = re.compile(rf"os\.environ|^\s*(?:import|from) (?:{outside})\b", re.M)
    for module in sorted(plan_dir.glob("*.py")):
        assert not forbidden.search(module.read_text(encoding="utf-8")), module.name


def test_poll_sets_the_watchers_polling_variables(templates: Templates) -> None:
    config = reference_config()
    config["services"]["front"] |= {"poll": True, "environment": {"WTDOCK_POLL": "0"}}
    env = plan_for(workspace(config), templates, feat_02()).environment
    assert env["front"]["CHOKIDAR_USEPOLLING"] == "true"
    assert env["front"]["WATCHPACK_POLLING"] == "true"
    assert env["front"]["WTDOCK_POLL"] == "0"  # the service's own environment wins
    assert "CHOKIDAR_USEPOLLING" not in env["api"]  # only where asked


def test_path_is_where_the_services_checkout_is_mounted(templates: Templates) -> None:
    config = reference_config()
    config["services"]["front"]["environment"] = {"OWN": "{{ services.front.path }}", "API": "{{ services.api.path }}"}
    mine = plan_for(workspace(config), templates, feat_01()).environment["front"]
    assert mine == {"OWN": "/ws/.wtdock/worktrees/feat-01/front", "API": "/ws/api"}  # api: the shared one's
    both = plan_for(workspace(config), templates, feat_02()).environment["front"]
    assert both["API"] == "/ws/.wtdock/worktrees/feat-02/api"
    config["services"]["api"]["environment"] = {"FRONT": "{{ services.front.path }}", "OWN": "{{ services.api.path }}"}
    shared = plan_of_shared(workspace(config), templates).compose["services"]["api"]["environment"]
    assert (shared["FRONT"], shared["OWN"]) == ("", "/ws/api")  # front: no shared instance to point at
