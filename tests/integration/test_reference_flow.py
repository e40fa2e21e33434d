"""The two reference commands: exactly the documented URLs, ports and wiring."""

from __future__ import annotations

from tests.integration.helpers import Sandbox, http_get, http_json
from tests.reference import REFERENCE_BASE as B


def test_feat01_uses_shared_api_and_feat02_its_own(reference_workspace: Sandbox) -> None:
    ws = reference_workspace
    first = ws.cli("up", "feat-01")
    assert f"front  http://127.0.0.1:{B + 1}  [feat-01]" in first.stdout
    assert f"api    http://127.0.0.1:{B}  shared" in first.stdout

    second = ws.cli("up", "feat-02", "--from", "front=feat/ui", "--from", "api=feat/endpoint")
    assert f"front  http://127.0.0.1:{B + 2}  [feat-02]" in second.stdout
    assert f"api    http://127.0.0.1:{B + 1001}  [feat-02]" in second.stdout

    # Each front-end serves its own branch and reaches the API it is wired to.
    assert http_get(f"http://127.0.0.1:{B + 1}/") == "front main\n"
    assert http_get(f"http://127.0.0.1:{B + 1}/api") == "api main\n"
    assert http_get(f"http://127.0.0.1:{B + 2}/") == "front feat/ui\n"
    assert http_get(f"http://127.0.0.1:{B + 2}/api") == "api feat/endpoint\n"
    assert http_get(f"http://127.0.0.1:{B}/") == "api main\n"

    # The dedicated API reaches the shared Postgres (its own database), Redis and event stream.
    check = http_json(f"http://127.0.0.1:{B + 1001}/check")
    assert check["redis"] is True
    assert check["events"] == "feat-02"
    assert check["database"].startswith("app_feat_02")


def test_up_twice_is_a_no_op_and_ignores_compose_env(reference_workspace: Sandbox, hijack_env: None) -> None:
    ws = reference_workspace
    ws.cli("up", "feat-01")
    again = ws.cli("up", "feat-01")
    assert "feat-01: already running" in again.stdout
    assert http_get(f"http://127.0.0.1:{B + 1}/") == "front main\n"
