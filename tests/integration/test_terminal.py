"""What a person at a terminal gets: live progress in a pseudo-terminal and plain lines when piped,
shell completion of ticket names, and `wtdock open` handing a URL to the browser."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.integration.helpers import Sandbox

ESC = "\x1b["


@pytest.fixture
def ws(make_workspace: Callable[..., Sandbox]) -> Sandbox:
    return make_workspace("term", base=9400)


def in_terminal(ws: Sandbox, *args: str, timeout: float = 300) -> tuple[int, str]:
    """`wtdock -w ROOT ARGS` with stdout and stderr on a pseudo-terminal, as a person runs it."""
    controller, terminal = pty.openpty()
    env = {**os.environ, **ws.env, "TERM": "xterm-256color", "COLUMNS": "120", "LINES": "40"}
    env.pop("NO_COLOR", None)
    child = subprocess.Popen([sys.executable, "-m", "wtdock", "-w", str(ws.root), *args], env=env,
                             stdin=subprocess.DEVNULL, stdout=terminal, stderr=terminal, close_fds=True)
    os.close(terminal)
    seen, deadline = bytearray(), time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([controller], [], [], 1.0)
        if ready:
            try:
                chunk = os.read(controller, 65536)
            except OSError:  # the child closed its side: all is read
                break
            if not chunk:
                break
            seen += chunk
        elif child.poll() is not None:
            break
    os.close(controller)
    return child.wait(timeout=30), seen.decode(errors="replace")


def piped(ws: Sandbox, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "wtdock", "-w", str(ws.root), *args], env={**os.environ, **ws.env},
                          capture_output=True, text=True, timeout=300, check=False)


def test_up_shows_live_progress_in_a_terminal_and_plain_lines_when_piped(ws: Sandbox) -> None:
    code, shown = in_terminal(ws, "up", "live1", "--from", "api=feat/endpoint")
    assert code == 0, shown
    # rich's live display rewrites its lines in place (cursor up, erase line), one per service.
    assert f"{ESC}2K" in shown or f"{ESC}1A" in shown, shown
    assert "postgres" in shown and "api" in shown
    assert "running (healthy)" in shown  # a service's line as it settled
    assert "?25l" in shown  # the cursor is hidden while the display runs (and shown again after)

    plain = piped(ws, "up", "plain1", "--from", "api=feat/endpoint")
    assert plain.returncode == 0, plain.stderr
    assert ESC not in plain.stderr and ESC not in plain.stdout
    lines = plain.stderr.splitlines()
    assert lines and all(line.startswith("wtdock: ") for line in lines), lines
    assert f"wtdock: plain1: first start; starting {ws.name}-plain1" in lines

    quiet = piped(ws, "-q", "up", "quiet1")
    assert quiet.returncode == 0, quiet.stderr
    assert quiet.stderr == ""
    assert "quiet1: started" in quiet.stdout


def test_completion_lists_tickets_and_open_hands_the_url_to_the_browser(ws: Sandbox, tmp_path: Path) -> None:
    for name in ("feat-01", "feat-02"):
        ws.cli("up", name)

    def complete(line: str) -> list[str]:
        words = line.split(" ")
        env = {**os.environ, "_WTDOCK_COMPLETE": "complete_bash", "COMP_WORDS": line,
               "COMP_CWORD": str(len(words) - 1)}
        # The installed script, as a shell calls it: its name is where `_WTDOCK_COMPLETE` comes from.
        script = Path(sys.executable).with_name("wtdock")
        done = subprocess.run([str(script)], cwd=ws.root, env=env, capture_output=True, text=True, timeout=30,
                              check=True)
        return done.stdout.split()

    assert complete("wtdock down ") == ["feat-01", "feat-02"]
    assert complete("wtdock url feat-0") == ["feat-01", "feat-02"]
    assert complete("wtdock logs feat-01 ") == ["front", "api"]
    assert complete("wtdock up feat-03 --from ") == ["front=", "api="]

    record = tmp_path / "opened.txt"
    browser = tmp_path / "browser"
    browser.write_text(f'#!/bin/sh\necho "$1" >> {record}\n')
    browser.chmod(0o755)
    front = ws.json("url", "feat-02")["urls"]["front"]
    opened = subprocess.run([sys.executable, "-m", "wtdock", "-w", str(ws.root), "open", "feat-02"],
                            env={**os.environ, "BROWSER": str(browser)}, capture_output=True, text=True,
                            timeout=60, check=True)
    assert record.read_text() == f"{front}\n"
    assert opened.stdout == f"opened front of feat-02: {front}\n"

    headless = {k: v for k, v in os.environ.items() if k not in ("BROWSER", "DISPLAY", "WAYLAND_DISPLAY")}
    printed = subprocess.run([sys.executable, "-m", "wtdock", "-w", str(ws.root), "open", "feat-02", "api"],
                             env=headless, capture_output=True, text=True, timeout=60, check=True)
    assert printed.stdout == f"{ws.json('url', 'feat-02')['urls']['api']}\n"
    assert record.read_text() == f"{front}\n"  # nothing more was opened
