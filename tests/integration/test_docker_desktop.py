"""What a person sees of a ticket in Docker Desktop (or `docker ps`): its containers grouped by
project, readable names, and labels naming its workspace, ticket, service, repo, branch, worktree
and URL; `docker ps --filter label=dev.wtdock.ticket=T` finds exactly that ticket's containers."""

from __future__ import annotations

import json
import subprocess

from tests.integration.helpers import Sandbox


def docker_ps(*filters: str) -> list[dict[str, str]]:
    argv = ["docker", "ps", "--all", "--format", "{{json .}}", *(f"--filter=label={f}" for f in filters)]
    out = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    return [json.loads(line) for line in out.splitlines()]


def labels_of(name: str) -> dict[str, str]:
    out = subprocess.run(["docker", "inspect", "--format", "{{json .Config.Labels}}", name],
                         capture_output=True, text=True, check=True).stdout
    return dict(json.loads(out))


def test_docker_ps_by_ticket_label_shows_exactly_that_tickets_containers(reference_workspace: Sandbox) -> None:
    ws = reference_workspace
    ws.cli("up", "feat-02", "--from", "front=feat/ui", "--from", "api=feat/endpoint")
    ws.cli("up", "feat-02x")  # a name feat-02 is a prefix of
    ws.cli("up", "feat-01")

    # Two workspaces on one engine may both have a feat-02: the workspace label tells them apart.
    found = {c["Names"] for c in docker_ps("dev.wtdock.ticket=feat-02", f"dev.wtdock.workspace={ws.name}")}
    assert found == {f"{ws.name}-feat-02-front-1", f"{ws.name}-feat-02-api-1"}

    urls = ws.json("url", "feat-02")["urls"]
    for service in ("front", "api"):
        labels = labels_of(f"{ws.name}-feat-02-{service}-1")
        worktree = ws.worktree("feat-02", service)
        assert labels["dev.wtdock.workspace"] == ws.name
        assert labels["dev.wtdock.ticket"] == "feat-02"
        assert labels["dev.wtdock.service"] == service
        assert labels["dev.wtdock.repo"] == service
        assert labels["dev.wtdock.branch"] == "feat-02"
        assert labels["dev.wtdock.worktree"] == str(worktree)
        assert labels["dev.wtdock.url"] == urls[service]
        # Docker Desktop groups containers by Compose project: one per ticket.
        assert labels["com.docker.compose.project"] == f"{ws.name}-feat-02"

    shared_api = labels_of(f"{ws.name}-shared-api-1")
    assert shared_api["dev.wtdock.role"] == "shared"
    assert shared_api["dev.wtdock.repo"] == "api"
    assert shared_api["dev.wtdock.worktree"] == str(ws.root / "api")
    every = {c["Names"] for c in docker_ps(f"dev.wtdock.workspace={ws.name}", "dev.wtdock.role=ticket")}
    assert every == {f"{ws.name}-{t}-{s}-1" for t, s in
                     [("feat-02", "front"), ("feat-02", "api"), ("feat-02x", "front"), ("feat-01", "front")]}
