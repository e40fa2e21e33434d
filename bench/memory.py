"""Memory and disk of tickets that share one set of databases, against full stacks, in this run.

    .venv/bin/python bench/memory.py [--tickets 5] [--requests 50] [--base 61400]

wtdock: one workspace, its shared project (Postgres, Redis, NATS, the shared API) and ``--tickets``
tickets with their own front-end and API (`up tN --from api=feat/endpoint`). Baseline: as many full
stacks, each a front-end, an API and its own Postgres, Redis and NATS (each one a workspace of its
own whose ticket runs only the front-end: five containers a stack). Before memory is read, every
API serves ``--requests`` requests that write and read rows of its database (`/db/put`, `/db/get`)
and one `/check` (Redis, NATS): idle figures flatter the full stacks, whose Postgres grows towards
``shared_buffers`` once used. Memory is what `docker stats` says each container uses, summed.

Disk per ticket: its worktrees (`du`; git objects stay in the main checkouts) plus its dependency
volumes (none in this workspace), against a full `git clone` of the same repos.

Needs a Docker engine and the stand-in images; removes what it made. Ports: the workspaces take
blocks of 15 from ``--base`` on; keep them clear of other runs.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

from ruamel.yaml import YAML

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from many_tickets import container_memory, mib
from tests.integration.helpers import STANDIN_IMAGES
from tests.reference import reference_config

from wtdock.demo.repos import make_repo

WTDOCK = [sys.executable, "-m", "wtdock"]
PORTS = 15


class Space:
    def __init__(self, root: Path, name: str, base: int) -> None:
        self.root, self.name = root, name
        root.mkdir(parents=True)
        make_repo(root / "front", "front_server.py", "front", {})
        make_repo(root / "api", "api_server.py", "api", {"feat/endpoint": "api feat/endpoint"})
        config = reference_config(name, base=base)
        # A block of PORTS host ports each (shared API, front-ends, APIs), so that six workspaces fit
        # in one range of a hundred.
        config["services"]["api"]["shared"]["host_port"] = base
        config["services"]["front"]["host_ports"] = f"{base + 1}-{base + 7}"
        config["services"]["api"]["host_ports"] = f"{base + 8}-{base + PORTS - 1}"
        with (root / "wtdock.yaml").open("w") as handle:
            YAML().dump(config, handle)
        self.env = {**os.environ, **STANDIN_IMAGES}
        self.tickets: list[str] = []

    def wtdock(self, *args: str) -> str:
        done = subprocess.run([*WTDOCK, "-w", str(self.root), *args], env=self.env, capture_output=True, text=True,
                              check=False)
        if done.returncode != 0:
            raise SystemExit(f"{self.name}: wtdock {' '.join(args)} failed:\n{done.stderr}")
        return done.stdout

    def up(self, ticket: str, *args: str) -> None:
        self.tickets.append(ticket)
        self.wtdock("up", ticket, *args)

    def api_urls(self) -> list[str]:
        """The URL of every API this workspace runs: its tickets' own, else the shared one."""
        import json

        views = json.loads(self.wtdock("ps", "--json"))["tickets"]
        urls = {s["url"] for v in views for s in v["services"] if s["service"] == "api"}
        return sorted(urls)

    def clean(self) -> None:
        for ticket in self.tickets:
            subprocess.run([*WTDOCK, "-w", str(self.root), "down", ticket, "--force", "--drop-data"], env=self.env,
                           capture_output=True, check=False)
        subprocess.run([*WTDOCK, "-w", str(self.root), "shared", "down", "--force", "--volumes", "--yes"],
                       env=self.env, capture_output=True, check=False)


def traffic(url: str, requests: int) -> None:
    """Rows written and read through the API (its database), and one check of Redis and NATS."""
    for i in range(requests):
        for path in (f"/db/put?key=k{i}&value={'v' * 200}", f"/db/get?key=k{i // 2}"):
            with urllib.request.urlopen(f"{url}{path}", timeout=30) as answer:  # noqa: S310 - loopback
                answer.read()
    with urllib.request.urlopen(f"{url}/check", timeout=30) as answer:  # noqa: S310 - loopback
        answer.read()


def by_service(*workspaces: str) -> dict[str, float]:
    """MiB by Compose service (postgres, front, api, ...) over the containers of ``workspaces``."""
    import json

    found: dict[str, float] = {}
    for workspace in workspaces:
        ids = subprocess.run(["docker", "ps", "-q", "--filter", f"label=dev.wtdock.workspace={workspace}"],
                             capture_output=True, text=True, check=True).stdout.split()
        argv = ["docker", "stats", "--no-stream", "--format", "{{json .}}", *ids]
        for line in subprocess.run(argv, capture_output=True, text=True, check=True).stdout.splitlines():
            stats = json.loads(line)
            label = '{{index .Config.Labels "com.docker.compose.service"}}'
            service = subprocess.run(["docker", "inspect", "-f", label, stats["ID"]], capture_output=True, text=True,
                                     check=True).stdout.strip()
            found[service] = found.get(service, 0.0) + mib(stats["MemUsage"].split(" / ")[0])
    return found


def du(*paths: Path) -> int:
    """Bytes on disk under ``paths`` (`du -sb`: apparent sizes, as a copy would need)."""
    out = subprocess.run(["du", "-sbc", *map(str, paths)], capture_output=True, text=True, check=True).stdout
    return int(out.splitlines()[-1].split()[0])


def main() -> None:
    # A run stopped with SIGTERM (a background job ignores SIGINT) still removes what it made.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=5)
    parser.add_argument("--requests", type=int, default=50, help="database requests per API before measuring")
    parser.add_argument("--base", type=int, default=62900, help=f"host ports base .. base + {PORTS} x (tickets + 1)")
    args = parser.parse_args()
    tag = os.getpid() % 10000
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        ours = Space(tmp / "wtdock", f"hperf-mem-{tag}", args.base)
        stacks = [Space(tmp / f"full{i}", f"hperf-full{i}-{tag}", args.base + PORTS * (i + 1))
                  for i in range(args.tickets)]
        try:
            ours.wtdock("shared", "up")
            for i in range(args.tickets):
                ours.up(f"t{i}", "--from", "api=feat/endpoint")
            for stack in stacks:
                stack.wtdock("shared", "up")
                stack.up("t0")  # the front-end; the stack's API is its shared one, on its own databases
            for space in (ours, *stacks):
                for url in space.api_urls():
                    traffic(url, args.requests)
            count, used = container_memory(ours.name)
            full = [container_memory(s.name) for s in stacks]
            full_count, full_used = sum(c for c, _ in full), sum(m for _, m in full)
            print(f"memory after {args.requests} database requests per API (docker stats):")
            print(f"  wtdock: {args.tickets} tickets with their own API + the shared project: {count} containers, "
                  f"{used:.0f} MiB")
            print(f"  {args.tickets} full stacks (own Postgres, Redis, NATS each): {full_count} containers, "
                  f"{full_used:.0f} MiB")
            print(f"  ratio {used / full_used:.2f}")
            for label, names in (("wtdock", [ours.name]), ("full stacks", [st.name for st in stacks])):
                shown = ", ".join(f"{svc} {m:.0f}" for svc, m in sorted(by_service(*names).items()))
                print(f"  {label} by service (MiB): {shown}")
            worktrees = du(ours.root / ".wtdock" / "worktrees" / "t0")
            clones = tmp / "clones"
            for repo in ("front", "api"):
                subprocess.run(["git", "clone", "-q", str(ours.root / repo), str(clones / repo)], check=True)
            clone = du(clones)
            print(f"disk per ticket: worktrees {worktrees / 1024:.0f} KiB + dependency volumes 0 (none here); "
                  f"a full clone of the repos {clone / 1024:.0f} KiB; ratio {worktrees / clone:.2f}")
        finally:
            for space in (ours, *stacks):
                space.clean()


if __name__ == "__main__":
    main()
