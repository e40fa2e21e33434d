"""How long does a ticket's database take to make? Clone from the template (what wtdock does)
versus the usual `pg_dump | psql` of the same data, both measured in this run on this machine.

    .venv/bin/python bench/clone_db.py [--mb 100] [--repeat 5]

Needs a Docker engine and a Postgres image: the local stand-in (scripts/build-standins) unless
WTDOCK_IMAGE_POSTGRES names another. Makes a throwaway workspace and removes it at the end.
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from wtdock import engine
from wtdock.ops.context import Context
from wtdock.ops.databases import snapshot
from wtdock.ops.postgres import Postgres
from wtdock.ops.shared import shared_down, shared_up
from wtdock.workspace import Workspace

ROW_BYTES = 360  # a row of the filler table below, with its share of page and tuple overhead


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=100, help="size of the template database")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    os.environ.setdefault("WTDOCK_IMAGE_POSTGRES", "wtdock-standin/postgres:16")

    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        name = f"bench-{secrets.token_hex(3)}"
        (root / "wtdock.yaml").write_text(
            f"name: {name}\nshared:\n  redis: {{enabled: false}}\n  events: {{engine: none}}\n"
        )
        ctx = Context(Workspace.load(root))
        try:
            run(ctx, args.mb, args.repeat)
        finally:
            shared_down(ctx, force=True, volumes=True)


def run(ctx: Context, mb: int, repeat: int) -> None:
    shared_up(ctx)
    pg = Postgres(ctx)
    rows = mb * 1_000_000 // ROW_BYTES
    pg.run(
        f"CREATE TABLE big AS SELECT g AS id, repeat(md5(g::text), 8) AS pad FROM generate_series(1, {rows}) g",
        "CREATE INDEX ON big (id)",
        database="app",
    )
    made = snapshot(ctx)
    size_mb = pg.sizes()[made.template] / 1e6
    user = ctx.ws.config.shared.postgres.user

    def clone(i: int) -> None:
        pg.clone(made.template, f"clone_{i}")

    def dump_restore(i: int) -> None:
        # The baseline a script without templates would run: a fresh database, then dump | restore.
        shell = f"createdb -U {user} plain_{i} && pg_dump -U {user} app | psql -q -U {user} -d plain_{i}"
        result = engine.exec_capture(pg.container, ["sh", "-c", shell])
        if result.code != 0:
            raise SystemExit(f"pg_dump | psql failed: {result.stderr or result.stdout}")

    clones, baselines, trips = [], [], []
    for i in range(repeat):  # interleaved, so machine noise hits both alike
        clones.append(timed(lambda i=i: clone(i)))
        baselines.append(timed(lambda i=i: dump_restore(i)))
        trips.append(timed(lambda: pg.run("SELECT 1")))
    clone_s, base_s = statistics.median(clones), statistics.median(baselines)
    print(f"template database: {made.template}, {size_mb:.0f} MB, {repeat} runs each, medians:")
    print(f"  clone from template (CREATE DATABASE ... TEMPLATE): {clone_s:7.3f} s")
    print(f"    of which psql's round trip through docker exec:   {statistics.median(trips):7.3f} s")
    print(f"  pg_dump | psql of the same data (baseline):         {base_s:7.3f} s")
    print(f"  clone takes {clone_s / base_s:.3f} of the baseline's time ({base_s / clone_s:.0f}x faster)")


if __name__ == "__main__":
    main()
