"""The demo workspace as data: which images it runs on, which ports, and its wtdock.yaml. Pure: the
engine's answers (local images, free ports) come in as arguments."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any, Literal

from wtdock.errors import UnavailableError

ImageChoice = Literal["auto", "official", "standin"]
DEFAULT_NAME = "wtdock-demo"
DEFAULT_BASE = 3000  # the README's ports: shared API 3000, front-ends 3001-, APIs 4001-
# The folder the official images' API is built from (inside the demo folder; see demo/runtime/).
RUNTIME_CONTEXT = "runtime"
HEALTH = ["CMD", "python3", "-c", "import urllib.request as u; u.urlopen('http://127.0.0.1:8000/health')"]


@dataclass(frozen=True)
class DemoImages:
    """The images of one flavour: the shared services' (``images:`` keys) and the apps'. ``app``
    None: the API is built from RUNTIME_CONTEXT on ``front`` (the official python image has no
    Postgres or Redis client)."""

    kind: Literal["official", "standin"]
    shared: dict[str, str]
    front: str
    api: str | None

    @property
    def needed(self) -> tuple[str, ...]:
        """Every image that must be local (or pulled) before the demo starts."""
        return (*self.shared.values(), self.front, *((self.api,) if self.api else ()))


OFFICIAL = DemoImages(
    "official",
    {"postgres": "postgres:16-alpine", "redis": "redis:7-alpine", "nats": "nats:2.10-alpine"},
    front="python:3.12-slim",
    api=None,
)
STANDINS = DemoImages(
    "standin",
    {"postgres": "wtdock-standin/postgres:16", "redis": "wtdock-standin/redis:7", "nats": "wtdock-standin/nats:2.10"},
    front="wtdock-standin/runtime:1",
    api="wtdock-standin/runtime:1",
)
IMAGE_HINT = (
    "scripts/build-standins makes local stand-ins without a registry; or point images.* in wtdock.yaml or "
    "WTDOCK_IMAGE_POSTGRES/REDIS/NATS at a mirror"
)


def missing(images: DemoImages, local: Collection[str]) -> list[str]:
    """The images of ``images`` that are not among the ``local`` tags (``docker images``)."""
    return [tag for tag in images.needed if _normal(tag) not in {_normal(t) for t in local}]


def _normal(tag: str) -> str:
    # The engine lists Docker Hub's official images without a registry prefix; a user may write one.
    return tag.removeprefix("docker.io/").removeprefix("library/")


def choose_images(
    wanted: ImageChoice, local: Collection[str], pull: Callable[[list[str]], str | None]
) -> tuple[DemoImages, str | None]:
    """The images to run on and a line saying why, if it is not the plain default. ``pull`` pulls
    the given tags and returns None, or the engine's reason it could not."""
    if wanted == "standin":
        return _standins(local, "asked for (--images standin)"), None
    lacking = missing(OFFICIAL, local)
    if not lacking:
        return OFFICIAL, None
    reason = pull(lacking)
    if reason is None:
        return OFFICIAL, None
    if wanted == "official":
        raise UnavailableError(f"the official images could not be pulled: {reason}", hint=IMAGE_HINT)
    images = _standins(local, f"the official images could not be pulled ({reason})")
    return images, "the official images could not be pulled; using the local stand-ins wtdock-standin/*"


def _standins(local: Collection[str], why: str) -> DemoImages:
    lacking = missing(STANDINS, local)
    if lacking:
        raise UnavailableError(
            f"{why}, and the stand-in images are not here either: {', '.join(lacking)}", hint=IMAGE_HINT
        )
    return STANDINS


@dataclass(frozen=True)
class Ports:
    """The demo's host ports: the shared API's one port, and the tickets' ranges."""

    shared_api: int
    fronts: str
    apis: str

    @classmethod
    def at(cls, base: int, shared_api: int | None = None) -> Ports:
        """The documented layout shifted to ``base``: shared API ``base``, front-ends ``base+1``-,
        APIs ``base+1001``-."""
        shared = base if shared_api is None else shared_api
        return cls(shared, f"{base + 1}-{base + 99}", f"{base + 1001}-{base + 1099}")


def choose_ports(base: int, is_free: Callable[[int], bool]) -> tuple[Ports, str | None]:
    """``base`` for the shared API (a fixed port: wtdock takes it as it is, so a taken one would
    fail the demo), else the first free of base+100, base+200, ... (between the tickets' ranges);
    with a line saying so. The tickets' ranges are probed by wtdock's own allocator."""
    for port in range(base, base + 1000, 100):
        if is_free(port):
            note = None if port == base else f"port {base} is taken; the shared API uses {port}"
            return Ports.at(base, port), note
    raise UnavailableError(
        f"no free port for the shared API among {base}, {base + 100}, ..., {base + 900}",
        hint="pick other ports with `wtdock demo --port-base N`",
    )


def demo_config(name: str, ports: Ports, images: DemoImages) -> dict[str, Any]:
    """The demo's wtdock.yaml (also the test suite's reference workspace): a front-end per ticket,
    an API shared unless a ticket branches it, on Postgres, Redis and NATS."""
    api_image: dict[str, Any] = {"image": images.api} if images.api else {"build": RUNTIME_CONTEXT}
    config: dict[str, Any] = {
        "name": name,
        "repos": {"front": {"path": "front"}, "api": {"path": "api"}},
        "services": {
            "front": {
                "repo": "front",
                "image": images.front,
                "command": ["python3", "server.py"],
                "port": 8000,
                "host_ports": ports.fronts,
                "environment": {"API_URL": "{{ services.api.internal_url }}"},
                "healthcheck": {"test": list(HEALTH)},
            },
            "api": {
                "repo": "api",
                **api_image,
                "command": ["python3", "server.py"],
                "port": 8000,
                "host_ports": ports.apis,
                "shared": {"host_port": ports.shared_api},
                "uses": ["postgres", "redis", "events"],
                "healthcheck": {"test": list(HEALTH)},
            },
        },
    }
    if images.kind == "standin":
        config["images"] = dict(images.shared)
    return config
