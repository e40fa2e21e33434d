"""Which ignored files `down` keeps, and the copy and the copy back (plain files, no git)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from wtdock.ops.ignored import MAX_FILE, MAX_TOTAL, copy, rebuilt, restore, saved_files, select


def write(root: Path, rel: str, text: str = "x") -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def trees(tmp_path: Path) -> tuple[Path, Path]:
    worktree, primary = tmp_path / "wt", tmp_path / "primary"
    worktree.mkdir()
    primary.mkdir()
    return worktree, primary


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("node_modules/", True),
        ("web/node_modules/", True),
        ("web/node_modules/react/index.js", True),
        (".venv/", True),
        ("src/app/__pycache__/", True),
        ("app/x.pyc", True),
        ("vendor/bundle/", True),
        ("x/vendor/bundle/ruby/gem.rb", True),
        ("vendor/", False),
        ("vendor/other/", False),
        ("build", False),  # a file named build
        ("build/", True),
        (".env", False),
        ("config/master.key", False),
        ("coverage/", True),
        ("web/.vite/", True),
    ],
)
def test_rebuilt_folders(path: str, expected: bool) -> None:
    assert rebuilt(path) is expected


def test_secrets_are_kept_and_what_tools_rebuild_is_named(trees: tuple[Path, Path]) -> None:
    worktree, primary = trees
    write(worktree, ".env", "SECRET=1\n")
    write(worktree, "config/master.key", "k")
    write(worktree, "config/deep/.cache/x", "c")
    write(worktree, "node_modules/react/index.js")
    write(worktree, "tool.pyc")
    entries = [".env", "config/", "node_modules/", "tool.pyc"]

    chosen = select(worktree, primary, entries)

    assert chosen.files == (".env", "config/master.key")
    assert chosen.left_out == ()  # nothing of the user's is lost: no warning
    assert chosen.rebuilt == ("config/deep/.cache/", "node_modules/", "tool.pyc")
    assert chosen.not_kept == (
        "config/deep/.cache/ (rebuilt by your tools)",
        "node_modules/ (rebuilt by your tools)",
        "tool.pyc (rebuilt by your tools)",
    )
    assert chosen.size == len("SECRET=1\n") + 1


def test_caches_and_a_services_dependency_folders_are_rebuilt(trees: tuple[Path, Path]) -> None:
    worktree, primary = trees
    for path in ("web/.vite/deps/x.js", "web/deps/lib/a.py", "api/__pycache__/m.pyc", ".pytest_cache/v",
                 "dist/app.js", "web/.env"):
        write(worktree, path)
    entries = ["web/", "api/", ".pytest_cache/", "dist/"]

    chosen = select(worktree, primary, entries, dependencies=["web/deps"])

    assert chosen.files == ("web/.env",)
    assert chosen.left_out == ()
    assert chosen.rebuilt == (".pytest_cache/", "api/__pycache__/", "dist/", "web/.vite/", "web/deps/")


def test_a_file_copied_from_the_primary_checkout_is_not_kept(trees: tuple[Path, Path]) -> None:
    worktree, primary = trees
    write(worktree, ".env", "SAME\n")
    write(primary, ".env", "SAME\n")
    write(worktree, "local.env", "MINE\n")
    write(primary, "local.env", "THEIRS\n")

    chosen = select(worktree, primary, [".env", "local.env"])

    assert chosen.files == ("local.env",)
    assert chosen.left_out == (".env (same as in the primary checkout)",)


def test_size_caps_per_file_and_in_all(trees: tuple[Path, Path]) -> None:
    worktree, primary = trees
    write(worktree, "a.bin", "1" * 400)
    write(worktree, "b.bin", "2" * 3000)
    write(worktree, "c.bin", "3" * 700)
    write(worktree, "d.bin", "4" * 100)

    chosen = select(worktree, primary, ["a.bin", "b.bin", "c.bin", "d.bin"], max_file=2048, max_total=1000)

    assert chosen.files == ("a.bin", "d.bin")
    assert chosen.left_out == ("b.bin (over 2048 bytes)", "c.bin (over the 1000 bytes in all)")


def test_the_default_caps_are_10_and_200_mb(trees: tuple[Path, Path]) -> None:
    worktree, primary = trees
    with (worktree / "dump.sql").open("wb") as handle:
        handle.truncate(10 * 2**20 + 1)  # sparse: no 10 MB written
    assert select(worktree, primary, ["dump.sql"]).left_out == ("dump.sql (over 10 MB)",)
    assert (MAX_FILE, MAX_TOTAL) == (10 * 2**20, 200 * 2**20)


def test_symlinks_and_odd_files(trees: tuple[Path, Path]) -> None:
    worktree, primary = trees
    (worktree / "shared.env").symlink_to("/etc/hostname")
    (worktree / "linked-dir").symlink_to(worktree)
    write(worktree, "logs/app.log")
    (worktree / "logs" / "link").symlink_to("app.log")

    chosen = select(worktree, primary, ["linked-dir/", "logs/", "shared.env", "gone.txt"])

    assert chosen.files == ("linked-dir", "logs/app.log", "logs/link", "shared.env")
    assert chosen.left_out == ("gone.txt (unreadable: No such file or directory)",)


def test_the_copy_is_private_and_restore_never_overwrites(trees: tuple[Path, Path], tmp_path: Path) -> None:
    worktree, _ = trees
    write(worktree, ".env", "SECRET=1\n")
    write(worktree, "config/master.key", "k").chmod(0o644)
    (worktree / "config" / "link").symlink_to("master.key")
    target = tmp_path / "state" / "rescue" / "t" / "stamp" / "api"

    copy(worktree, [".env", "config/master.key", "config/link"], target)

    for folder in (target.parent, target, target / "config"):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for rel in (".env", "config/master.key"):
        assert stat.S_IMODE((target / rel).stat().st_mode) == 0o600
    assert (target / "config" / "link").readlink() == Path("master.key")
    assert saved_files(target) == [".env", "config/link", "config/master.key"]

    back = tmp_path / "back"
    write(back, ".env", "NEWER=2\n")
    copied, skipped = restore(target, back)
    assert (copied, skipped) == (["config/link", "config/master.key"], [".env"])
    assert (back / ".env").read_text(encoding="utf-8") == "NEWER=2\n"
    assert (back / "config" / "master.key").read_text(encoding="utf-8") == "k"
