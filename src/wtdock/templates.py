"""The Compose templates in ``compose-templates/``, loaded once per command."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wtdock import yamlio

SHARED_TEMPLATES = ("postgres", "redis", "nats", "redpanda")


def templates_dir() -> Path:
    """Inside an installed wheel they sit in the package; in a source checkout, at the top."""
    packaged = Path(__file__).parent / "compose-templates"
    return packaged if packaged.is_dir() else Path(__file__).resolve().parents[2] / "compose-templates"


@dataclass(frozen=True)
class Templates:
    shared: dict[str, dict[str, Any]]
    app_service: dict[str, Any]


def load_templates(directory: Path | None = None) -> Templates:
    folder = directory or templates_dir()
    return Templates(
        shared={name: yamlio.load_plain(folder / "shared" / f"{name}.yaml") for name in SHARED_TEMPLATES},
        app_service=yamlio.load_plain(folder / "app-service.yaml"),
    )
