"""Run one wtdock command and count what it asks of the outside world: the processes it starts and
the Docker engine API requests it sends (every HTTP request), optionally under cProfile.

    .venv/bin/python bench/counting.py OUT.json [--profile OUT.prof] -- WTDOCK-ARGS...

Writes ``{"seconds", "processes": [argv[:4], ...], "engine": ["GET /containers/json", ...]}`` to
OUT.json when the command exits. Time a command without the hooks (the benchmarks do); this is for
the counts and the profile.
"""

from __future__ import annotations

import atexit
import http.client
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit


def install(out: Path) -> None:
    """Count every Popen and every engine request until the process exits, then write ``out``."""
    processes: list[list[str]] = []
    engine: list[str] = []
    start = time.perf_counter()
    popen_init = subprocess.Popen.__init__
    putrequest = http.client.HTTPConnection.putrequest

    def counted_popen(self: subprocess.Popen[Any], args: Any, *rest: Any, **kw: Any) -> None:
        argv = [str(a) for a in args] if isinstance(args, list | tuple) else [str(args)]
        processes.append(argv[:4])
        popen_init(self, args, *rest, **kw)

    def counted_request(self: http.client.HTTPConnection, method: str, url: str, *rest: Any, **kw: Any) -> None:
        # Every HTTP request wtdock sends goes to the engine: docker-py's (urllib3 sends through
        # http.client too) and engine.py's own over the unix socket.
        parts = [p for p in urlsplit(url).path.split("/") if p]
        if parts and parts[0].startswith("v1."):
            parts = parts[1:]
        # /containers/<id>/json -> /containers/{id}/json: calls of a kind count together.
        named = ["{id}" if len(p) >= 12 and p.isalnum() and i == 1 else p for i, p in enumerate(parts)]
        engine.append(f"{method} /{'/'.join(named)}")
        putrequest(self, method, url, *rest, **kw)

    subprocess.Popen.__init__ = counted_popen  # type: ignore[method-assign]
    http.client.HTTPConnection.putrequest = counted_request  # type: ignore[method-assign]

    def write() -> None:
        seconds = time.perf_counter() - start
        out.write_text(json.dumps({"seconds": seconds, "processes": processes, "engine": engine}, indent=1))

    atexit.register(write)


def main() -> None:
    args = sys.argv[1:]
    split = args.index("--")
    options, command = args[:split], args[split + 1 :]
    out = Path(options[0])
    profile = Path(options[options.index("--profile") + 1]) if "--profile" in options else None
    install(out)
    sys.argv = ["wtdock", *command]
    from wtdock.cli.app import main as wtdock_main

    if profile is None:
        wtdock_main()
        return
    import cProfile

    profiler = cProfile.Profile()
    atexit.register(lambda: profiler.dump_stats(profile))  # runs before the counts' write (LIFO)
    profiler.enable()
    wtdock_main()


def summary(found: dict[str, Any]) -> str:
    """``33 processes (31 git, 1 docker), 12 engine calls (5 POST /exec, ...)``."""
    by_tool: dict[str, int] = {}
    for argv in found["processes"]:
        tool = Path(argv[0]).name
        by_tool[tool] = by_tool.get(tool, 0) + 1
    by_call: dict[str, int] = {}
    for call in found["engine"]:
        by_call[call] = by_call.get(call, 0) + 1
    tools = ", ".join(f"{n} {t}" for t, n in sorted(by_tool.items(), key=lambda kv: -kv[1]))
    calls = ", ".join(f"{n} {c}" for c, n in sorted(by_call.items(), key=lambda kv: -kv[1]))
    return (f"{len(found['processes'])} processes ({tools or 'none'}); "
            f"{len(found['engine'])} engine calls ({calls or 'none'})")


if __name__ == "__main__":
    main()
