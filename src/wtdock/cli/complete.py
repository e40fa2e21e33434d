"""Shell completion: ticket names from the registry, service and repo names from the config,
for every parameter by its metavar (cli/help.py attaches them): a new `TICKET` argument completes
without further ado.

Completion runs on every <TAB>: no engine call, no lock, and any failure (no workspace, a broken
config) completes nothing rather than printing a traceback into the user's prompt."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from wtdock.workspace import Workspace


def _workspace(ctx: Any) -> Workspace | None:
    from wtdock.workspace import Workspace

    # Callbacks do not run while completing, so the root's `-w` is read from its parsed params.
    explicit = ctx.find_root().params.get("workspace")
    try:
        return Workspace.load(explicit=explicit)
    except Exception:  # noqa: BLE001 - see the module's docstring
        return None


def tickets(ctx: Any, _param: Any, incomplete: str) -> list[str]:
    """Ticket names the registry knows (a lock-free read of .wtdock/state.json)."""
    from wtdock.registry import Registry

    ws = _workspace(ctx)
    if ws is None:
        return []
    try:
        state = Registry(ws.registry_file, ws.lock_dir / "state.lock").read()
    except Exception:  # noqa: BLE001 - see the module's docstring
        return []
    return sorted(t.name for t in state.tickets.values() if t.name.startswith(incomplete))


def services(ctx: Any, _param: Any, incomplete: str) -> list[str]:
    ws = _workspace(ctx)
    return [s for s in ws.config.services if s.startswith(incomplete)] if ws is not None else []


def repo_pairs(ctx: Any, _param: Any, incomplete: str) -> list[str]:
    """``REPO=`` for options that take ``REPO=REF``, ``REPO=BRANCH``, ``REPO=PATH``."""
    ws = _workspace(ctx)
    return [f"{r}=" for r in ws.config.repos if f"{r}=".startswith(incomplete)] if ws is not None else []


BY_METAVAR = {
    "TICKET": tickets,
    "[TICKET] -- CMD...": tickets,
    "SERVICE": services,
    "REPO=REF": repo_pairs,
    "REPO=BRANCH": repo_pairs,
    "REPO=PATH": repo_pairs,
}
