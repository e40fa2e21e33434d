"""A service that exits or stays unhealthy is named (issue 11): a real user's first failure said
`a service did not become healthy: #10 DONE 1.5s` (the last line of a build log) while the API had
exited 1 with a NameError. Now: the service, its exit code or health, its healthcheck's last
output and its last log lines, in text and in `--json`."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from tests.integration.helpers import Sandbox, check_schema

CRASH = (
    "import sys\n"
    "print('loading settings', flush=True)\n"
    "print('connecting to the database', file=sys.stderr, flush=True)\n"
    "raise NameError(\"name 'sesion' is not defined\")\n"
)


def _crashing_front(config: dict[str, Any]) -> None:
    config["services"]["front"]["command"] = ["python3", "-c", CRASH]


def test_an_app_that_crashes_on_start_is_named_with_its_exit_code_and_last_lines(
    make_workspace: Callable[..., Sandbox],
) -> None:
    ws = make_workspace("crash", edit=_crashing_front)
    result = ws.cli("up", "t1", code=5)
    lines = result.stderr.splitlines()
    error = next(line for line in lines if line.startswith("wtdock: error:"))
    assert error == f"wtdock: error: {ws.name}-t1: front exited with code 1"
    assert "  front: last 5 log line(s):" in lines, result.stderr
    assert "    | loading settings" in lines
    assert "    | connecting to the database" in lines
    assert "    | NameError: name 'sesion' is not defined" in lines

    found = json.loads(ws.cli("up", "t1", "--json", code=5).stdout)
    check_schema(found)
    failure = found["error"]
    assert (failure["kind"], failure["service"], failure["exit_code"]) == ("service_unhealthy", "front", 1)
    # This second `up` started it again: its tail may end in the new run's first lines.
    assert "NameError: name 'sesion' is not defined" in failure["logs"]
    assert failure["last_output"] is None  # its healthcheck never ran: it had exited


FAILING_CHECK = ["CMD", "python3", "-c", "import sys; print('GET /health: 503 database not migrated'); sys.exit(1)"]


def _unhealthy_front(config: dict[str, Any]) -> None:
    config["services"]["front"]["healthcheck"] = {
        "test": FAILING_CHECK, "interval": "1s", "retries": 2, "start_period": "1s", "start_interval": "1s",
    }


def test_an_app_whose_healthcheck_never_passes_shows_the_healthchecks_output(
    make_workspace: Callable[..., Sandbox],
) -> None:
    ws = make_workspace("sick", edit=_unhealthy_front)
    result = ws.cli("up", "t1", code=None)
    assert result.exit_code in (4, 5), result.stderr
    lines = result.stderr.splitlines()
    error = next(line for line in lines if line.startswith("wtdock: error:"))
    assert error == f"wtdock: error: {ws.name}-t1: front is unhealthy", result.stderr
    assert "  front: healthcheck said: GET /health: 503 database not migrated" in lines, result.stderr

    found = json.loads(ws.cli("up", "t1", "--json", code=None).stdout)
    check_schema(found)
    failure = found["error"]
    assert (failure["service"], failure["exit_code"], failure["health"]) == ("front", None, "unhealthy")
    assert failure["last_output"] == "GET /health: 503 database not migrated"
