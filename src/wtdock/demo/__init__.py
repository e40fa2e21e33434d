"""`wtdock demo`'s own workspace: two tiny repos shipped inside the package (a front-end and an API
that uses Postgres, Redis and NATS JetStream), its config and the images it runs on.

The test suite builds its reference workspace from the same files (one copy of the apps)."""

from __future__ import annotations

from pathlib import Path

# Package data (hatch puts every file under src/wtdock into the wheel): copied into the demo's repos.
APPS = Path(__file__).parent / "apps"
RUNTIME = Path(__file__).parent / "runtime"
