"""`wtdock init` on a folder of two real repos (a Node dev server, a FastAPI app using Postgres):
the config it writes passes `doctor` and `up` starts it (with the stand-in images, as nothing can be
pulled here); run again, it refuses to overwrite."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest
from ruamel.yaml import YAML
from typer.testing import CliRunner

from tests.integration.conftest import RUN_ID, remove_workspaces
from tests.integration.helpers import STANDIN_IMAGES, Sandbox, git, http_get
from tests.reference import RUNTIME_IMAGE
from wtdock.cli.app import app

NODE_STANDIN = "wtdock-standin/node:22"
FRONT_SERVER = """\
const http = require("http");
const port = Number(process.argv[process.argv.indexOf("--port") + 1]);
http.createServer((req, res) => res.end("front ok\\n")).listen(port, "0.0.0.0");
"""
# Connects to the database wtdock injects for `uses: [postgres]`, which init guessed from psycopg.
API_SERVER = """\
import http.server, os, psycopg2

class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        with psycopg2.connect(os.environ["DATABASE_URL"]) as db, db.cursor() as cur:
            cur.execute("select current_database()")
            body = f"api ok on {cur.fetchone()[0]}\\n".encode()
        self.send_response(200)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass

http.server.ThreadingHTTPServer(("0.0.0.0", 8000), Handler).serve_forever()
"""


def commit_repo(path: Path, files: dict[str, str]) -> None:
    path.mkdir(parents=True)
    git(path, "init", "-q", "-b", "main")
    for name, text in files.items():
        (path / name).write_text(text, encoding="utf-8")
    git(path, "add", "-A")
    git(path, "commit", "-qm", "init")


def free_port(first: int, last: int) -> int:
    """A port of 7000-7999 nothing listens on now (the shared Postgres's, set exactly)."""
    for port in range(first, last + 1):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise AssertionError(f"no free port in {first}-{last}")


@pytest.fixture
def folder(engine: docker.DockerClient, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A folder of two repos, named with this run's prefix: init names the workspace after it."""
    root = tmp_path_factory.mktemp(f"{RUN_ID}-init")
    package = {"name": "front", "version": "1.0.0", "scripts": {"dev": "node server.js --port 5174"}}
    lock = {"name": "front", "version": "1.0.0", "lockfileVersion": 3, "requires": True,
            "packages": {"": {"name": "front", "version": "1.0.0"}}}
    commit_repo(root / "front", {"package.json": json.dumps(package, indent=2) + "\n",
                                 "package-lock.json": json.dumps(lock, indent=2) + "\n",
                                 "server.js": FRONT_SERVER, ".gitignore": "node_modules/\n"})
    commit_repo(root / "api", {"requirements.txt": "fastapi\nuvicorn\npsycopg2-binary\n",
                               "main.py": "from fastapi import FastAPI\n\napp = FastAPI()\n",
                               "server.py": API_SERVER, ".gitignore": ".venv/\n"})
    yield root
    remove_workspaces(engine, lambda name: name == root.name)


def use_standins(config_file: Path, postgres_port: int) -> None:
    """What a user edits after init, plus what this machine needs: stand-in images (no registry),
    a tiny API server in place of uvicorn (nothing to install), and ports in 7000-7999."""
    yaml = YAML()
    config = yaml.load(config_file)
    front, api = config["services"]["front"], config["services"]["api"]
    assert front["image"] == "node:22-bookworm-slim"
    front["image"] = NODE_STANDIN
    front["host_ports"] = "7401-7449"
    assert api["command"][:2] == [".venv/bin/uvicorn", "main:app"]
    api |= {"image": RUNTIME_IMAGE, "command": ["python3", "server.py"], "host_ports": "7451-7499"}
    for key in ("setup", "inputs", "dependencies"):
        del api[key]
    config["shared"]["postgres"] = {"host_port": postgres_port}
    yaml.dump(config, config_file)


def test_init_writes_a_config_that_doctor_accepts_and_up_starts(folder: Path) -> None:
    made = CliRunner().invoke(app, ["init", str(folder)])
    assert made.exit_code == 0, made.output
    assert made.stdout.splitlines()[:3] == [
        f"found 2 repo(s) in {folder}: api, front",
        "  api    api    python (fastapi)  port 8000  host 3001-3099  from requirements.txt",
        "  front  front  node              port 5174  host 4001-4099  from package.json",
    ]
    config_file = folder / "wtdock.yaml"
    text = config_file.read_text(encoding="utf-8")
    assert "uses: [postgres]" in text
    assert "# TODO: a healthcheck" in text
    use_standins(config_file, free_port(7300, 7399))

    ws = Sandbox(root=folder, name=folder.name, env=dict(STANDIN_IMAGES))
    doctor = ws.cli("doctor")
    assert "problem" not in doctor.stdout, doctor.stdout
    try:
        up = ws.cli("up", "t1")
        assert "front" in up.stdout
        assert "api" in up.stdout
        urls = ws.json("url", "t1")["urls"]
        assert http_get(urls["front"] + "/") == "front ok\n"
        assert http_get(urls["api"] + "/").startswith("api ok on app_t1")  # the ticket's own database
        # setup ran npm install in the ticket's own node_modules volume (no dependencies: no registry).
        assert (ws.worktree("t1", "front") / "node_modules").is_dir()
    finally:
        ws.cli("down", "t1", "--force", code=None)
        ws.cli("shared", "down", "--force", "--volumes", "--yes", code=None)

    again = CliRunner().invoke(app, ["init", str(folder)])
    assert again.exit_code == 2
    assert again.stderr.splitlines()[0] == f"wtdock: error: {config_file} exists; wtdock init never overwrites it"
