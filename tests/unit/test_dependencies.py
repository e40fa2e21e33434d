"""Dependency volumes, the host CA and one-off runs in the plan; inputs hashes, include globs and
the CA bundle search: pure functions and plain files, no engine."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from tests.unit.helpers import reference_config, workspace
from tests.unit.test_plan import SHARED, USER, feat_02
from wtdock.errors import ConfigError
from wtdock.ops.include import include_globs
from wtdock.ops.prepare import inputs_hash
from wtdock.plan import ticket as ticket_plan
from wtdock.plan.dependencies import CA_MOUNT, dependency_volumes, one_off
from wtdock.templates import load_templates
from wtdock.workspace import Workspace, find_ca_bundle


def node_workspace(**extra: object) -> Workspace:
    config = reference_config()
    config["services"]["api"] |= {
        "setup": ["npm ci"], "inputs": ["package-lock.json"], "dependencies": ["node_modules", "vendor/bundle"],
        "migrate": [["npx", "knex", "migrate:latest"]],
    }
    return workspace(config | extra)


def test_each_dependency_folder_gets_a_volume_of_the_ticket_mounted_over_it() -> None:
    ws = node_workspace()
    plan = ticket_plan.plan_ticket(ws, load_templates(), SHARED, feat_02(), USER)
    api = plan.compose["services"]["api"]
    worktree = "/ws/.wtdock/worktrees/feat-02/api"
    mounts = {m["target"]: m["source"] for m in api["volumes"] if m["type"] == "volume"}
    assert mounts == {
        f"{worktree}/node_modules": "demo-feat-02-api-node_modules",
        f"{worktree}/vendor/bundle": "demo-feat-02-api-vendor-bundle",
    }
    # Made and removed by wtdock, so Compose must find them and never make its own.
    assert plan.compose["volumes"] == {name: {"name": name, "external": True} for name in mounts.values()}
    assert dependency_volumes(ws.config, "shared", "api")["node_modules"] == "demo-shared-api-node_modules"


def test_the_host_ca_is_mounted_read_only_with_the_variables_tools_read() -> None:
    ws = dataclasses.replace(node_workspace(), ca_bundle=Path("/etc/ssl/certs/ca-certificates.crt"))
    plan = ticket_plan.plan_ticket(ws, load_templates(), SHARED, feat_02(), USER)
    api = plan.compose["services"]["api"]
    assert {"type": "bind", "source": "/etc/ssl/certs/ca-certificates.crt", "target": CA_MOUNT,
            "read_only": True} in api["volumes"]
    for name in ("SSL_CERT_FILE", "NODE_EXTRA_CA_CERTS", "REQUESTS_CA_BUNDLE", "PIP_CERT", "npm_config_cafile",
                 "CURL_CA_BUNDLE", "GIT_SSL_CAINFO"):
        assert api["environment"][name] == CA_MOUNT
    without = ticket_plan.plan_ticket(node_workspace(), load_templates(), SHARED, feat_02(), USER)
    assert "NODE_EXTRA_CA_CERTS" not in without.compose["services"]["api"]["environment"]


def test_a_one_off_run_holds_no_address_alias_or_port_of_the_service() -> None:
    plan = ticket_plan.plan_ticket(node_workspace(), load_templates(), SHARED, feat_02(), USER)
    run = one_off(plan.compose)
    for name, service in run["services"].items():
        assert service["networks"] == {"shared": {}}
        assert "ports" not in service and "healthcheck" not in service
        assert service["volumes"] == plan.compose["services"][name]["volumes"]
    assert plan.compose["services"]["api"]["networks"]["shared"]  # the plan itself is untouched


def test_the_inputs_hash_follows_the_lockfile_and_the_commands(tmp_path: Path) -> None:
    ws = node_workspace()
    (tmp_path / "package-lock.json").write_text("{}")
    first = inputs_hash(ws.config, "api", tmp_path)
    assert inputs_hash(ws.config, "api", tmp_path) == first
    (tmp_path / "README.md").write_text("not an input")
    assert inputs_hash(ws.config, "api", tmp_path) == first
    (tmp_path / "package-lock.json").write_text('{"changed": true}')
    assert inputs_hash(ws.config, "api", tmp_path) != first
    config = reference_config()
    config["services"]["api"] |= {"setup": ["npm install"], "inputs": ["package-lock.json"]}
    assert inputs_hash(workspace(config).config, "api", tmp_path) != inputs_hash(ws.config, "api", tmp_path)


def test_worktreeinclude_adds_its_globs(tmp_path: Path) -> None:
    (tmp_path / ".worktreeinclude").write_text("# secrets\n.env\n./config/master.key\n\n/etc/passwd\n../up\n")
    assert include_globs(tmp_path, [".env.local"]) == [".env.local", ".env", "config/master.key"]
    assert include_globs(tmp_path / "none", []) == []


def test_the_ca_bundle_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    bundle = tmp_path / "corp.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n")
    config = tmp_path / "wtdock.yaml"
    assert find_ca_bundle("off", config, (str(bundle),)) is None
    assert find_ca_bundle("auto", config, (str(tmp_path / "missing"), str(bundle))) == bundle
    assert find_ca_bundle("auto", config, (str(tmp_path / "missing"),)) is None
    assert find_ca_bundle("corp.pem", config) == bundle
    with pytest.raises(ConfigError, match="ca_bundle: no such file"):
        find_ca_bundle("nope.pem", config)


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("dependencies", ["/abs"], "paths inside the service's workdir"),
        ("inputs", ["../lock"], "paths inside the service's workdir"),
        ("dependencies", ["node_modules", "node_modules/"], "same folder twice"),
        ("setup", [""], "at least 1"),
    ],
)
def test_bad_setup_keys_are_config_errors(key: str, value: object, message: str) -> None:
    config = reference_config()
    config["services"]["api"][key] = value
    with pytest.raises(ValueError, match=message):
        workspace(config)


def test_builds_get_the_host_ca_as_a_build_secret() -> None:
    config = reference_config()
    config["services"]["api"].pop("image")
    config["services"]["api"]["build"] = "api"
    ws = dataclasses.replace(workspace(config), ca_bundle=Path("/etc/ssl/certs/ca-certificates.crt"))
    plan = ticket_plan.plan_ticket(ws, load_templates(), SHARED, feat_02(), USER)
    assert plan.compose["services"]["api"]["build"]["secrets"] == ["wtdock_ca"]
    assert plan.compose["secrets"] == {"wtdock_ca": {"file": "/etc/ssl/certs/ca-certificates.crt"}}
    assert "secrets" not in ticket_plan.plan_ticket(node_workspace(), load_templates(), SHARED, feat_02(), USER).compose
