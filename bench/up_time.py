"""How long does `wtdock up` of a new ticket take with the address plan (one workspace network,
static addresses, /etc/hosts) against the wtdock before it (a network per ticket), in this run?

    .venv/bin/python bench/up_time.py [--tickets 5] [--baseline REF] [--base 26200]

The baseline is the wtdock of REF (default: the commit before the one that added
plan/addresses.py), run from a git worktree of this repo. Two workspaces, one per version, each
with its shared services up first (not timed); then new tickets are started alternately in each,
front-end only (the shared API) and with their own API (a database clone too). Medians, and the
ratio new/old (< 1: the address plan is faster). Needs a Docker engine and the stand-in images;
removes what it made.
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

REPO = Path(__file__).resolve().parents[1]
WTDOCK = [sys.executable, "-m", "wtdock"]


def git(*args: str) -> str:
    return subprocess.run(["git", "-C", str(REPO), *args], check=True, capture_output=True, text=True).stdout.strip()


def default_baseline() -> str:
    added = git("log", "-1", "--format=%H", "--diff-filter=A", "--", "src/wtdock/plan/addresses.py")
    return f"{added}^" if added else "HEAD"


class Version:
    """One wtdock (this checkout's, or a baseline's source) driving its own workspace."""

    def __init__(self, label: str, root: Path, name: str, base: int, src: Path | None) -> None:
        self.label, self.root = label, root
        make_repo(root / "front", "front_server.py", "front", {})
        make_repo(root / "api", "api_server.py", "api", {"feat/endpoint": "api feat/endpoint"})
        with (root / "wtdock.yaml").open("w") as handle:
            YAML().dump(reference_config(name, base=base), handle)
        self.env = {**os.environ, **STANDIN_IMAGES}
        if src is not None:
            self.env["PYTHONPATH"] = str(src)

    def run(self, *args: str) -> float:
        start = time.perf_counter()
        done = subprocess.run([*WTDOCK, "-w", str(self.root), *args], env=self.env, capture_output=True, text=True,
                              check=False)
        took = time.perf_counter() - start
        if done.returncode != 0:
            raise SystemExit(f"{self.label}: wtdock {' '.join(args)} failed:\n{done.stderr}")
        return took

    def clean(self, tickets: list[str]) -> None:
        for ticket in tickets:
            subprocess.run([*WTDOCK, "-w", str(self.root), "down", ticket, "--force", "--drop-data"],
                           env=self.env, capture_output=True, check=False)
        subprocess.run([*WTDOCK, "-w", str(self.root), "shared", "down", "--force", "--volumes", "--yes"],
                       env=self.env, capture_output=True, check=False)
        # The baseline's `shared down` leaves the workspace network behind.
        name = YAML(typ="safe").load((self.root / "wtdock.yaml").read_text())["name"]
        subprocess.run(["docker", "network", "rm", f"{name}-net"], capture_output=True, check=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=5, help="new tickets of each kind, per version")
    parser.add_argument("--baseline", default=None, help="git ref of the wtdock to compare with")
    parser.add_argument("--base", type=int, default=26200, help="host port base (the new one uses base + 200)")
    args = parser.parse_args()
    baseline = args.baseline or default_baseline()
    tag = os.getpid() % 10000
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        old_src = tmp / "baseline"
        git("worktree", "add", "--detach", str(old_src), baseline)
        (tmp / "old").mkdir()
        (tmp / "new").mkdir()
        old = Version("baseline", tmp / "old", f"bench-up-old-{tag}", args.base, old_src / "src")
        new = Version("address plan", tmp / "new", f"bench-up-new-{tag}", args.base + 200, None)
        tickets = [f"t{i}" for i in range(args.tickets)]
        own = [f"o{i}" for i in range(args.tickets)]
        times: dict[tuple[str, str], list[float]] = {}
        try:
            for version in (old, new):
                version.run("shared", "up")
            for i, (plain, mine) in enumerate(zip(tickets, own, strict=True)):
                for version in (old, new) if i % 2 == 0 else (new, old):
                    times.setdefault((version.label, "front"), []).append(version.run("up", plain))
                    times.setdefault((version.label, "own"), []).append(
                        version.run("up", mine, "--from", "api=feat/endpoint"))
            short = git("rev-parse", "--short", baseline)
            print(f"`wtdock up` of a new ticket, medians of {args.tickets} (baseline {short}: a network per ticket)")
            for kind, label in (("front", "front-end only (shared API)"), ("own", "own API, database clone")):
                before = statistics.median(times[("baseline", kind)])
                after = statistics.median(times[("address plan", kind)])
                print(f"  {label:28} baseline {before:6.2f} s   address plan {after:6.2f} s   "
                      f"ratio {after / before:5.2f}")
        finally:
            for version in (old, new):
                version.clean([*tickets, *own])
            git("worktree", "remove", "--force", str(old_src))
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
