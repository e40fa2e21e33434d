"""A Compose project name belongs to one workspace: never start or remove another's containers."""

from __future__ import annotations

from wtdock import engine
from wtdock.errors import RefusedError
from wtdock.plan.model import LABEL_WORKSPACE
from wtdock.workspace import Workspace


def check_project_is_ours(ws: Workspace, project: str, running: list[engine.ContainerInfo]) -> None:
    """Workspace ``shop`` with ticket ``a-b`` and workspace ``shop-a`` with ticket ``b`` are both
    project ``shop-a-b`` (ticket ``a-shared`` and the shared project of ``shop-a`` too): starting
    or removing one would replace the other's containers."""
    strangers = [c.labels.get(LABEL_WORKSPACE) for c in running if c.labels.get(LABEL_WORKSPACE) != ws.name]
    if strangers:
        owner = f"workspace {strangers[0]!r}" if strangers[0] else "something other than wtdock"
        raise RefusedError(
            f"Compose project {project} belongs to {owner}",
            hint=f"pick another ticket name, or another `name:` in {ws.config_file}",
        )
