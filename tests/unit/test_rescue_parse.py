"""The parsers behind `down`'s guard and `wtdock rescue`, on output recorded from git 2.39: a
worktree's HEAD reflog, `cat-file --batch-check`, `rev-list --format`, `for-each-ref`, status and
`diff-tree --name-status`; and the rescue ids and ref names."""

from __future__ import annotations

import pytest

from tests.unit.helpers import reference_config, workspace
from wtdock.errors import NotFoundError, TicketNameError, UserError
from wtdock.gitops import (
    Commit,
    Ref,
    parse_batch_check,
    parse_commits,
    parse_name_status,
    parse_reflog,
    parse_refs,
    parse_status,
    tips,
)
from wtdock.ops.rescue import make_id, parse_id, parse_ref, ref_name, ref_prefix

BASE = "a131526219b11d06c6752e1de8ef5a982a0e1707"
DETACHED = "d7bf24d87197ece9611b10fd3ddf0e4318e295d7"
ZERO = "0" * 40

# Recorded: `git worktree add`, then `checkout --detach`, a commit, `checkout t1` (the detached
# commit is now in no ref, only here). The first entry has no message (no tab).
REFLOG = (
    f"{ZERO} {BASE} t <t@t> 1796116498 +0000\n"
    f"{BASE} {BASE} t <t@t> 1796116498 +0000\treset: moving to HEAD\n"
    f"{BASE} {BASE} t <t@t> 1796116498 +0000\tcheckout: moving from t1 to HEAD\n"
    f"{BASE} {DETACHED} t <t@t> 1796116498 +0000\tcommit: detached\n"
    f"{DETACHED} {BASE} t <t@t> 1796116498 +0000\tcheckout: moving from {DETACHED} to t1\n"
)

# Recorded: the reflog's ids, a pruned one, HEAD, a branch that does not exist, a tree.
BATCH_CHECK = (
    f"{BASE} commit 119\n"
    f"{DETACHED} commit 171\n"
    "1111111111111111111111111111111111111111 missing\n"
    f"{BASE} commit 119\n"
    "refs/heads/nope missing\n"
    "4906d80f43a8fdb2833d7d15d89a19bc040890d7 tree 71\n"
)

MERGE, FORMFEED, FIRST, ON_BRANCH = (
    "376e4a2168fedefa916a2524eeb4a12437f62902",
    "bdbefbcb56ef6b13c34d8419d1ebc34c20cc35fb",
    "2e315726a7357af135c74418afa1a888a44f2f27",
    "9f6c57b7b693b287f9794cfdc8bb0d2576ca464d",
)
# Recorded: `rev-list --stdin --no-commit-header --format=%H%x00%h%x00%P%x00%s --not --branches ...`
# fed a detached merge of two detached commits (one subject holds a form feed) and an older one.
REV_LIST = (
    f"{MERGE}\x00376e4a2\x00{ON_BRANCH} {FORMFEED}\x00merge both\n"
    f"{FORMFEED}\x00bdbefbc\x00{FIRST}\x00form\ffeed subject\n"
    f"{FIRST}\x002e31572\x00{BASE}\x00first detached\n"
    f"{DETACHED}\x00d7bf24d\x00{BASE}\x00detached\n"
)

FOR_EACH_REF = (
    f"refs/wtdock/rescue/shop/feat-02/front/1-commit\x00{DETACHED}\x002026-12-01T09:14:58+00:00\x00detached\n"
    f"refs/wtdock/rescue/shop/feat-02/api/2-uncommitted\x00{FIRST}\x002026-12-01T10:00:00+00:00\x00"
    "wtdock rescue: uncommitted work of ticket feat-02, repo api, 2026-12-01T10:00:00Z\n"
)


def test_a_reflog_names_every_commit_head_was_at_oldest_first() -> None:
    assert parse_reflog(REFLOG) == [BASE, DETACHED]


def test_lines_that_are_no_reflog_entries_are_skipped() -> None:
    text = f"garbage\n{BASE}\n{BASE} nothex t <t@t> 1 +0000\tx\n\n{ZERO} {DETACHED} t <t@t> 1 +0000\tok\n"
    assert parse_reflog(text) == [DETACHED]


def test_sha256_ids_are_ids_too() -> None:
    old, new = "a" * 64, "b" * 64
    assert parse_reflog(f"{old} {new} t <t@t> 1 +0000\tcommit: x\n") == [old, new]


def test_batch_check_keeps_the_commits_that_exist() -> None:
    assert parse_batch_check(BATCH_CHECK) == [BASE, DETACHED, BASE]


def test_rev_list_records_with_parents_and_odd_subjects() -> None:
    commits = parse_commits(REV_LIST)
    assert [c.sha for c in commits] == [MERGE, FORMFEED, FIRST, DETACHED]
    assert commits[0] == Commit(MERGE, "376e4a2", (ON_BRANCH, FORMFEED), "merge both")
    assert commits[1].subject == "form\ffeed subject"


def test_only_the_tips_need_a_ref() -> None:
    assert [c.sha for c in tips(parse_commits(REV_LIST))] == [MERGE, DETACHED]
    assert tips([]) == []


def test_for_each_ref_output() -> None:
    assert parse_refs(FOR_EACH_REF) == [
        Ref("refs/wtdock/rescue/shop/feat-02/front/1-commit", DETACHED, "2026-12-01T09:14:58+00:00", "detached"),
        Ref("refs/wtdock/rescue/shop/feat-02/api/2-uncommitted", FIRST, "2026-12-01T10:00:00+00:00",
            "wtdock rescue: uncommitted work of ticket feat-02, repo api, 2026-12-01T10:00:00Z"),
    ]
    assert parse_refs("") == []


def test_status_entries_with_a_rename() -> None:
    assert parse_status("R  b.txt\0a.txt\0 M branch.txt\0?? notes.md\0!! .env\0!! node_modules/\0") == [
        ("R ", "b.txt"), (" M", "branch.txt"), ("??", "notes.md"), ("!!", ".env"), ("!!", "node_modules/"),
    ]


def test_name_status_with_renames_keeps_the_new_name() -> None:
    assert parse_name_status("A\0.gitignore\0M\0a.txt\0R100\0old.txt\0new.txt\0D\0gone.txt\0") == [
        ("A", ".gitignore"), ("M", "a.txt"), ("R", "new.txt"), ("D", "gone.txt"),
    ]


WS = workspace(reference_config("shop"))


def test_rescue_refs_and_ids() -> None:
    assert ref_prefix(WS) == "refs/wtdock/rescue/shop"
    assert ref_prefix(WS, "feat-02", "api") == "refs/wtdock/rescue/shop/feat-02/api"
    rescue_id = make_id("feat-02", "api", 3)
    assert ref_name(WS, rescue_id, "uncommitted") == "refs/wtdock/rescue/shop/feat-02/api/3-uncommitted"
    assert parse_ref(WS, "refs/wtdock/rescue/shop/feat-02/api/3-uncommitted") == ("feat-02", "api", 3, "uncommitted")
    assert parse_ref(WS, "refs/wtdock/rescue/shop/feat-02/front/12-commit") == ("feat-02", "front", 12, "commit")


@pytest.mark.parametrize(
    "name",
    [
        "refs/wtdock/rescue/other/feat-02/api/1-commit",  # another workspace's
        "refs/wtdock/rescue/shopping/feat-02/api/1-commit",
        "refs/wtdock/rescue/shop/feat-02/api/x-commit",
        "refs/wtdock/rescue/shop/feat-02/api/1-stash",
        "refs/wtdock/rescue/shop/feat-02/api/1",
        "refs/wtdock/rescue/shop/feat-02/1-commit",
        "refs/heads/feat-02",
    ],
)
def test_other_refs_are_no_rescues(name: str) -> None:
    assert parse_ref(WS, name) is None


def test_a_rescue_id_is_slug_repo_number() -> None:
    assert parse_id(WS, "feat-02/api/1") == ("feat-02", "api", 1)
    with pytest.raises(UserError, match="is not a rescue id"):
        parse_id(WS, "feat-02/api")
    with pytest.raises(UserError, match="is not a rescue id"):
        parse_id(WS, "Feat_02/api/1")  # a ticket name, not its slug
    with pytest.raises(TicketNameError):
        parse_id(WS, "feat..02/api/1")
    with pytest.raises(NotFoundError, match="no repo 'web'"):
        parse_id(WS, "feat-02/web/1")
