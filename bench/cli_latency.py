"""How fast do the everyday commands answer? Each against the naive way, in this run.

    .venv/bin/python bench/cli_latency.py [--tickets 6] [--repeat 5]

- `wtdock ps` (the registry plus ONE label-filtered engine query) vs `docker compose -p P ps`
  once per ticket, which is what a script around Compose does.
- `wtdock up` of a ticket that already runs (a no-op: render, compare the hash, one query) vs
  `docker compose up --detach --wait` of the same file (Compose checking every container).
- `wtdock --help` vs `python -c pass` (interpreter start): the cost of wtdock's own imports.

Needs a Docker engine and the stand-in images (scripts/build-standins). Makes a throwaway
workspace from the test suite's two tiny repos and removes it at the end.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ruamel.yaml import YAML

# The test suite's tiny repos and reference config, from the repo root.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.integration.helpers import STANDIN_IMAGES
from tests.reference import reference_config

from wtdock.demo.repos import make_repo

WTDOCK = [sys.executable, "-m", "wtdock"]


def median_time(argv: list[str], repeat: int, env: dict[str, str]) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(argv, env=env, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def per_ticket_ps(projects: list[str], repeat: int, env: dict[str, str]) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        for project in projects:
            subprocess.run(["docker", "compose", "-p", project, "ps", "--format", "json"],
                           env=env, check=True, capture_output=True, cwd="/")
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def row(label: str, ours: float, base: float, base_label: str) -> None:
    print(f"  {label:28} {ours:6.3f} s   {base_label:34} {base:6.3f} s   ratio {ours / base:5.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=6)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    env = {**os.environ, **STANDIN_IMAGES}
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        make_repo(root / "front", "front_server.py", "front", {})
        make_repo(root / "api", "api_server.py", "api", {})
        name = f"bench-cli-{os.getpid() % 10000}"
        with (root / "wtdock.yaml").open("w") as handle:
            YAML().dump(reference_config(name, base=21000), handle)
        ws = [*WTDOCK, "-w", str(root)]
        try:
            tickets = [f"t{i}" for i in range(args.tickets)]
            for ticket in tickets:
                subprocess.run([*ws, "up", ticket], env=env, check=True, capture_output=True)
            projects = [f"{name}-{t}" for t in tickets]
            print(f"{args.tickets} running tickets, medians of {args.repeat} runs (ratio < 1: wtdock is faster)")
            row("wtdock ps", median_time([*ws, "ps"], args.repeat, env),
                per_ticket_ps(projects, args.repeat, env), f"docker compose ps x {args.tickets}")
            compose_file = root / ".wtdock" / "tickets" / "t0" / "compose.yaml"
            row("wtdock up t0 (running)", median_time([*ws, "up", "t0"], args.repeat, env),
                median_time(["docker", "compose", "-p", projects[0], "-f", str(compose_file), "up",
                             "--detach", "--wait"], args.repeat, env), "docker compose up --wait")
            row("wtdock --help", median_time([*WTDOCK, "--help"], args.repeat, env),
                median_time([sys.executable, "-c", "pass"], args.repeat, env), "python -c pass")
        finally:
            for ticket in tickets:
                subprocess.run([*ws, "down", ticket, "--force"], env=env, capture_output=True, check=False)
            subprocess.run([*ws, "shared", "down", "--force", "--volumes", "--yes"], env=env,
                           capture_output=True, check=False)
            shutil.rmtree(root / ".wtdock", ignore_errors=True)


if __name__ == "__main__":
    main()
