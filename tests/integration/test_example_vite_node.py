"""The example people copy (examples/vite-node), end to end on the real engine: a Vite + React
front-end and an Express API on Postgres with knex migrations, installed by wtdock's setup from the
npm registry (through this machine's TLS-re-signing proxy: the host CA), run as a user who is not
root, so that a file a container writes into a worktree would show whose it is."""

from __future__ import annotations

import grp
import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docker
import pytest

from tests.integration.conftest import RUN_ID, remove_workspaces
from tests.integration.helpers import STANDIN_IMAGES, http_get

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "vite-node"
NODE_IMAGE = "wtdock-standin/node:22"
USER = 1000  # any uid but root's; it needs no passwd entry
SYSTEM_PYTHON = Path("/usr/bin/python3")  # the venv's Python lives under /root, which others cannot read

pytestmark = pytest.mark.example


@dataclass
class Person:
    """Runs wtdock, git and the example's scripts as a user who is not root."""

    root: Path
    name: str
    env: dict[str, str]

    def argv(self, *args: str) -> list[str]:
        docker_gid = _docker_gid()
        return ["setpriv", f"--reuid={USER}", f"--regid={USER}", f"--groups={docker_gid}", "--inh-caps=-all", *args]

    def run(
        self, *args: str, check: bool = True, timeout: float = 900, cwd: Path | None = None
    ) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(self.argv(*args), env=self.env, capture_output=True, text=True, timeout=timeout,
                              check=False, cwd=cwd or self.root.parent)
        if check:
            assert done.returncode == 0, f"{args}: exit {done.returncode}\n{done.stdout}\n{done.stderr}"
        return done

    def wtdock(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self.run(str(SYSTEM_PYTHON), "-m", "wtdock", "-w", str(self.root), *args, check=check)

    def json(self, *args: str) -> dict[str, Any]:
        return dict(json.loads(self.wtdock(*args, "--json").stdout))

    def git(self, repo: Path, *args: str) -> str:
        return self.run("git", "-C", str(repo), *args).stdout


def _docker_gid() -> int:
    try:
        return grp.getgrnam("docker").gr_gid
    except KeyError:
        return Path("/var/run/docker.sock").stat().st_gid


def _site_packages() -> str:
    import pydantic

    return str(Path(pydantic.__file__).parent.parent)


def make_person(tag: str, base: int, extra_config: str = "") -> Person:
    """The example's workspace, made by its own script as the user, on ports ``base`` (the shared
    API; exact, so each test has its own), ``base+1-99`` (fronts) and ``base+101-199`` (APIs)."""
    top = Path(tempfile.mkdtemp(prefix=f"wtdock-example-{tag}-", dir="/tmp"))
    home, root = top / "home", top / "ws"
    home.mkdir()
    os.chown(home, USER, USER)
    os.chown(top, USER, USER)
    env = {
        "PATH": os.environ["PATH"], "HOME": str(home), "LANG": "C.UTF-8", "XDG_CONFIG_HOME": str(home / ".config"),
        "PYTHONPATH": f"{REPO / 'src'}:{_site_packages()}", "PYTHONDONTWRITEBYTECODE": "1", **STANDIN_IMAGES,
    }
    person = Person(root, f"{RUN_ID}-{tag}"[:30], env)
    person.run(str(SYSTEM_PYTHON), str(EXAMPLE / "make-workspace"), str(root), "--image", NODE_IMAGE)
    text = (root / "wtdock.yaml").read_text()
    text = text.replace("name: vite-node", f"name: {person.name}").replace("host_port: 3000", f"host_port: {base}")
    text = text.replace("3001-3099", f"{base + 1}-{base + 99}").replace("4001-4099", f"{base + 101}-{base + 199}")
    (root / "wtdock.yaml").write_text(text + extra_config)
    return person


@pytest.fixture
def people(engine: docker.DockerClient) -> Iterator[list[Person]]:
    if not SYSTEM_PYTHON.is_file() or shutil.which("setpriv") is None:
        pytest.fail("the example test runs wtdock as another user: it needs /usr/bin/python3 and setpriv")
    made: list[Person] = []
    yield made
    for person in made:
        remove_workspaces(engine, lambda name, p=person: name == p.name)
        shutil.rmtree(person.root.parent, ignore_errors=True)


def ports(person: Person, ticket: str) -> dict[str, int]:
    view = person.json("env", ticket)["ticket"]
    return {s["service"]: s["host_port"] for s in view["services"]}


def wait_for(check: Any, timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if found := check():
                return found
        except (OSError, AssertionError):
            if time.monotonic() > deadline:
                raise
        if time.monotonic() > deadline:
            raise AssertionError(f"not true within {timeout} s: {check}")
        time.sleep(0.5)


def files_of_root(folder: Path) -> list[str]:
    return [str(p) for p in folder.rglob("*") if p.lstat().st_uid == 0]


def test_two_tickets_of_the_example_each_on_its_own_database(people: list[Person], engine: docker.DockerClient) -> None:
    person = make_person("e2e", 32400)
    people.append(person)
    first = person.json("up", "feat-01")
    made = person.wtdock("up", "feat-02", "--from", "front=feat/ui", "--from", "api=feat/endpoint", "--json")
    second = json.loads(made.stdout)
    assert first["action"] == "started" and second["action"] == "started"
    # npm found nothing to fetch or add: each install was a no-op on the copied volume.
    installs = [line for line in made.stderr.splitlines() if " | up to date" in line or " | added " in line]
    assert len(installs) == 2 and all(" | up to date" in line for line in installs), made.stderr
    setup = {p["service"]: p for p in second["prepared"]}
    # The shared API installed first; feat-02's API has the same lockfile, so its volume was copied
    # and its `npm install` found nothing to do.
    assert setup["api"]["copied_from"] == "the shared instance"
    assert setup["front"]["copied_from"] == "ticket feat-01"

    one, two = ports(person, "feat-01"), ports(person, "feat-02")
    # Through each ticket's Vite dev server, rows of the database its API uses.
    rows_one = json.loads(http_get(f"http://127.0.0.1:{one['front']}/api/items"))
    rows_two = json.loads(http_get(f"http://127.0.0.1:{two['front']}/api/items"))
    assert len(rows_one) == len(rows_two) >= 3
    assert "priority" not in rows_one[0]  # the shared API on the base database
    assert rows_two[0]["priority"] == 1  # feat-02's own migration, in its own database only

    # The api repo's own tests (api/tests/test_items.py), with plain pytest in feat-02's worktree and
    # two workers: its API over HTTP, its database over SQL, a database of its own per worker.
    api_tree = person.root / ".wtdock" / "worktrees" / "feat-02" / "api"
    tested = person.run(str(SYSTEM_PYTHON), "-m", "pytest", "-p", "no:cacheprovider", "-q", "-n", "2", "tests",
                        cwd=api_tree)
    assert "2 passed" in tested.stdout, tested.stdout

    # An edit to a component in feat-02's worktree reaches its dev server; feat-01's does not change.
    app = person.root / ".wtdock" / "worktrees" / "feat-02" / "front" / "src" / "App.tsx"
    module_two = f"http://127.0.0.1:{two['front']}/src/App.tsx"
    module_one = f"http://127.0.0.1:{one['front']}/src/App.tsx"
    before_one = http_get(module_one)
    text = app.read_text()
    app.write_text(text.replace("</h2>", " (edited)</h2>", 1))
    wait_for(lambda: "(edited)" in http_get(module_two), timeout=20)
    assert http_get(module_one) == before_one
    app.write_text(text)

    # Every worktree stays clean and holds no file of root's: containers wrote as the user.
    for ticket, repos in (("feat-01", ("front",)), ("feat-02", ("front", "api"))):
        for repo in repos:
            worktree = person.root / ".wtdock" / "worktrees" / ticket / repo
            assert person.git(worktree, "status", "--porcelain") == "", (ticket, repo)
            assert files_of_root(worktree) == [], (ticket, repo)

    # A lockfile change in one ticket reinstalls that ticket only.
    manifest = person.root / ".wtdock" / "worktrees" / "feat-02" / "api" / "package.json"
    package = json.loads(manifest.read_text())
    manifest.write_text(json.dumps({**package, "description": "changed in feat-02"}, indent=2) + "\n")
    again = {p["service"]: p for p in person.json("up", "feat-02")["prepared"]}
    assert again["api"]["setup"] == "ran" and again["front"]["setup"] == "up to date"
    assert {p["service"]: p["setup"] for p in person.json("up", "feat-01")["prepared"]} == {"front": "up to date"}

    person.wtdock("down", "feat-02", "--force")
    person.wtdock("down", "feat-01")
    left = engine.volumes.list(filters={"label": [f"dev.wtdock.workspace={person.name}", "dev.wtdock.dependency",
                                                  "dev.wtdock.role=ticket"]})
    assert left == []


def test_without_the_host_ca_setup_fails_with_a_hint_naming_the_switch(people: list[Person]) -> None:
    person = make_person("noca", 32600, 'ca_bundle: "off"\n')
    people.append(person)
    failed = person.wtdock("up", "feat-01", check=False)
    assert failed.returncode == 5, failed.stderr
    last = failed.stderr.strip().splitlines()
    assert any("setup `npm install --no-audit --no-fund` exited" in line for line in last), failed.stderr
    assert any(line.strip().startswith("hint:") and "ca_bundle: auto" in line for line in last), failed.stderr
    assert "Traceback" not in failed.stderr
