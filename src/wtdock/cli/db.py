"""`wtdock db ...`: each ticket's own database in the shared Postgres."""

from __future__ import annotations

import typer

app = typer.Typer(help="Per-ticket databases in the shared Postgres.", no_args_is_help=True)
