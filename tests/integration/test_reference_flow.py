"""The two reference commands: exactly the documented URLs, ports and wiring."""

from __future__ import annotations

from tests.integration.helpers import Sandbox, http_get, http_json


def test_feat01_uses_shared_api_and_feat02_its_own(reference_workspace: Sandbox) -> None:
    ws = reference_workspace
    first = ws.cli("up", "feat-01")
    assert "front  http://127.0.0.1:3001  [feat-01]" in first.stdout
    assert "api    http://127.0.0.1:3000  shared" in first.stdout

    second = ws.cli("up", "feat-02", "--from", "front=feat/ui", "--from", "api=feat/endpoint")
    assert "front  http://127.0.0.1:3002  [feat-02]" in second.stdout
    assert "api    http://127.0.0.1:4001  [feat-02]" in second.stdout

    # Each front-end serves its own branch and reaches the API it is wired to.
    assert http_get("http://127.0.0.1:3001/") == "front main\n"
    assert http_get("http://127.0.0.1:3001/api") == "api main\n"
    assert http_get("http://127.0.0.1:3002/") == "front feat/ui\n"
    assert http_get("http://127.0.0.1:3002/api") == "api feat/endpoint\n"
    assert http_get("http://127.0.0.1:3000/") == "api main\n"

    # The dedicated API reaches the shared Postgres (its own database), Redis and event stream.
    check = http_json("http://127.0.0.1:4001/check")
    assert check["redis"] is True
    assert check["events"] == "feat-02"
    assert check["database"].startswith("app_feat_02")


def test_up_twice_is_a_no_op_and_ignores_compose_env(reference_workspace: Sandbox, hijack_env: None) -> None:
    ws = reference_workspace
    ws.cli("up", "feat-01")
    again = ws.cli("up", "feat-01")
    assert "feat-01: already running" in again.stdout
    assert http_get("http://127.0.0.1:3001/") == "front main\n"
