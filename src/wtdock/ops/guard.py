"""The data-loss guard: what removing a ticket's worktrees would lose (uncommitted changes,
untracked files, and commits that no other branch, tag, remote or rescue ref holds, from the
worktree's own reflog too), in the words `down` refuses with."""

from __future__ import annotations

from pathlib import Path

from wtdock import gitops
from wtdock.registry import TicketRecord


def risks(record: TicketRecord) -> dict[str, gitops.WorkAtRisk]:
    """What each worktree wtdock made for the ticket holds that its removal could lose."""
    return {
        repo: gitops.work_at_risk(Path(rec.path), rec.branch, since=rec.start_commit)
        for repo, rec in record.repos.items()
        if rec.created_worktree and Path(rec.path).is_dir()
    }


def describe(risk: gitops.WorkAtRisk) -> list[str]:
    """The lines `down` refuses with (ignored files are kept, not refused for)."""
    lines = []
    if risk.changed:
        lines.append(f"uncommitted changes: {_few(risk.changed)}")
    if risk.untracked:
        lines.append(f"untracked files: {_few(risk.untracked)}")
    if risk.unpushed:
        lines.append(f"commits on no other branch or remote: {_few(risk.unpushed)}")
    return lines


def _few(items: list[str], limit: int = 5) -> str:
    more = f" (+{len(items) - limit} more)" if len(items) > limit else ""
    return ", ".join(items[:limit]) + more
