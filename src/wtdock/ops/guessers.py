"""What a folder runs, guessed from its files: one guesser per stack, each reading a few files and
returning a `Guess` (with the reason for each value) or None. No git, no engine: files only."""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

NODE_IMAGE = "node:22-bookworm-slim"
PYTHON_IMAGE = "python:3.12-slim"
RUBY_IMAGE = "ruby:3.3"
GO_IMAGE = "golang:1.23"
VITE_PORT = 5173
# Dev servers in containers must listen on every address of the container: the host's published
# port reaches them through the container's network interface, not its loopback.
EVERY_ADDRESS = "0.0.0.0"  # noqa: S104 - inside the container; the host side binds to `bind`


@dataclass(frozen=True)
class Setting:
    """One key of a guessed service, with the comment that says where it came from."""

    key: str
    value: Any
    why: str = ""


@dataclass(frozen=True)
class Guess:
    """A service guessed from a folder's files: its stack, the file it read, its port and keys."""

    stack: str  # what it is, in words: `node (vite)`, `python (fastapi)`
    source: str  # the file that decided it, relative to the folder
    port: int
    port_why: str
    settings: tuple[Setting, ...]
    uses: tuple[str, ...] = ()
    todos: tuple[str, ...] = ()
    health: tuple[str, ...] = ()  # an example healthcheck test, for the TODO line


def guess(folder: Path) -> Guess | None:
    """The first stack whose files are in ``folder``, or None."""
    for guesser in GUESSERS:
        found = guesser(folder)
        if found is not None:
            return found
    return None


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""


def _uses(names: Iterable[str], table: dict[str, str]) -> tuple[str, ...]:
    """The shared services a stack's dependency names point at (`pg` -> postgres), in a fixed order."""
    found = {table[n] for n in names if n in table}
    return tuple(s for s in ("postgres", "redis", "events") if s in found)


def _http_check(port: int, runtime: str) -> tuple[str, ...]:
    if runtime == "node":
        script = f"fetch('http://127.0.0.1:{port}/').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
        return ("CMD", "node", "-e", script)
    if runtime == "python":
        return ("CMD", "python", "-c", f"import urllib.request as u; u.urlopen('http://127.0.0.1:{port}/')")
    return ("CMD-SHELL", f"curl -fsS http://127.0.0.1:{port}/ || exit 1")


# --- Node -------------------------------------------------------------------------------------

NODE_USES = {"pg": "postgres", "postgres": "postgres", "pg-promise": "postgres", "redis": "redis",
             "ioredis": "redis", "nats": "events"}


def node(folder: Path) -> Guess | None:
    try:
        package = json.loads(_read(folder / "package.json") or "null")
    except ValueError:
        return None
    scripts = package.get("scripts") if isinstance(package, dict) else None
    dev = scripts.get("dev") if isinstance(scripts, dict) else None
    if not isinstance(dev, str):
        return None
    names = [*(package.get("dependencies") or {}), *(package.get("devDependencies") or {})]
    vite = bool(re.search(r"\bvite\b", dev))
    port, port_why = _node_port(folder, dev, vite)
    command, command_why = ["npm", "run", "dev"], f"`npm run dev` runs `{dev}`"
    if vite and "--host" not in dev and not re.search(r"\bhost\s*:", _vite_config(folder)):
        # Vite listens on localhost by default: inside a container nothing outside could reach it.
        command += ["--", "--host", EVERY_ADDRESS]
        command_why += "; --host 0.0.0.0 so the dev server answers from outside its container"
    todos = () if vite else ("make sure the dev server listens on 0.0.0.0, not only on localhost",)
    inputs = ["package.json", *(lock for lock in ("package-lock.json",) if (folder / lock).is_file())]
    settings = (
        Setting("image", NODE_IMAGE, "Node's official image (Debian slim)"),
        Setting("command", command, command_why),
        Setting("setup", ["npm install --no-audit --no-fund"],
                "once per worktree, and again when an input changes; `npm install` changes nothing on a "
                "node_modules that matches the lockfile"),
        Setting("inputs", inputs),
        Setting("dependencies", ["node_modules"], "kept in the ticket's own volume, over the worktree's"),
    )
    if (folder / "yarn.lock").is_file() or (folder / "pnpm-lock.yaml").is_file():
        todos = (*todos, "this repo has a yarn or pnpm lockfile: use its install command in `setup`")
    return Guess("node (vite)" if vite else "node", "package.json", port, port_why, settings,
                 uses=_uses(names, NODE_USES), todos=todos, health=_http_check(port, "node"))


def _vite_config(folder: Path) -> str:
    return "".join(_read(folder / f"vite.config.{ext}") for ext in ("ts", "js", "mjs", "mts", "cjs"))


def _node_port(folder: Path, dev: str, vite: bool) -> tuple[int, str]:
    if m := re.search(r"(?:--port|-p)[\s=]+(\d{2,5})\b", dev):
        return int(m.group(1)), f"{m.group(0).strip()} in the dev script"
    if vite:
        if m := re.search(r"\bport\s*:\s*(\d{2,5})\b", _vite_config(folder)):
            return int(m.group(1)), "server.port in vite.config"
        return VITE_PORT, "Vite's default port"
    return 3000, "the usual default of Node dev servers; TODO: check it"


# --- Python -----------------------------------------------------------------------------------

PYTHON_USES = {"psycopg": "postgres", "psycopg2": "postgres", "psycopg2-binary": "postgres",
               "psycopg-binary": "postgres", "asyncpg": "postgres", "redis": "redis", "nats-py": "events"}


def python(folder: Path) -> Guess | None:
    names, source = _python_names(folder)
    for framework, make in (("fastapi", _fastapi), ("django", _django), ("flask", _flask)):
        if framework in names:
            port, port_why, command, command_why, extra, todos = make(folder)
            install = "-r requirements.txt" if source == "requirements.txt" else "-e ."
            settings = (
                Setting("image", PYTHON_IMAGE, "Python's official image (Debian slim)"),
                Setting("command", command, command_why),
                Setting("setup", [f"python -m venv .venv && .venv/bin/pip install {install}"],
                        f"a virtualenv in .venv, installed from {source}"),
                Setting("inputs", [source]),
                Setting("dependencies", [".venv"], "kept in the ticket's own volume, over the worktree's"),
                *extra,
            )
            return Guess(f"python ({framework})", source, port, port_why, settings,
                         uses=_uses(names, PYTHON_USES), todos=todos, health=_http_check(port, "python"))
    return None


def _python_names(folder: Path) -> tuple[set[str], str]:
    """The normalized names of the distributions a folder depends on, and the file naming them."""
    text = _read(folder / "requirements.txt")
    if text:
        lines = (line.split("#")[0].strip() for line in text.splitlines())
        return {_distribution(line) for line in lines if line and not line.startswith("-")}, "requirements.txt"
    try:
        project = tomllib.loads(_read(folder / "pyproject.toml"))
    except tomllib.TOMLDecodeError:
        return set(), ""
    found = [*project.get("project", {}).get("dependencies", [])]
    for group in project.get("project", {}).get("optional-dependencies", {}).values():
        found.extend(group)
    poetry = [*project.get("tool", {}).get("poetry", {}).get("dependencies", {})]
    return {_distribution(str(d)) for d in [*found, *poetry]}, "pyproject.toml" if found or poetry else ""


def _distribution(requirement: str) -> str:
    name = re.split(r"[\s\[<>=!~;@]", requirement.strip(), maxsplit=1)[0]
    return re.sub(r"[-_.]+", "-", name).lower()


Made = tuple[int, str, list[str], str, tuple[Setting, ...], tuple[str, ...]]


def _fastapi(folder: Path) -> Made:
    target = _asgi_app(folder)
    why = f"uvicorn serves {target}" if target else "TODO: uvicorn serves main:app; name your app's module:variable"
    command = [".venv/bin/uvicorn", target or "main:app", "--host", EVERY_ADDRESS, "--port", "8000", "--reload"]
    return 8000, "the port the command gives uvicorn", command, why, (), ()


def _asgi_app(folder: Path) -> str | None:
    """``module:variable`` of the first ``X = FastAPI(`` in the usual files."""
    for name in ("main.py", "app.py", "app/main.py", "src/main.py", "api/main.py", "src/app/main.py"):
        if m := re.search(r"^(\w+)\s*=\s*FastAPI\(", _read(folder / name), re.MULTILINE):
            return f"{name.removesuffix('.py').replace('/', '.')}:{m.group(1)}"
    return None


def _django(folder: Path) -> Made:
    command = [".venv/bin/python", "manage.py", "runserver", "0.0.0.0:8000"]
    migrate = Setting("migrate", [".venv/bin/python manage.py migrate"],
                      "on every up, after the ticket's database exists")
    todos: tuple[str, ...] = (
        "Django's ALLOWED_HOSTS must allow 127.0.0.1 and the service's name; its DATABASES should read "
        "DATABASE_URL (with `uses: [postgres]`)",
    )
    if not (folder / "manage.py").is_file():
        todos = (*todos, "no manage.py beside the requirements: set `workdir` to the project's folder")
    return 8000, "the port given to runserver", command, "Django's dev server, on every address", (migrate,), todos


def _flask(folder: Path) -> Made:
    command = [".venv/bin/flask", "run", "--host", EVERY_ADDRESS, "--port", "5000", "--debug"]
    found = next((n for n in ("app.py", "wsgi.py") if (folder / n).is_file()), None)
    todos = () if found else ("no app.py or wsgi.py: set FLASK_APP in `environment`",)
    why = "Flask's dev server with reload" + (f", which finds {found}" if found else "")
    return 5000, "Flask's default port", command, why, (), todos


# --- Ruby on Rails ----------------------------------------------------------------------------


def rails(folder: Path) -> Guess | None:
    gemfile = _read(folder / "Gemfile")
    gems = set(re.findall(r"""^\s*gem\s+['"]([\w-]+)['"]""", gemfile, re.MULTILINE))
    if "rails" not in gems:
        return None
    uses = _uses(gems, {"pg": "postgres", "redis": "redis"})
    settings = [
        Setting("image", RUBY_IMAGE, "Ruby's official image (it has the build tools native gems need)"),
        Setting("command", ["bin/rails", "server", "-b", EVERY_ADDRESS, "-p", "3000"], "Rails' server, every address"),
        Setting("environment", {"BUNDLE_PATH": "vendor/bundle"}, "gems go into the folder kept in a volume"),
        Setting("setup", ["bundle install"], "once per worktree, and again when an input changes"),
        Setting("inputs", ["Gemfile", "Gemfile.lock"]),
        Setting("dependencies", ["vendor/bundle"], "kept in the ticket's own volume, over the worktree's"),
    ]
    if "postgres" in uses:
        settings.append(Setting("migrate", ["bin/rails db:prepare"], "on every up, after the ticket's database exists"))
    todos = ("config/database.yml should read DATABASE_URL (with `uses: [postgres]`)",)
    return Guess("ruby (rails)", "Gemfile", 3000, "the port given to rails server", tuple(settings),
                 uses=uses, todos=todos, health=_http_check(3000, "curl"))


# --- Go ---------------------------------------------------------------------------------------

GO_CACHE = "/tmp/go-build"  # noqa: S108 - a path inside the container, where anyone may write
GO_USES = {"github.com/lib/pq": "postgres", "github.com/jackc/pgx/v5": "postgres",
           "github.com/jackc/pgx/v4": "postgres", "github.com/redis/go-redis/v9": "redis",
           "github.com/go-redis/redis/v8": "redis", "github.com/nats-io/nats.go": "events"}


def go(folder: Path) -> Guess | None:
    text = _read(folder / "go.mod")
    if not text.strip():
        return None
    modules = re.findall(r"^\s*(?:require\s+)?([\w.\-/]+)\s+v\d", text, re.MULTILINE)
    listen = re.search(r"""(?:Listen(?:AndServe)?|Run|Addr:)\s*\(?\s*"[^"]*:(\d{2,5})\"""", _read(folder / "main.go"))
    port, port_why = (int(listen.group(1)), "the address main.go listens on") if listen else (
        8080, "the usual default of Go servers; TODO: check it")
    settings = (
        Setting("image", GO_IMAGE, "Go's official image"),
        Setting("command", ["go", "run", "."], "builds and runs the main package; restart the service after a change"),
        # The host user the container runs as has no writable home for Go's build cache.
        Setting("environment", {"GOCACHE": GO_CACHE}, "a build cache the container's user can write"),
        Setting("setup", ["go mod download"], "once per worktree, and again when an input changes"),
        Setting("inputs", ["go.mod", "go.sum"]),
    )
    return Guess("go", "go.mod", port, port_why, settings, uses=_uses(modules, GO_USES),
                 todos=("make sure the server listens on 0.0.0.0 (\":PORT\"), not only on localhost",),
                 health=_http_check(port, "curl"))


GUESSERS: tuple[Callable[[Path], Guess | None], ...] = (node, python, rails, go)
