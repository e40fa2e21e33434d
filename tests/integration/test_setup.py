"""Setup per worktree, dependency volumes copied between tickets, migrations on the ticket's own
database, ignored files copied into new worktrees, and trust of a committed config: on the real
engine, with the stand-in runtime as the service's image."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import docker
import psycopg2
import pytest

from tests.integration.helpers import Sandbox, git

# "Installs" what deps.lock lists into node_modules and counts its runs there, so a test sees what
# was installed, whether it was copied, and how often setup ran in each ticket.
INSTALL = "cp deps.lock node_modules/installed && echo run >> node_modules/runs"
MIGRATE = (
    "python3 -c \"import os, psycopg2; c = psycopg2.connect(os.environ['DATABASE_URL']); c.autocommit = True; "
    "c.cursor().execute(open('migration.sql').read())\""
)


def with_setup(config: dict[str, Any]) -> None:
    api = config["services"]["api"]
    api["setup"] = [INSTALL]
    api["inputs"] = ["deps.lock"]
    api["dependencies"] = ["node_modules"]
    api["migrate"] = [MIGRATE]
    config["repos"]["api"]["include"] = [".env"]


@pytest.fixture
def ws(make_workspace: Callable[..., Sandbox]) -> Sandbox:
    ws = make_workspace("setup", edit=with_setup)
    api = ws.root / "api"
    (api / "deps.lock").write_text("left-pad 1.0\n")
    (api / "migration.sql").write_text("CREATE TABLE IF NOT EXISTS items (id int)")
    (api / ".gitignore").write_text(".env\nnode_modules/\n")
    git(api, "add", "-A")
    git(api, "commit", "-qm", "deps and a migration")
    (api / ".env").write_text("SECRET=from-primary\n")
    return ws


def in_api(engine: docker.DockerClient, ws: Sandbox, ticket: str, command: str) -> str:
    container = engine.containers.list(filters={"label": [f"dev.wtdock.workspace={ws.name}",
                                                          f"dev.wtdock.ticket={ticket}", "dev.wtdock.service=api"]})[0]
    code, out = container.exec_run(["sh", "-c", command])
    assert code == 0, out
    return str(out.decode())


def tables(ws: Sandbox, database: str) -> set[str]:
    env = dict(line.split("=", 1) for line in ws.cli("shared", "env").stdout.splitlines())
    url = env["DATABASE_URL"].rsplit("/", 1)[0] + f"/{database}"
    conn = psycopg2.connect(url, connect_timeout=5)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            return {row[0] for row in cur.fetchall()}
    finally:
        conn.close()


def prepared(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {p["service"]: p for p in result["prepared"]}


def test_setup_runs_once_per_inputs_and_a_second_ticket_copies_the_dependencies(
    ws: Sandbox, engine: docker.DockerClient
) -> None:
    first = ws.envelope("up", "t1", "--from", "api=main")
    api = prepared(first)["api"]
    # The shared instance installed first (from the primary checkout): the ticket copied its volume.
    assert api["setup"] == "ran" and api["copied_from"] == "the shared instance"
    assert in_api(engine, ws, "t1", "cat node_modules/installed") == "left-pad 1.0\n"
    worktree = ws.worktree("t1", "api")
    # The host side of the mount is an empty folder of the host user's, and git sees nothing new.
    assert list((worktree / "node_modules").iterdir()) == []
    assert (worktree / "node_modules").stat().st_uid == os.getuid()
    assert git(worktree, "status", "--porcelain") == ""
    # Ignored files the worktree needs came from the primary checkout.
    assert (worktree / ".env").read_text() == "SECRET=from-primary\n"

    listed = {s["service"]: s for s in ws.json("ps")[0]["services"]}
    assert listed["api"]["volumes"] == [f"{ws.name}-t1-api-node_modules"] and listed["front"]["volumes"] == []

    again = ws.envelope("up", "t1")
    assert prepared(again)["api"]["setup"] == "up to date"

    second = ws.envelope("up", "t2", "--from", "api=main")
    assert prepared(second)["api"]["copied_from"] in ("the shared instance", "ticket t1")
    # A lockfile change in one ticket reinstalls that ticket only.
    (ws.worktree("t2", "api") / "deps.lock").write_text("left-pad 2.0\n")
    changed = ws.envelope("up", "t2")
    assert prepared(changed)["api"]["setup"] == "ran"
    assert in_api(engine, ws, "t2", "cat node_modules/installed") == "left-pad 2.0\n"
    assert in_api(engine, ws, "t1", "cat node_modules/installed") == "left-pad 1.0\n"
    assert prepared(ws.envelope("up", "t1"))["api"]["setup"] == "up to date"

    # `setup --force` runs it again by hand.
    forced = ws.json("setup", "t1", "--force")
    assert [p["setup"] for p in forced["prepared"]] == ["ran"]

    volumes = {v.name for v in engine.volumes.list(filters={"label": f"dev.wtdock.workspace={ws.name}"})}
    assert {f"{ws.name}-t1-api-node_modules", f"{ws.name}-t2-api-node_modules"} <= volumes
    ws.cli("down", "t2", "--force")  # its changed deps.lock goes to a rescue ref
    volumes = {v.name for v in engine.volumes.list(filters={"label": f"dev.wtdock.workspace={ws.name}"})}
    assert f"{ws.name}-t2-api-node_modules" not in volumes
    assert f"{ws.name}-t1-api-node_modules" in volumes


def test_migrations_land_in_the_tickets_database_only(ws: Sandbox) -> None:
    ws.cli("up", "t1", "--from", "api=main")
    # The shared instance migrated the base database before the ticket's was copied from it.
    assert "items" in tables(ws, "app")
    (ws.worktree("t1", "api") / "migration.sql").write_text("CREATE TABLE IF NOT EXISTS extra (id int)")
    result = ws.envelope("up", "t1")
    assert prepared(result)["api"]["migrated"] is True
    database = ws.json("env", "t1")["ticket"]["database"]
    assert {"items", "extra"} <= tables(ws, database)
    assert "extra" not in tables(ws, "app")


def test_a_failing_setup_names_the_command_and_up_resumes(
    make_workspace: Callable[..., Sandbox], engine: docker.DockerClient
) -> None:
    def failing(config: dict[str, Any]) -> None:
        api = config["services"]["api"]
        api.pop("shared")
        config["services"]["front"]["environment"] = {}
        api["setup"] = ["echo resolving; echo 'npm error code E404' >&2; exit 3"]
        api["dependencies"] = ["node_modules"]

    ws = make_workspace("setupfail", edit=failing)
    result = ws.cli("up", "t1", "--from", "api=main", code=5)
    assert "api: setup `echo resolving; echo 'npm error code E404' >&2; exit 3` exited 3" in result.stderr
    assert "npm error code E404" in result.stderr
    assert "resumes" in result.stderr
    # What was made stays, so the next `up` resumes instead of starting over.
    assert ws.worktree("t1", "api").is_dir()
    config = ws.config_file.read_text().replace("exit 3", "exit 0")
    ws.config_file.write_text(config)
    assert prepared(ws.envelope("up", "t1"))["api"]["setup"] == "ran"


def test_commands_of_a_committed_config_run_only_once_trusted(
    ws: Sandbox, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    git(ws.root, "init", "-q", "-b", "main")
    git(ws.root, "add", "wtdock.yaml")
    git(ws.root, "commit", "-qm", "the workspace's config")
    refused = ws.cli("up", "t1", "--from", "api=main", code=3)
    assert "not trusted" in refused.stderr and "wtdock trust" in refused.stderr
    assert "npm" not in ws.cli("trust", "--show").stdout and "deps.lock" in ws.cli("trust", "--show").stdout
    ws.cli("trust")
    ws.cli("up", "t1", "--from", "api=main")
    # A change to the commands asks again.
    ws.config_file.write_text(ws.config_file.read_text().replace("echo run", "echo again"))
    assert "not trusted" in ws.cli("up", "t1", code=3).stderr


def test_an_image_build_reads_the_host_ca_as_a_secret(make_workspace: Callable[..., Sandbox]) -> None:
    def built(config: dict[str, Any]) -> None:
        api = config["services"]["api"]
        api.pop("image")
        api["build"] = "api"

    ws = make_workspace("buildca", edit=built)
    # The stand-in runtime as the base; the build fails unless the secret holds a certificate.
    (ws.root / "api" / "Dockerfile").write_text(
        "FROM wtdock-standin/runtime:1\n"
        "RUN --mount=type=secret,id=wtdock_ca,target=/tmp/ca.pem grep -q 'BEGIN CERTIFICATE' /tmp/ca.pem\n"
    )
    git(ws.root / "api", "add", "Dockerfile")
    git(ws.root / "api", "commit", "-qm", "a Dockerfile that needs the CA")
    ws.cli("up", "t1", "--from", "api=main")


def test_gc_removes_dependency_volumes_of_tickets_that_are_gone(ws: Sandbox, engine: docker.DockerClient) -> None:
    ws.cli("up", "t1", "--from", "api=main")
    # What a `down` killed between removing the registry entry and the volumes would leave.
    labels = {"dev.wtdock.workspace": ws.name, "dev.wtdock.role": "ticket", "dev.wtdock.ticket": "gone",
              "dev.wtdock.service": "api", "dev.wtdock.dependency": "node_modules"}
    engine.volumes.create(name=f"{ws.name}-gone-api-node_modules", labels=labels)
    found = {f["what"]: f for f in ws.json("gc", "--yes")["found"] if f["kind"] == "dependency volume"}
    assert [f["outcome"] for f in found.values()] == ["removed"], found
    names = {v.name for v in engine.volumes.list(filters={"label": f"dev.wtdock.workspace={ws.name}"})}
    assert f"{ws.name}-gone-api-node_modules" not in names
    assert f"{ws.name}-t1-api-node_modules" in names  # a living ticket's stays
