"""`wtdock init`: the repos of a folder, the services guessed from their files, and the commented
wtdock.yaml written from them (loaded back by the loader, never over an existing file)."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from ruamel.yaml import YAML
from typer.testing import CliRunner

from wtdock.cli.app import app
from wtdock.config import load_config
from wtdock.errors import UserError
from wtdock.ops.detect import detect, find_repos, key_of
from wtdock.ops.guessers import guess
from wtdock.ops.init import init, workspace_name
from wtdock.schemas import config_file

ANY = "0.0.0.0"  # noqa: S104 - what a dev server in a container must listen on


def repo(path: Path, files: dict[str, str]) -> Path:
    """A fake repo: a `.git` folder (no git runs in unit tests) and its files."""
    (path / ".git").mkdir(parents=True)
    for name, text in files.items():
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).write_text(text, encoding="utf-8")
    return path


VITE = {"package.json": json.dumps({"scripts": {"dev": "vite --port 5174"}, "devDependencies": {"vite": "^5"}}),
        "package-lock.json": "{}"}
FASTAPI = {
    "pyproject.toml": '[project]\nname = "api"\nversion = "0"\n'
    'dependencies = ["fastapi>=0.110", "uvicorn", "psycopg[binary]"]\n',
    "app/main.py": "from fastapi import FastAPI\n\napi = FastAPI()\n",
}
DJANGO = {"requirements.txt": "Django==5.0  # the web app\npsycopg2-binary\n-r more.txt\n", "manage.py": ""}
GO = {"go.mod": "module example.com/svc\n\ngo 1.22\n\nrequire github.com/redis/go-redis/v9 v9.5.1\n",
      "main.go": 'package main\nfunc main() { http.ListenAndServe(":8080", nil) }\n'}
FLASK = {"requirements.txt": "flask\nredis>=5\n", "app.py": ""}
RAILS = {"Gemfile": 'source "https://rubygems.org"\ngem "rails", "~> 7.1"\ngem "pg"\n'}


def settings_of(folder: Path) -> dict[str, object]:
    found = guess(folder)
    assert found is not None
    return {s.key: s.value for s in found.settings} | {"port": found.port, "uses": list(found.uses),
                                                       "stack": found.stack}


def test_a_vite_dev_script_gives_its_port_npm_run_dev_and_node_modules(tmp_path: Path) -> None:
    found = settings_of(repo(tmp_path / "front", VITE))
    assert found["stack"] == "node (vite)"
    assert found["port"] == 5174
    assert found["image"] == "node:22-bookworm-slim"
    assert found["command"] == ["npm", "run", "dev", "--", "--host", ANY]  # Vite listens on localhost otherwise
    assert found["setup"] == ["npm install --no-audit --no-fund"]
    assert found["inputs"] == ["package.json", "package-lock.json"]
    assert found["dependencies"] == ["node_modules"]


def test_vite_without_a_port_takes_vite_config_then_its_default(tmp_path: Path) -> None:
    package = {"package.json": json.dumps({"scripts": {"dev": "vite"}})}
    assert settings_of(repo(tmp_path / "a", package))["port"] == 5173
    vite_config = "export default { server: { host: true, port: 4000 } }"
    configured = repo(tmp_path / "b", {**package, "vite.config.ts": vite_config})
    assert settings_of(configured)["port"] == 4000
    assert settings_of(configured)["command"] == ["npm", "run", "dev"]  # its config sets the host already


def test_a_node_app_without_vite_gets_3000_and_one_without_dev_script_is_no_service(tmp_path: Path) -> None:
    assert settings_of(repo(tmp_path / "a", {"package.json": '{"scripts": {"dev": "node --watch server.js"}}'}))[
        "port"] == 3000
    assert guess(repo(tmp_path / "b", {"package.json": '{"scripts": {"start": "node server.js"}}'})) is None
    assert guess(repo(tmp_path / "c", {"package.json": "not json"})) is None


def test_fastapi_from_pyproject_finds_its_app_and_postgres(tmp_path: Path) -> None:
    found = settings_of(repo(tmp_path / "api", FASTAPI))
    assert found["stack"] == "python (fastapi)"
    assert found["port"] == 8000
    assert found["command"] == [".venv/bin/uvicorn", "app.main:api", "--host", ANY, "--port", "8000", "--reload"]
    assert found["setup"] == ["python -m venv .venv && .venv/bin/pip install -e ."]
    assert found["inputs"] == ["pyproject.toml"]
    assert found["dependencies"] == [".venv"]
    assert found["uses"] == ["postgres"]


def test_django_from_requirements_runs_manage_py_and_migrates(tmp_path: Path) -> None:
    found = settings_of(repo(tmp_path / "web", DJANGO))
    assert found["stack"] == "python (django)"
    assert found["command"] == [".venv/bin/python", "manage.py", "runserver", "0.0.0.0:8000"]
    assert found["migrate"] == [".venv/bin/python manage.py migrate"]
    assert found["setup"] == ["python -m venv .venv && .venv/bin/pip install -r requirements.txt"]
    assert found["uses"] == ["postgres"]


def test_flask_rails_and_go(tmp_path: Path) -> None:
    flask = settings_of(repo(tmp_path / "f", FLASK))
    assert (flask["stack"], flask["port"], flask["uses"]) == ("python (flask)", 5000, ["redis"])
    rails = settings_of(repo(tmp_path / "r", RAILS))
    assert (rails["port"], rails["setup"], rails["migrate"]) == (3000, ["bundle install"], ["bin/rails db:prepare"])
    assert rails["command"] == ["bin/rails", "server", "-b", ANY, "-p", "3000"]
    go = settings_of(repo(tmp_path / "g", GO))
    assert (go["stack"], go["command"], go["port"], go["uses"]) == ("go", ["go", "run", "."], 8080, ["redis"])


def test_a_python_project_without_a_known_framework_is_no_service(tmp_path: Path) -> None:
    pyproject = '[project]\nname = "x"\ndependencies = ["requests"]\n'
    assert guess(repo(tmp_path / "lib", {"pyproject.toml": pyproject})) is None


def test_the_repos_of_a_folder_are_its_subfolders_with_git(tmp_path: Path) -> None:
    repo(tmp_path / "Front_End", VITE)
    repo(tmp_path / "api", FASTAPI)
    (tmp_path / "notes").mkdir()
    folder, repos, monorepo = find_repos(tmp_path)
    assert (folder, monorepo) == (tmp_path, False)
    assert [(r.key, r.path) for r in repos] == [("front-end", "Front_End"), ("api", "api")]


def test_inside_a_monorepo_its_top_is_the_workspace_and_services_come_from_its_folders(tmp_path: Path) -> None:
    files = {f"apps/web/{k}": v for k, v in VITE.items()} | {f"api/{k}": v for k, v in GO.items()}
    top = repo(tmp_path / "mono", files)
    found = detect(top / "apps")
    assert (found.folder, found.monorepo) == (top, True)
    assert [(r.key, r.path) for r in found.repos] == [("mono", ".")]
    assert [(s.name, s.workdir, s.guess.stack) for s in found.services] == [
        ("api", "api", "go"), ("web", "apps/web", "node (vite)")]


def test_names_are_keys_and_never_a_shared_services_name(tmp_path: Path) -> None:
    assert key_of("My_App.v2") == "my-app-v2"
    repo(tmp_path / "postgres", GO)
    assert [s.name for s in detect(tmp_path).services] == ["postgres-postgres"]
    assert workspace_name(Path("/x/My Shop!")) == "my-shop"


def write_all(root: Path) -> Path:
    repo(root / "front", VITE)
    repo(root / "api", FASTAPI)
    repo(root / "web", DJANGO)
    repo(root / "svc", GO)
    repo(root / "shop", RAILS)
    repo(root / "flask", FLASK)
    return root


def test_init_writes_a_commented_config_that_loads_and_validates(tmp_path: Path) -> None:
    result = init(write_all(tmp_path / "shop"))
    text = result.config_file.read_text(encoding="utf-8")
    assert text.splitlines()[0] == "# yaml-language-server: $schema=.wtdock-schema.json"
    assert "# TODO: a healthcheck" in text
    assert "# --port 5174 in the dev script." in text
    config = load_config(result.config_file)
    assert config.name == "shop"
    assert sorted(config.services) == ["api", "flask", "front", "shop", "svc", "web"]
    assert config.services["front"].port == 5174
    assert config.services["api"].uses == ["postgres"]
    assert config.services["svc"].uses == ["redis"]
    assert config.shared.events.engine == "none"  # nobody uses it
    assert config.shared.redis.enabled  # svc and flask do
    assert config.shared.postgres.enabled
    jsonschema.validate(YAML(typ="safe").load(text), json.loads(config_file().read_text(encoding="utf-8")))
    assert (tmp_path / "shop" / ".wtdock-schema.json").read_text() == config_file().read_text()
    assert list((tmp_path / "shop").glob(".wtdock-init-*")) == []


def test_init_never_overwrites_and_says_so_in_one_line(tmp_path: Path) -> None:
    root = write_all(tmp_path / "shop")
    first = CliRunner().invoke(app, ["init", str(root)])
    assert first.exit_code == 0, first.output
    before = (root / "wtdock.yaml").read_text()
    again = CliRunner().invoke(app, ["init", str(root)])
    assert again.exit_code == 2
    assert again.stderr.splitlines() == [
        f"wtdock: error: {root / 'wtdock.yaml'} exists; wtdock init never overwrites it",
        "  hint: edit it, or move it aside and run wtdock init again",
    ]
    assert (root / "wtdock.yaml").read_text() == before


def test_init_prints_what_it_found(tmp_path: Path) -> None:
    root = tmp_path / "shop"
    repo(root / "front", VITE)
    repo(root / "api", FASTAPI)
    out = CliRunner().invoke(app, ["init", str(root)])
    assert out.exit_code == 0, out.output
    assert out.stdout.splitlines() == [
        f"found 2 repo(s) in {root}: api, front",
        "  api    api    python (fastapi)  port 8000  host 3001-3099  from pyproject.toml",
        "  front  front  node (vite)       port 5174  host 4001-4099  from package.json",
        f"wrote {root / 'wtdock.yaml'} and .wtdock-schema.json (the schema, for editors)",
        "next: check its TODO lines, then `wtdock doctor` and `wtdock up TICKET`",
    ]


def test_repos_without_a_service_say_what_was_looked_for(tmp_path: Path) -> None:
    repo(tmp_path / "docs", {"README.md": "hi"})
    out = CliRunner().invoke(app, ["init", str(tmp_path)])
    assert out.exit_code == 0, out.output
    assert "no services recognised; looked in each repo and its subfolders for:" in out.stdout
    assert "  - a go.mod" in out.stdout
    config = load_config(tmp_path / "wtdock.yaml")
    assert list(config.repos) == ["docs"]
    assert config.services == {}


def test_a_folder_without_repos_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="no git repos in"):
        init(tmp_path)
    assert not (tmp_path / "wtdock.yaml").exists()


def test_a_monorepo_config_names_the_repo_itself_and_each_services_folder(tmp_path: Path) -> None:
    files = {f"apps/web/{k}": v for k, v in VITE.items()} | {f"api/{k}": v for k, v in FLASK.items()}
    top = repo(tmp_path / "mono", files)
    result = init(top / "apps" / "web")
    assert result.config_file == top / "wtdock.yaml"
    config = load_config(result.config_file)
    assert {k: r.path for k, r in config.repos.items()} == {"mono": "."}
    assert {k: (s.repo, s.workdir) for k, s in config.services.items()} == {
        "api": ("mono", "api"), "web": ("mono", "apps/web")}
    assert "# TODO: add .wtdock/ to the repo's .gitignore" in result.config_file.read_text()
