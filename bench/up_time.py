"""How long does `wtdock up` of a new ticket take, against doing the same by hand, in this run?

    .venv/bin/python bench/up_time.py [--tickets 5] [--against REF] [--base 61400] [--profile DIR]

Two kinds of new ticket: front-end only (it uses the shared API) and one branching both repos (its
own API, so a database cloned from the template and a Redis number too). The by-hand floor of each
is what a person runs for the same ticket: `git worktree add -b` of each repo it branches, for the
second `CREATE DATABASE ... TEMPLATE` (one `docker exec psql`), then `docker compose up -d --wait`
of the very file wtdock rendered for it. That file comes from a `wtdock up` of the same ticket
name made and removed just before (not timed), so ports, addresses and paths are the same ones.

wtdock and the floor alternate (who goes first swaps every round), medians and ratios are printed;
``--against REF`` adds the wtdock of REF (run from a git worktree of this repo, its own workspace)
as a third column, which is how a change's effect is measured. ``--profile DIR``: one more `up` of
each kind under bench/counting.py (cProfile, processes, engine calls), summarised. Needs a Docker
engine and the stand-in images; removes what it made.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import pstats
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from ruamel.yaml import YAML

# The test suite's tiny repos and reference config, from the repo root.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import counting
from tests.integration.helpers import STANDIN_IMAGES
from tests.reference import reference_config

from wtdock.demo.repos import make_repo

REPO = Path(__file__).resolve().parents[1]
WTDOCK = [sys.executable, "-m", "wtdock"]
KINDS = {
    "front": ("front-end only (shared API)", ()),
    "own": ("own API, database clone", ("--from", "api=feat/endpoint")),
}


def timing_env() -> dict[str, str]:
    """The stand-in images, and Python's bytecode cache on: an installed wtdock has its .pyc files,
    and a session that sets PYTHONDONTWRITEBYTECODE would otherwise compile all of it on every run."""
    env = {**os.environ, **STANDIN_IMAGES}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(cwd), *args], check=True, capture_output=True, text=True).stdout.strip()


@dataclass(frozen=True)
class ByHand:
    """What a person runs for one ticket: its worktrees, its database, its rendered compose file."""

    project: str
    file: Path
    worktrees: tuple[tuple[Path, Path, str, str], ...]  # (repo, path, branch, start point)
    database: str | None


class Workspace:
    """A throwaway workspace (the test suite's two tiny repos) driven by one wtdock's source."""

    def __init__(self, label: str, root: Path, name: str, base: int, src: Path | None) -> None:
        self.label, self.root, self.name = label, root, name
        root.mkdir(parents=True)
        make_repo(root / "front", "front_server.py", "front", {})
        make_repo(root / "api", "api_server.py", "api", {"feat/endpoint": "api feat/endpoint"})
        with (root / "wtdock.yaml").open("w") as handle:
            YAML().dump(reference_config(name, base=base), handle)
        self.env = timing_env()
        if src is not None:
            self.env["PYTHONPATH"] = str(src)
        self.made: list[str] = []
        self.by_hand: list[ByHand] = []

    def wtdock(self, *args: str, prefix: tuple[str, ...] = ()) -> tuple[float, str]:
        start = time.perf_counter()
        done = subprocess.run([*(prefix or WTDOCK), "-w", str(self.root), *args], env=self.env,
                              capture_output=True, text=True, check=False)
        took = time.perf_counter() - start
        if done.returncode != 0:
            raise SystemExit(f"{self.label}: wtdock {' '.join(args)} failed:\n{done.stderr}")
        return took, done.stdout

    def up(self, ticket: str, kind: str) -> float:
        self.made.append(ticket)
        return self.wtdock("up", ticket, *KINDS[kind][1])[0]

    def prepare_by_hand(self, ticket: str, kind: str, keep: Path) -> ByHand:
        """`wtdock up` then `down` of the ticket (not timed), keeping its compose file."""
        _, out = self.wtdock("up", ticket, *KINDS[kind][1], "--json")
        view = json.loads(out)["ticket"]
        file = keep / f"{ticket}.yaml"
        shutil.copy(self.root / ".wtdock" / "tickets" / view["slug"] / "compose.yaml", file)
        self.wtdock("down", ticket, "--force", "--drop-data")
        worktrees = []
        for repo in view["repos"]:
            repo_path = self.root / repo["repo"]
            git(repo_path, "branch", "-D", repo["branch"])  # `down` keeps it; by hand it is made anew
            start = "feat/endpoint" if kind == "own" and repo["repo"] == "api" else "main"
            worktrees.append((repo_path, Path(repo["path"]), repo["branch"], start))
        hand = ByHand(view["project"], file, tuple(worktrees), view["database"])
        self.by_hand.append(hand)
        return hand

    def run_by_hand(self, hand: ByHand) -> float:
        start = time.perf_counter()
        for repo, path, branch, start_point in hand.worktrees:
            git(repo, "worktree", "add", "-b", branch, str(path), start_point)
        if hand.database is not None:
            self.psql(f'CREATE DATABASE "{hand.database}" TEMPLATE "app__template"')
        done = subprocess.run(["docker", "compose", "-p", hand.project, "-f", str(hand.file), "up", "-d", "--wait"],
                              capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise SystemExit(f"by hand: docker compose up of {hand.project} failed:\n{done.stderr}")
        return time.perf_counter() - start

    def psql(self, statement: str) -> None:
        postgres = subprocess.run(["docker", "ps", "-q", "--filter", f"label=dev.wtdock.workspace={self.name}",
                                   "--filter", "label=com.docker.compose.service=postgres"],
                                  check=True, capture_output=True, text=True).stdout.split()[0]
        subprocess.run(["docker", "exec", postgres, "psql", "-U", "wtdock", "-d", "postgres", "-c", statement],
                       check=True, capture_output=True)

    def clean(self) -> None:
        for hand in self.by_hand:
            subprocess.run(["docker", "compose", "-p", hand.project, "-f", str(hand.file), "down", "-v", "-t", "1"],
                           capture_output=True, check=False)
            for repo, path, branch, _ in hand.worktrees:
                subprocess.run(["git", "-C", str(repo), "worktree", "remove", "--force", str(path)],
                               capture_output=True, check=False)
                subprocess.run(["git", "-C", str(repo), "branch", "-D", branch], capture_output=True, check=False)
            if hand.database is not None:
                with contextlib.suppress(subprocess.CalledProcessError):
                    self.psql(f'DROP DATABASE IF EXISTS "{hand.database}" WITH (FORCE)')
        for ticket in self.made:
            subprocess.run([*WTDOCK, "-w", str(self.root), "down", ticket, "--force", "--drop-data"],
                           env=self.env, capture_output=True, check=False)
        subprocess.run([*WTDOCK, "-w", str(self.root), "shared", "down", "--force", "--volumes", "--yes"],
                       env=self.env, capture_output=True, check=False)
        subprocess.run(["docker", "network", "rm", f"{self.name}-net"], capture_output=True, check=False)


def profile(ws: Workspace, folder: Path) -> None:
    """One more `up` of each kind under bench/counting.py: where the time goes, what it runs."""
    for kind in KINDS:
        ticket = f"prof-{kind}"
        ws.made.append(ticket)
        out, prof = folder / f"up-{kind}.json", folder / f"up-{kind}.prof"
        took, _ = ws.wtdock("up", ticket, *KINDS[kind][1], prefix=(
            sys.executable, str(REPO / "bench" / "counting.py"), str(out), "--profile", str(prof), "--"))
        print(f"\nprofile of `up` {KINDS[kind][0]}: {took:.2f} s under cProfile")
        print(f"  {counting.summary(json.loads(out.read_text()))}")
        stats = pstats.Stats(str(prof))
        wanted = ("compose_up", "ensure_ticket_database", "shared_up", "check_steps", "_make_worktrees",
                  "_reserve", "clean_redis", "prepare_ticket", "_start", "workspace_containers", "ticket_view")
        rows = {func[2]: cum for func, (_, _, _, cum, _) in stats.stats.items()  # type: ignore[attr-defined]
                if func[2] in wanted and "wtdock" in func[0]}
        print("  " + ", ".join(f"{name} {rows[name]:.2f} s" for name in wanted if name in rows))


def report(times: dict[tuple[str, str], list[float]], columns: list[str], tickets: int) -> None:
    print(f"`wtdock up` of a new ticket, medians of {tickets}, alternating with the same by hand")
    for kind, (label, _) in KINDS.items():
        floor = statistics.median(times[("by hand", kind)])
        cells = [f"by hand {floor:5.2f} s"]
        for column in columns:
            took = statistics.median(times[(column, kind)])
            cells.append(f"{column} {took:5.2f} s ({took / floor:4.2f}x)")
        print(f"  {label:28} " + "   ".join(cells))


def main() -> None:
    # A run stopped with SIGTERM (a background job ignores SIGINT) still removes what it made.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=5, help="new tickets of each kind, per column")
    parser.add_argument("--against", default=None, help="also time the wtdock of this git ref")
    parser.add_argument("--base", type=int, default=61400, help="host port base (--against: base + 200)")
    parser.add_argument("--profile", type=Path, default=None, help="folder for the profiles of one more `up`")
    args = parser.parse_args()
    tag = os.getpid() % 10000
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        keep = tmp / "by-hand"
        keep.mkdir()
        spaces = [Workspace("wtdock", tmp / "new", f"hperf-up-{tag}", args.base, None)]
        old_src = tmp / "against"
        if args.against:
            git(REPO, "worktree", "add", "--detach", str(old_src), args.against)
            spaces.append(Workspace(args.against, tmp / "old", f"hperf-up-old-{tag}", args.base + 200, old_src / "src"))
        ws = spaces[0]
        times: dict[tuple[str, str], list[float]] = {}
        try:
            for space in spaces:
                space.wtdock("shared", "up")
                space.up("warm", "own")  # the template database, and the page cache of the images
            for i in range(args.tickets):
                order: list[Workspace | None] = [*spaces, None]
                for kind in KINDS:
                    for who in order if i % 2 == 0 else order[::-1]:
                        if who is None:
                            # Right before its run: the ports and addresses it frees are the file's.
                            hand = ws.prepare_by_hand(f"h{kind}{i}", kind, keep)
                            times.setdefault(("by hand", kind), []).append(ws.run_by_hand(hand))
                        else:
                            times.setdefault((who.label, kind), []).append(who.up(f"t{kind}{i}", kind))
            report(times, ["wtdock", *([args.against] if args.against else [])], args.tickets)
            if args.profile:
                args.profile.mkdir(parents=True, exist_ok=True)
                profile(ws, args.profile)
        finally:
            for space in spaces:
                space.clean()
            if args.against:
                git(REPO, "worktree", "remove", "--force", str(old_src))


if __name__ == "__main__":
    main()
