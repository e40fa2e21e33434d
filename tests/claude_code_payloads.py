"""Payloads Claude Code's worktree hooks get on stdin, recorded as sent and as documented; the tests
fill in the paths of their own workspace.

- Hooks reference, https://code.claude.com/docs/en/hooks#worktreecreate: "the hook must print the
  absolute path to the created worktree directory" on stdout (command hooks: the last non-empty
  line), a non-zero exit fails the creation; #worktreeremove: the input carries ``worktree_path``.
- What Claude Code 2.1.207 sent for `claude -p --worktree wt-hooked`, captured by teeing stdin in
  the hook (anthropics/claude-code#77566; the same shape from the Workflow runtime in 2.1.165,
  anthropics/claude-code#65646): the worktree's name as ``name``, no path and no base.
- What the hooks reference listed (quoted in anthropics/claude-code#65646): ``worktree_name``,
  ``source_ref``, ``base_path`` (where Claude Code would put it; wtdock keeps its own layout).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

SESSION = {
    "session_id": "412cbaa3-5a0e-4c1b-9d6f-2f8e1c7b9a10",
    "transcript_path": "/home/you/.claude/projects/-home-you-shop-api/412cbaa3-5a0e-4c1b-9d6f-2f8e1c7b9a10.jsonl",
}

# anthropics/claude-code#77566: {session_id, transcript_path, cwd, hook_event_name, name}
CREATE_SENT: dict[str, Any] = {**SESSION, "cwd": "/home/you/shop/api", "hook_event_name": "WorktreeCreate",
                               "name": "wt-hooked"}

# code.claude.com/docs/en/hooks#worktreecreate, as quoted in anthropics/claude-code#65646
CREATE_DOCUMENTED: dict[str, Any] = {**SESSION, "cwd": "/home/you/shop/front", "hook_event_name": "WorktreeCreate",
                                     "worktree_name": "feat-auth", "source_ref": "main",
                                     "base_path": "/home/you/shop/front/.worktrees"}

# code.claude.com/docs/en/hooks#worktreeremove
REMOVE_SENT: dict[str, Any] = {**SESSION, "cwd": "/home/you/shop/api", "hook_event_name": "WorktreeRemove",
                               "worktree_path": "/home/you/shop/.wtdock/worktrees/wt-hooked/api"}


def payload(recorded: dict[str, Any], **fields: str | Path) -> dict[str, Any]:
    """A recorded payload with some fields set to this test's values (paths as strings)."""
    return {**recorded, **{key: str(value) for key, value in fields.items()}}
