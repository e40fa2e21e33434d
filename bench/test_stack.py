"""A throwaway test stack against a new ticket made and removed by hand, in this run.

    .venv/bin/python bench/test_stack.py [--repeats 5] [--base 33000]

wtdock: `wtdock test --isolated -- true` in feat-02's api worktree (a stack of its checkouts: its
own front-end and API, database cloned, up, healthy, run, torn down with its data). Baseline: what
a person does for the same with wtdock's ticket commands, `wtdock up tmp-N --from api=feat/endpoint`
then `wtdock down tmp-N --force --drop-data` (two new worktrees and a branch, instead of borrowed
checkouts; a dump before the drop). Alternating, medians, the ratio. Needs an engine and the
stand-in images (scripts/build-standins).
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

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from tests.integration.helpers import STANDIN_IMAGES, Sandbox, make_repo  # noqa: E402
from tests.reference import reference_config  # noqa: E402

WTDOCK = [sys.executable, "-m", "wtdock"]


def run(*args: str, cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run([*WTDOCK, *args], cwd=cwd, env={**os.environ, **STANDIN_IMAGES}, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--base", type=int, default=33000)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="wtdock-bench-stack-"))
    make_repo(root / "front", "front_server.py", "front", {"feat/ui": "front feat/ui"})
    make_repo(root / "api", "api_server.py", "api", {"feat/endpoint": "api feat/endpoint"})
    Sandbox(root=root, name="benchstack").write_config(reference_config("benchstack", args.base))
    try:
        run("up", "feat-02", "--from", "api=feat/endpoint", cwd=root)
        api = root / ".wtdock" / "worktrees" / "feat-02" / "api"
        run("test", "--isolated", "--", "true", cwd=api)  # warm both paths once: images, template
        stack, ticket = [], []
        for n in range(args.repeats):
            stack.append(run("test", "--isolated", "--", "true", cwd=api))
            name = f"tmp-{n}"
            ticket.append(run("up", name, "--from", "api=feat/endpoint", cwd=root)
                          + run("down", name, "--force", "--drop-data", cwd=root))
        s, t = statistics.median(stack), statistics.median(ticket)
        print(f"test stack (test --isolated -- true):       {s:6.2f} s  (median of {args.repeats})")
        print(f"new ticket by hand (up + down --drop-data): {t:6.2f} s")
        print(f"ratio stack / by hand:                      {s / t:6.2f}")
    finally:
        for ticket_name in ("feat-02", *(f"tmp-{n}" for n in range(args.repeats))):
            subprocess.run([*WTDOCK, "-w", str(root), "down", ticket_name, "--force"],
                           env={**os.environ, **STANDIN_IMAGES}, check=False, capture_output=True)
        subprocess.run([*WTDOCK, "-w", str(root), "shared", "down", "--volumes", "--yes"],
                       env={**os.environ, **STANDIN_IMAGES}, check=False, capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
