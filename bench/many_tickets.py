"""A hundred tickets on one machine: past the old ceiling of ~30 (a network, so an address pool, per
ticket), on a stock engine.

    .venv/bin/python bench/many_tickets.py [--tickets 100] [--batch 10] [--own-api 4] [--base 22000]

Starts the tickets in parallel batches (every ``--own-api``-th with its own API, database and
Redis number), and reports each batch's time, that every ticket runs healthy and its `/api` answers
with the right branch, the number of networks on the engine, and its memory use (the containers', as
`docker stats` counts it, and the dockerd and containerd processes' when this machine runs them).
Needs a Docker engine and the stand-in images; removes what it made.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from ruamel.yaml import YAML

# The test suite's tiny repos and reference config, from the repo root.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.integration.helpers import STANDIN_IMAGES
from tests.reference import reference_config

from wtdock.demo.repos import make_repo

WTDOCK = [sys.executable, "-m", "wtdock"]
UNITS = {"B": 1, "KiB": 1024, "MiB": 1024**2, "GiB": 1024**3, "kB": 1000, "MB": 1000**2, "GB": 1000**3}


def run_batch(ws: list[str], env: dict[str, str], tickets: dict[str, list[str]]) -> dict[str, str]:
    """`wtdock up` of each ticket at once; the errors of those that failed."""
    procs = {t: subprocess.Popen([*ws, "up", t, *a], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 text=True) for t, a in tickets.items()}
    failed = {}
    for ticket, proc in procs.items():
        _, err = proc.communicate(timeout=900)
        if proc.returncode != 0:
            failed[ticket] = err.strip().splitlines()[-1] if err.strip() else f"exit {proc.returncode}"
    return failed


def mib(text: str) -> float:
    """``12.5MiB`` (as `docker stats` writes it) in MiB."""
    match = re.fullmatch(r"([0-9.]+)\s*([A-Za-z]+)", text.strip())
    if match is None:
        return 0.0
    return float(match.group(1)) * UNITS[match.group(2)] / 1024**2


def container_memory(workspace: str) -> tuple[int, float]:
    """How many containers of the workspace run, and the memory they use (MiB) as `docker stats` says."""
    names = subprocess.run(["docker", "ps", "-q", "--filter", f"label=dev.wtdock.workspace={workspace}"],
                           capture_output=True, text=True, check=True).stdout.split()
    stats = subprocess.run(["docker", "stats", "--no-stream", "--format", "{{json .}}", *names],
                           capture_output=True, text=True, check=True).stdout.splitlines()
    return len(names), sum(mib(json.loads(line)["MemUsage"].split(" / ")[0]) for line in stats)


def process_rss(name: str) -> float | None:
    """The resident memory (MiB) of the processes called ``name``, when /proc shows them."""
    found = subprocess.run(["pidof", name], capture_output=True, text=True, check=False).stdout.split()
    total = 0.0
    for pid in found:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            return None
        total += next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")) / 1024
    return total if found else None


def networks(*filters: str) -> int:
    argv = ["docker", "network", "ls", "-q", *(f"--filter={f}" for f in filters)]
    return len(subprocess.run(argv, capture_output=True, text=True, check=True).stdout.split())


def check(ws: list[str], env: dict[str, str], own: set[str]) -> list[str]:
    """Problems: tickets not running healthy, or whose front's /api does not answer its branch."""
    views = json.loads(subprocess.run([*ws, "ps", "--json"], env=env, capture_output=True, text=True,
                                      check=True).stdout)["tickets"]
    problems = []
    for view in views:
        mine = [s for s in view["services"] if s["dedicated"]]
        if view["status"] != "running" or any(s["health"] not in (None, "healthy") for s in mine):
            problems.append(f"{view['name']}: {view['status']}")
            continue
        front = next(s["url"] for s in view["services"] if s["service"] == "front")
        want = "api feat/endpoint\n" if view["name"] in own else "api main\n"
        with urllib.request.urlopen(f"{front}/api", timeout=10) as answer:  # noqa: S310 - loopback
            if answer.read().decode() != want:
                problems.append(f"{view['name']}: /api answered another branch")
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100)
    parser.add_argument("--batch", type=int, default=10)
    parser.add_argument("--own-api", type=int, default=4, help="every N-th ticket runs its own API")
    parser.add_argument("--base", type=int, default=22000, help="host port base")
    parser.add_argument("--name", default=f"bench-many-{os.getpid() % 10000}")
    args = parser.parse_args()
    env = {**os.environ, **STANDIN_IMAGES}
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        make_repo(root / "front", "front_server.py", "front", {})
        make_repo(root / "api", "api_server.py", "api", {"feat/endpoint": "api feat/endpoint"})
        config = reference_config(args.name, base=args.base)
        width = args.tickets + 50
        config["services"]["front"]["host_ports"] = f"{args.base + 1}-{args.base + width}"
        config["services"]["api"]["host_ports"] = f"{args.base + 1001}-{args.base + 1000 + width}"
        with (root / "wtdock.yaml").open("w") as handle:
            YAML().dump(config, handle)
        ws = [*WTDOCK, "-w", str(root)]
        tickets = [f"t{i:03d}" for i in range(args.tickets)]
        own = {t for i, t in enumerate(tickets) if i % args.own_api == 1}
        try:
            start = time.perf_counter()
            shared = subprocess.run([*ws, "shared", "up"], env=env, capture_output=True, text=True, check=False)
            if shared.returncode != 0:
                raise SystemExit(f"shared up failed:\n{shared.stderr}")
            print(f"{args.tickets} tickets ({len(own)} with their own API) in batches of {args.batch}; "
                  f"shared up {time.perf_counter() - start:.1f} s")
            for first in range(0, len(tickets), args.batch):
                batch = tickets[first : first + args.batch]
                start = time.perf_counter()
                failed = run_batch(ws, env, {t: ["--from", "api=feat/endpoint"] if t in own else [] for t in batch})
                took = time.perf_counter() - start
                # The load says how busy the machine was (healthchecks of every running container count).
                print(f"  batch {first // args.batch + 1:2}: {batch[0]}-{batch[-1]}  {took:5.1f} s"
                      f"  ({took / len(batch):.2f} s per ticket, load {os.getloadavg()[0]:4.1f})"
                      + (f"  FAILED {failed}" if failed else ""))
            problems = check(ws, env, own)
            print(f"healthy: {args.tickets - len(problems)} of {args.tickets} running healthy, /api on the right "
                  "branch" + (f"; problems: {problems[:5]}" if problems else ""))
            print(f"networks: {networks(f'label=dev.wtdock.workspace={args.name}')} of this workspace "
                  f"({networks()} on the engine, others' included)")
            count, used = container_memory(args.name)
            print(f"memory: {count} containers use {used:.0f} MiB ({used / count:.1f} MiB each)", end="")
            daemons = {name: process_rss(name) for name in ("dockerd", "containerd")}
            shown = [f"{name} {rss:.0f} MiB" for name, rss in daemons.items() if rss is not None]
            print(f"; {', '.join(shown)}" if shown else "")
        finally:
            start = time.perf_counter()
            for first in range(0, len(tickets), args.batch):
                procs = [subprocess.Popen([*ws, "down", t, "--force", "--drop-data"], env=env,
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                         for t in tickets[first : first + args.batch]]
                for proc in procs:
                    proc.wait(timeout=600)
            subprocess.run([*ws, "shared", "down", "--force", "--volumes", "--yes"], env=env, capture_output=True,
                           check=False)
            shutil.rmtree(root / ".wtdock", ignore_errors=True)
            print(f"cleaned up in {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
