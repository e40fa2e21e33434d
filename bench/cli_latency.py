"""How fast do the everyday commands answer? Each against the naive way, in this run.

    .venv/bin/python bench/cli_latency.py [--tickets 6] [--many 100] [--repeat 5] [--base 61400]

- `wtdock ps` (the registry plus ONE label-filtered engine query) vs `docker compose -p P ps`
  once per ticket, which is what a script around Compose does.
- `wtdock ps --json` with ``--many`` tickets (half of them stopped) vs `docker compose ls --all`,
  with the engine calls and processes of each `ps` counted (bench/counting.py): the count must not
  grow with the tickets. The many tickets are made cheaply: registry entries copied from two real
  tickets, and their containers created by docker-py from the same image with the same labels (a
  sleep instead of the app, every other one started), so the engine answers what it would.
- `wtdock up` of a ticket that already runs (a no-op: render, compare the hash, one query) vs
  `docker compose up --detach --wait` of the same file (Compose checking every container).
- `wtdock --help` vs `python -c pass` (interpreter start) and `python -c 'import wtdock'`: the
  cost of wtdock's own imports.

Needs a Docker engine and the stand-in images (scripts/build-standins). Makes a throwaway
workspace from the test suite's two tiny repos and removes it at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ruamel.yaml import YAML

# The test suite's tiny repos and reference config, from the repo root.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import counting
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


def alternating(ours: list[str], base: list[str], repeat: int, env: dict[str, str]) -> tuple[float, float]:
    """Medians of ``ours`` and ``base``, run by turns (the machine's load hits both alike)."""
    mine, theirs = [], []
    for _ in range(repeat):
        mine.append(median_time(ours, 1, env))
        theirs.append(median_time(base, 1, env))
    return statistics.median(mine), statistics.median(theirs)


def counted(ws: list[str], args: list[str], env: dict[str, str], out: Path) -> str:
    """What one wtdock command asks of the engine and starts, by bench/counting.py."""
    hook = [sys.executable, str(Path(__file__).with_name("counting.py")), str(out), "--"]
    subprocess.run([*hook, *ws[3:], *args], env=env, check=True, capture_output=True)
    return counting.summary(json.loads(out.read_text()))


def must(argv: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv[3:])} failed:\n{done.stderr}")


def many_tickets(root: Path, name: str, templates: dict[str, str], count: int) -> None:
    """``count`` tickets made cheaply from real ones (``templates``: new-name prefix -> ticket):
    registry entries with the names replaced, worktree folders (empty: `ps` only checks that they
    exist), and each one's containers created with the template's image and labels, running a sleep;
    every other ticket is started."""
    import docker

    client = docker.from_env()
    state_file = root / ".wtdock" / "state.json"
    state = json.loads(state_file.read_text())
    kinds = list(templates.items())
    for i in range(count):
        prefix, template = kinds[i % len(kinds)]
        new = f"{prefix}{i:03d}"
        record = json.loads(json.dumps(state["tickets"][template]).replace(template, new))
        record["ports"] = {svc: 40000 + 10 * i + n for n, svc in enumerate(record["ports"])}
        state["tickets"][new] = record
        for repo in record["repos"].values():
            Path(repo["path"]).mkdir(parents=True, exist_ok=True)
        project = {"label": f"com.docker.compose.project={name}-{template}"}
        for container in client.containers.list(all=True, filters=project):
            labels = {k: v.replace(template, new) for k, v in container.labels.items()}
            service = labels["com.docker.compose.service"]
            made = client.containers.create(container.image.id, ["python3", "-c", "import time; time.sleep(86400)"],
                                            labels=labels, name=f"{name}-{new}-{service}-1")
            if i % 2 == 0:
                made.start()
    state_file.write_text(json.dumps(state, indent=2))


def main() -> None:
    # A run stopped with SIGTERM (a background job ignores SIGINT) still removes what it made.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=6)
    parser.add_argument("--many", type=int, default=100, help="tickets for `ps --json` (0: leave it out)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--base", type=int, default=61400, help="host port base")
    args = parser.parse_args()
    env = {**os.environ, **STANDIN_IMAGES}
    # An installed wtdock has its .pyc files; without them every run would compile all of it.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        make_repo(root / "front", "front_server.py", "front", {})
        make_repo(root / "api", "api_server.py", "api", {"feat/endpoint": "api feat/endpoint"})
        name = f"hperf-cli-{os.getpid() % 10000}"
        with (root / "wtdock.yaml").open("w") as handle:
            YAML().dump(reference_config(name, base=args.base), handle)
        ws = [*WTDOCK, "-w", str(root)]
        tickets = [f"t{i}" for i in range(args.tickets)]
        try:
            for ticket in tickets:
                must([*ws, "up", ticket], env)
            projects = [f"{name}-{t}" for t in tickets]
            print(f"{args.tickets} running tickets, medians of {args.repeat} runs (ratio < 1: wtdock is faster)")
            row("wtdock ps", median_time([*ws, "ps"], args.repeat, env),
                per_ticket_ps(projects, args.repeat, env), f"docker compose ps x {args.tickets}")
            compose_file = root / ".wtdock" / "tickets" / "t0" / "compose.yaml"
            row("wtdock up t0 (running)", median_time([*ws, "up", "t0"], args.repeat, env),
                median_time(["docker", "compose", "-p", projects[0], "-f", str(compose_file), "up",
                             "--detach", "--wait"], args.repeat, env), "docker compose up --wait")
            ours, base = alternating([*WTDOCK, "--help"], [sys.executable, "-c", "pass"], args.repeat, env)
            row("wtdock --help", ours, base, "python -c pass")
            ours, base = alternating([*WTDOCK, "--help"], [sys.executable, "-c", "import wtdock"], args.repeat, env)
            row("wtdock --help", ours, base, "python -c 'import wtdock'")
            few = counted(ws, ["ps", "--json"], env, root / "count-few.json")
            if args.many:
                # Names found nowhere else in the registry (the text is copied with them replaced).
                must([*ws, "up", "tmplfront"], env)
                must([*ws, "up", "tmplown", "--from", "api=feat/endpoint"], env)
                tickets += ["tmplfront", "tmplown"]
                many_tickets(root, name, {"f": "tmplfront", "o": "tmplown"}, args.many)
                ours, base = alternating([*ws, "ps", "--json"], ["docker", "compose", "ls", "--all"], args.repeat, env)
                print(f"{len(tickets) + args.many} tickets, about half of them stopped")
                row("wtdock ps --json", ours, base, "docker compose ls --all")
                print(f"  ps --json, {args.tickets} tickets: {few}")
                many = counted(ws, ["ps", "--json"], env, root / "count-many.json")
                print(f"  ps --json, {len(tickets) + args.many} tickets: {many}")
        finally:
            # The cheap tickets' containers; their registry entries and folders go with the folder.
            subprocess.run(["docker", "rm", "-f", "-v", *subprocess.run(
                ["docker", "ps", "-aq", "--filter", f"label=dev.wtdock.workspace={name}",
                 "--filter", "label=dev.wtdock.role=ticket"], capture_output=True, text=True, check=False,
            ).stdout.split()], capture_output=True, check=False)
            for ticket in tickets:
                subprocess.run([*ws, "down", ticket, "--force"], env=env, capture_output=True, check=False)
            subprocess.run([*ws, "shared", "down", "--force", "--volumes", "--yes"], env=env,
                           capture_output=True, check=False)
            shutil.rmtree(root / ".wtdock", ignore_errors=True)


if __name__ == "__main__":
    main()
