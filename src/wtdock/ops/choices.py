"""`up --own SERVICE` / `--shared SERVICE`: which services a ticket runs itself.

A ticket that branches a repo runs all of its services by default (plan/wiring.py). In a monorepo
every ticket branches the one repo, so a ticket says which of them it takes from the shared
project instead (``--shared api``), or runs its own after all (``--own api``). The choice is kept
in the ticket's registry entry: a later plain `up` keeps it, a later `--own/--shared` changes it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from wtdock.config.model import Config
from wtdock.errors import NotFoundError, UserError
from wtdock.plan.wiring import required_repos

Choice = Literal["own", "shared"]


@dataclass(frozen=True)
class ServiceChoice:
    """``--own SERVICE`` or ``--shared SERVICE``."""

    service: str
    mode: Choice


def merge_choices(
    config: Config, recorded: Mapping[str, Choice], asked: Sequence[ServiceChoice]
) -> dict[str, Choice]:
    """The ticket's choices: the recorded ones, changed by what this `up` asks (checked)."""
    given: dict[str, Choice] = {}
    for choice in asked:
        svc = config.services.get(choice.service)
        if svc is None:
            raise NotFoundError(
                f"--{choice.mode} {choice.service}: no service {choice.service!r}",
                hint=f"services: {', '.join(config.services) or 'none defined'}",
            )
        if given.get(choice.service, choice.mode) != choice.mode:
            raise UserError(f"service {choice.service!r} is given both --own and --shared")
        if choice.mode == "shared" and svc.shared is None:
            raise UserError(
                f"--shared {choice.service}: service {choice.service} has no shared instance",
                hint=f"give it one (services.{choice.service}.shared.host_port in wtdock.yaml), "
                f"or leave out --shared {choice.service}",
            )
        given[choice.service] = choice.mode
    # A choice the config has since made moot (no shared instance any more) is dropped.
    kept = {s: m for s, m in recorded.items() if s in config.services and config.services[s].shared is not None}
    return kept | {s: m for s, m in given.items() if config.services[s].shared is not None}


def check_own(
    config: Config, ticket: str, branched: Collection[str], choices: Mapping[str, Choice],
    asked: Sequence[ServiceChoice],
) -> None:
    """``--own S`` runs S from the ticket's own checkout of S's repo: the ticket must branch that
    repo already (``branched``: the repos it has or is given with --from/--checkout/--worktree, and
    those its other services need), not get a branch of it made as a side effect."""
    newly = {c.service for c in asked if c.mode == "own"}
    others = {s: m for s, m in choices.items() if s not in newly}
    will_have = set(branched) | set(required_repos(config, branched, others))
    for service in sorted(newly):
        repo = config.services[service].repo
        if repo not in will_have:
            raise UserError(
                f"--own {service}: ticket {ticket} does not branch repo {repo}, which {service} runs from",
                hint=f"add --from {repo}=REF (or --checkout {repo}=BRANCH) to give the ticket a branch of it",
            )
