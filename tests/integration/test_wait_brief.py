"""`wtdock wait` blocks until a ticket is healthy (one line after its timeout), and `wtdock brief`
describes a ticket in Markdown for an agent's context."""

from __future__ import annotations

from tests.integration.helpers import Sandbox, http_get
from tests.reference import REFERENCE_BASE


def test_wait_returns_when_healthy_and_fails_in_one_line_after_its_timeout(reference_workspace: Sandbox) -> None:
    ws = reference_workspace
    ws.cli("up", "feat-02", "--from", "api=feat/endpoint")
    found = ws.json("wait", "feat-02", "--timeout", "60")
    assert found["ticket"]["status"] == "running"
    assert all(s["health"] == "healthy" for s in found["ticket"]["services"] if s["dedicated"])

    ws.cli("stop", "feat-02")
    late = ws.cli("wait", "feat-02", "--timeout", "1", code=4)
    first = late.stderr.splitlines()[0]
    assert first.startswith("wtdock: error: ticket feat-02 is not healthy after 1 s (stopped: ")
    assert "Traceback" not in late.stderr


def test_brief_names_the_urls_data_code_and_how_to_test(reference_workspace: Sandbox) -> None:
    ws = reference_workspace
    ws.cli("up", "feat-02", "--from", "api=feat/endpoint")
    env = ws.json("env", "feat-02")["env"]
    text = ws.cli("brief", "feat-02").stdout
    assert text.startswith(f"# Ticket feat-02 (wtdock workspace {ws.name})\n")
    assert "Status: running." in text
    assert f"- api: {env['API_URL']} (its own, branch feat-02)" in text
    assert f"DATABASE_URL={env['DATABASE_URL']}" in text
    assert f"`{ws.worktree('feat-02', 'api')}`" in text
    assert "wtdock test feat-02 -- CMD" in text


def test_port_base_puts_every_host_port_of_the_ticket_in_its_block(reference_workspace: Sandbox) -> None:
    ws = reference_workspace
    block = range(REFERENCE_BASE + 50, REFERENCE_BASE + 60)
    made = ws.json("up", "feat-02", "--from", "api=feat/endpoint", "--port-base", str(block.start))
    ports = {s["service"]: s["host_port"] for s in made["ticket"]["services"]}
    assert set(ports) == {"front", "api"}
    assert all(port in block for port in ports.values()), ports
    assert http_get(f"http://127.0.0.1:{ports['api']}/") == "api feat/endpoint\n"
    # Kept with the ticket: a later plain `up` leaves them where they are.
    again = ws.json("up", "feat-02")
    assert {s["service"]: s["host_port"] for s in again["ticket"]["services"]} == ports
    bad = ws.cli("up", "feat-03", "--port-base", "80", code=2)
    assert "--port-base" in bad.stderr
