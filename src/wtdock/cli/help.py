"""Help that reads like other CLIs' (``TICKET`` and ``[SERVICE]`` in usage lines, not typer's
``{ticket}`` and ``ticket <str>``), and completion by metavar."""

from __future__ import annotations

from typing import Any

from typer.core import TyperArgument

from wtdock.cli.complete import BY_METAVAR


class WtdockArgument(TyperArgument):
    """An argument shown by its metavar (or its name in capitals), required or ``[optional]``."""

    def _usage_display_name(self) -> str:
        name = self.metavar or (self.name or "").upper()
        name = name if self.required else f"[{name}]"
        return name if self.nargs == 1 or name.endswith("...") else f"{name}..."

    def _rich_display_name(self) -> str:
        return self.metavar or (self.name or "").upper()

    def display_type_rich(self, ctx: Any) -> str | None:  # noqa: ARG002 - typer's signature
        return None  # the help text says what it is; `<str>` says nothing


def tidy(command: Any) -> None:
    """Give every argument of ``command`` and its subcommands wtdock's rendering, and every
    ``TICKET``, ``SERVICE`` or ``REPO=...`` its completion. Typer builds its parameters itself, so
    they are adjusted once the command tree exists; completers set here (click's own hook) cost
    `--help` nothing, where typer's ``autocompletion=`` inspects each one on every run."""
    for param in getattr(command, "params", []):
        if type(param) is TyperArgument:
            param.__class__ = WtdockArgument  # same fields, other rendering
        completer = BY_METAVAR.get(param.metavar or "")
        if completer is not None and param._custom_shell_complete is None:
            param._custom_shell_complete = completer  # click's own hook
    for sub in getattr(command, "commands", {}).values():
        tidy(sub)
