"""``{{ ... }}`` references: which exist, and what the error says for those that do not."""

from __future__ import annotations

import pytest

from wtdock.config.refs import ref_problem, refs_in, substitute

SERVICES = {"api": True, "worker": False}  # name -> has a port


@pytest.mark.parametrize(
    "ref",
    ["services.api.url", "services.api.internal_host", "services.worker.host", "services.worker.path",
     "shared.postgres.password", "shared.events.url", "ticket.slug", "ticket.redis_db", "workspace.name"],
)
def test_valid_references(ref: str) -> None:
    assert ref_problem(ref, SERVICES) is None


@pytest.mark.parametrize(
    ("ref", "problem"),
    [
        ("services.nope.url", "{{ services.nope.url }}: no service 'nope'"),
        ("services.worker.url", "{{ services.worker.url }}: unknown field 'url' (allowed: internal_host, host, path)"),
        ("shared.mysql.url", "{{ shared.mysql.url }}: no shared service 'mysql' (postgres, redis, events)"),
        ("shared.redis.user", "{{ shared.redis.user }}: unknown field 'user' (allowed: url, host, port)"),
        ("ticket.nope", "{{ ticket.nope }}: unknown field 'nope' (allowed: name, slug, database, redis_db, "
         "events_prefix)"),
        ("workspace.root", "{{ workspace.root }}: unknown field 'root' (allowed: name)"),
        ("services.api", "{{ services.api }}: unknown reference (services.*, shared.*, ticket.*, workspace.name)"),
        ("ticket.slug.x", "{{ ticket.slug.x }}: unknown reference (services.*, shared.*, ticket.*, workspace.name)"),
    ],
)
def test_invalid_references_say_why(ref: str, problem: str) -> None:
    assert ref_problem(ref, SERVICES) == problem


def test_refs_in_finds_every_reference_with_or_without_spaces() -> None:
    assert refs_in("http://{{services.api.host}}:{{ services.api.host_port }}/{{ ticket.slug }}") == [
        "services.api.host", "services.api.host_port", "ticket.slug"
    ]


def test_compose_syntax_is_not_a_reference() -> None:
    assert refs_in("${HOME} $$ {single} {{ }}") == []


def test_substitute_replaces_each_reference() -> None:
    assert substitute("{{ a.b }}-{{c.d}}", str.upper) == "A.B-C.D"


def test_a_malformed_reference_is_an_error_not_text() -> None:
    from wtdock.config.refs import malformed

    assert malformed("http://{{ services.api.host }}:1") is None
    assert malformed("{{ bad ref }}") is not None
    assert malformed("{{ services.api.url }") is not None
    assert malformed("plain text") is None
