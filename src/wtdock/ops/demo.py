"""`wtdock demo`: a throwaway workspace of the package's two demo repos, brought up with the README's
seed flow through the same operations as `wtdock up`; `demo --down` removes all of it.

The folder is the demo's only if it holds the marker file wtdock wrote when it made it: nothing
else is ever removed."""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from wtdock import engine, gitops, ports, yamlio
from wtdock.config.model import NAME_PATTERN
from wtdock.demo import RUNTIME, config, repos
from wtdock.errors import EngineError, RefusedError, UserError
from wtdock.files import write_atomic
from wtdock.names import ticket_slug
from wtdock.ops.builds import repository
from wtdock.ops.context import Context
from wtdock.ops.down import down
from wtdock.ops.shared import shared_down
from wtdock.ops.up import UpResult, up
from wtdock.ops.worktree_steps import RepoRequest, ticket_branch
from wtdock.workspace import Workspace

MARKER = ".wtdock-demo"
MARKER_VERSION = 1
CONFIG = "wtdock.yaml"
# The seed flow of the README: feat-01 runs its own front-end on the shared API; feat-02 branches both.
TICKETS: tuple[tuple[str, tuple[RepoRequest, ...]], ...] = (
    ("feat-01", ()),
    ("feat-02", (RepoRequest("front", "from", "feat/ui"), RepoRequest("api", "from", "feat/endpoint"))),
)


def default_dir(environ: Mapping[str, str] = os.environ) -> Path:
    """``$XDG_DATA_HOME/wtdock/demo``, else ``~/.local/share/wtdock/demo``."""
    base = environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "wtdock" / "demo"


@dataclass(frozen=True)
class DemoResult:
    """What `wtdock demo` did: ``resumed`` when the workspace was there already; ``images`` is
    official or standin; ``notices`` what it chose on the way (stand-ins, another port)."""

    root: Path
    workspace: str
    resumed: bool
    images: str
    notices: tuple[str, ...]
    tickets: tuple[UpResult, ...]


@dataclass(frozen=True)
class DemoDownResult:
    root: Path
    removed: tuple[str, ...]


def demo_up(
    root: Path, *, name: str | None = None, port_base: int = config.DEFAULT_BASE,
    images: config.ImageChoice = "auto", say: Callable[[str], None] = lambda _: None,
) -> DemoResult:
    """Make the demo workspace in ``root`` (unless it is there: then resume it), then `up` its
    two tickets. Run twice, the second run finds everything running."""
    root = root.expanduser().resolve()
    if name is not None and not (re.fullmatch(NAME_PATTERN, name) and len(name) <= 30):
        # Checked before anything is made: it becomes the workspace's name in wtdock.yaml.
        raise UserError(f"--name {name!r} cannot name a workspace",
                        hint="use up to 30 lowercase letters, digits, '-' and '_', starting with a letter or digit")
    made = _marker(root)
    notices: list[str] = []
    if made is not None and name is not None and made != name:
        raise UserError(f"{root} holds the demo workspace {made!r}, not {name!r}",
                        hint=f"leave out --name, or `wtdock demo {root} --down` first")
    resumed = made is not None and (root / CONFIG).is_file()
    if resumed:
        say(f"demo: resuming the workspace in {root}")
    else:
        _make(root, name or made or config.DEFAULT_NAME, port_base, images, notices=notices, say=say)
    ctx = Context(Workspace.load(explicit=str(root / CONFIG)), say=say)
    kind = "standin" if ctx.ws.config.images else "official"
    results = tuple(up(ctx, ticket, _requests(ctx, ticket, requests)) for ticket, requests in TICKETS)
    return DemoResult(root, ctx.ws.name, resumed, kind, tuple(notices), results)


def _requests(ctx: Context, ticket: str, requests: tuple[RepoRequest, ...]) -> tuple[RepoRequest, ...]:
    """A ticket that `wtdock down` removed left its branches (with any work on them): the next demo
    checks them out again instead of failing on a branch that exists."""
    if ctx.registry.read().ticket(ticket_slug(ticket)) is not None:
        return requests
    branch = ticket_branch(ctx.ws, ticket)
    return tuple(
        RepoRequest(r.repo, "checkout", branch) if gitops.branch_exists(ctx.ws.repo_path(r.repo), branch) else r
        for r in requests
    )


def _make(
    root: Path, name: str, base: int, wanted: config.ImageChoice, *, notices: list[str], say: Callable[[str], None]
) -> None:
    """Choose images and ports (before anything is written), then the marker, the repos and the
    config, in that order: an interrupted run leaves a marked folder the next run remakes."""
    if root.exists() and any(root.iterdir()) and _marker(root) is None:
        raise RefusedError(f"{root} is not empty and was not made by `wtdock demo`",
                           hint="give an empty or new folder: `wtdock demo DIR`")
    images, note = config.choose_images(wanted, engine.local_image_tags(), _puller(say))
    ports_, moved = config.choose_ports(base, lambda port: ports.port_is_free("127.0.0.1", port))
    notices.extend(line for line in (note, moved) if line)
    say(f"demo: making the workspace {name} in {root}")
    root.mkdir(parents=True, exist_ok=True)
    write_atomic(root / MARKER, json.dumps({"wtdock_demo": MARKER_VERSION, "workspace": name}) + "\n", mode=0o644)
    for folder in (*repos.REPOS, config.RUNTIME_CONTEXT):
        shutil.rmtree(root / folder, ignore_errors=True)  # an interrupted run's, inside our marked folder
    repos.make_repos(root)
    if images.api is None:
        shutil.copytree(RUNTIME, root / config.RUNTIME_CONTEXT)
    header = "made by `wtdock demo`; `wtdock demo --down` removes this folder"
    text = yamlio.dump(config.demo_config(name, ports_, images), header)
    write_atomic(root / CONFIG, text, mode=0o644)


def _puller(say: Callable[[str], None]) -> Callable[[list[str]], str | None]:
    def pull(tags: list[str]) -> str | None:
        for tag in tags:
            say(f"demo: pulling {tag}")
            try:
                engine.pull_image(tag)
            except EngineError as err:
                return err.stderr or err.message
        return None

    return pull


def _marker(root: Path) -> str | None:
    """The workspace name in the folder's marker, or None when there is no marker (or no folder)."""
    try:
        found = json.loads((root / MARKER).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as err:
        raise RefusedError(f"{root / MARKER} is unreadable ({err}); not touching {root}") from err
    if not isinstance(found, dict) or found.get("wtdock_demo") != MARKER_VERSION or not found.get("workspace"):
        raise RefusedError(f"{root / MARKER} is not a wtdock demo marker; not touching {root}")
    return str(found["workspace"])


def demo_down(root: Path, *, say: Callable[[str], None] = lambda _: None) -> DemoDownResult:
    """Remove the demo in ``root``: its tickets, the shared project with its data volumes, the
    network, built images, the folder. Refuses a folder without the demo's marker; no folder is
    nothing to do."""
    root = root.expanduser().resolve()
    if not root.exists():
        return DemoDownResult(root, ())
    name = _marker(root)
    if name is None:
        raise RefusedError(f"{root} was not made by `wtdock demo` (no {MARKER} in it); not removing it",
                           hint="give the folder `wtdock demo` printed: `wtdock demo DIR --down`")
    removed: list[str] = []
    if (root / CONFIG).is_file():
        removed += _take_down(Context(Workspace.load(explicit=str(root / CONFIG)), say=say), name)
    shutil.rmtree(root)
    removed.append(f"folder {root}")
    return DemoDownResult(root, tuple(removed))


def _take_down(ctx: Context, name: str) -> list[str]:
    ws = ctx.ws
    if ws.name != name:
        raise RefusedError(f"{ws.config_file} names workspace {ws.name!r}, its demo marker {name!r}; not removing it")
    removed = []
    for record in list(ctx.registry.read().tickets.values()):
        # The repos go with the folder: nothing in a worktree is worth keeping, and the databases
        # go with the shared volume below.
        down(ctx, record.name, keep_worktrees=False, force=True, drop_data=False)
        removed.append(f"ticket {record.name}")
    result = shared_down(ctx, force=True, volumes=True)
    removed.append(f"shared project {result.project} and its data volumes")
    if result.network and result.network.startswith("removed "):
        removed.append(result.network.removeprefix("removed "))
    elif result.network:
        ctx.say(f"demo: {result.network}")
    built = [svc for svc, cfg in ws.config.services.items() if cfg.build is not None]
    tags = [tag for svc in built for tag in engine.image_tags(repository(ws, svc))]
    removed += [f"image {tag}" for tag in engine.remove_images(tags)]
    return removed
