"""Time-to-green of a new ticket on the example stack (examples/vite-node): worktrees, dependencies,
database, migrations and both dev servers answering, cold and warm, in this run.

    .venv/bin/python bench/time_to_green.py [--repeats 3] [--image wtdock-standin/node:22] [--base 32800]

Cold: the first `up feat-02 --from front=feat/ui --from api=feat/endpoint` in a new workspace (no
dependency volume, an empty npm cache: every package comes from the registry; the shared project
starts too, with its own install and migrations). Warm: a new ticket of the same kind in that
workspace afterwards (same lockfiles: its dependency volumes are copies). Each repeat makes and
removes its own workspace; cold and warm alternate. Prints medians and warm/cold. Needs a Docker
engine, the stand-in images (scripts/build-standins) and the npm registry.
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
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "vite-node"
WTDOCK = [sys.executable, "-m", "wtdock"]
STANDINS = {
    "WTDOCK_IMAGE_POSTGRES": "wtdock-standin/postgres:16",
    "WTDOCK_IMAGE_REDIS": "wtdock-standin/redis:7",
    "WTDOCK_IMAGE_NATS": "wtdock-standin/nats:2.10",
}


def workspace(root: Path, name: str, image: str, base: int) -> None:
    subprocess.run([sys.executable, str(EXAMPLE / "make-workspace"), str(root), "--image", image], check=True)
    text = (root / "wtdock.yaml").read_text().replace("name: vite-node", f"name: {name}")
    text = text.replace("host_port: 3000", f"host_port: {base}")
    text = text.replace("3001-3099", f"{base + 1}-{base + 99}").replace("4001-4099", f"{base + 101}-{base + 199}")
    (root / "wtdock.yaml").write_text(text)


def green(root: Path, ticket: str, *refs: str) -> float:
    """Seconds from `up` to the front's page and its /api/items answering through the dev server."""
    env = {**os.environ, **STANDINS}
    start = time.perf_counter()
    subprocess.run([*WTDOCK, "-w", str(root), "up", ticket, *refs], check=True, env=env,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = subprocess.run([*WTDOCK, "-w", str(root), "url", ticket, "front"], check=True, env=env,
                         capture_output=True, text=True).stdout.split()[-1]
    for path in ("/", "/api/items"):
        urllib.request.urlopen(url + path, timeout=30).read()  # noqa: S310 - our own 127.0.0.1 URL
    return time.perf_counter() - start


def remove(root: Path) -> None:
    env = {**os.environ, **STANDINS}
    for ticket in ("feat-02", "feat-03"):
        subprocess.run([*WTDOCK, "-w", str(root), "down", ticket, "--force", "--drop-data"], env=env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    subprocess.run([*WTDOCK, "-w", str(root), "shared", "down", "--force", "--volumes", "--yes"], env=env,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    name = root.name
    for volume in subprocess.run(["docker", "volume", "ls", "-q", "--filter", f"label=dev.wtdock.workspace={name}"],
                                 capture_output=True, text=True, check=False).stdout.split():
        subprocess.run(["docker", "volume", "rm", "-f", volume], capture_output=True, check=False)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--image", default="wtdock-standin/node:22")
    parser.add_argument("--base", type=int, default=32800)
    args = parser.parse_args()
    refs = ("--from", "front=feat/ui", "--from", "api=feat/endpoint")
    cold, warm = [], []
    for i in range(args.repeats):
        top = Path(tempfile.mkdtemp(prefix="wtdock-ttg-"))
        root = top / f"ttg{os.getpid() % 10000}r{i}"
        try:
            workspace(root, root.name, args.image, args.base)
            cold.append(green(root, "feat-02", *refs))
            warm.append(green(root, "feat-03", *refs))
            print(f"repeat {i + 1}: cold {cold[-1]:.1f} s, warm {warm[-1]:.1f} s", flush=True)
        finally:
            remove(root)
            shutil.rmtree(top, ignore_errors=True)
    c, w = statistics.median(cold), statistics.median(warm)
    print(f"time to green, new ticket with its own front and API (median of {args.repeats}):")
    print(f"  cold {c:.1f} s   warm {w:.1f} s   warm/cold {w / c:.2f}   (target: warm < 15 s, warm/cold <= 0.30)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
