"""The YAML boundary: Compose files that mean what they say, and line numbers for config errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wtdock import yamlio
from wtdock.errors import ConfigError


def test_every_string_is_double_quoted_and_other_scalars_are_not() -> None:
    text = yamlio.dump({"env": {"UMASK": "0755", "ON": "yes", "PORT": "8080:80"}, "init": True, "retries": 3})
    assert text == (
        'env:\n  UMASK: "0755"\n  ON: "yes"\n  PORT: "8080:80"\ninit: true\nretries: 3\n'
    )


def test_quoted_strings_read_back_as_strings(tmp_path: Path) -> None:
    values = {"a": "0755", "b": "yes", "c": "8080:80", "d": "1e3", "e": "null", "f": "~", "g": "0x1F", "h": ""}
    file = tmp_path / "out.yaml"
    file.write_text(yamlio.dump({"values": values}), encoding="utf-8")
    assert yamlio.load_plain(file) == {"values": values}


def test_a_dict_used_twice_is_written_twice_not_as_an_anchor() -> None:
    labels = {"dev.wtdock.workspace": "demo"}
    text = yamlio.dump({"services": {"a": {"labels": labels}, "b": {"labels": labels}}})
    assert "&" not in text
    assert "*" not in text
    assert text.count('dev.wtdock.workspace: "demo"') == 2


def test_lists_are_block_style_and_tuples_are_lists() -> None:
    assert yamlio.dump({"command": ("a", "b")}) == 'command:\n  - "a"\n  - "b"\n'


def test_long_strings_are_not_folded() -> None:
    long = "x" * 300
    assert yamlio.dump({"k": long}) == f'k: "{long}"\n'


def test_the_header_becomes_comments() -> None:
    assert yamlio.dump({"a": 1}, "first line\n\nthird") == "# first line\n#\n# third\na: 1\n"


def write(tmp_path: Path, text: str) -> Path:
    file = tmp_path / "wtdock.yaml"
    file.write_text(text, encoding="utf-8")
    return file


DOC = """\
name: demo
services:
  api:
    repo: api
    uses:
      - postgres
      - redis
"""


@pytest.mark.parametrize(
    ("key_path", "line"),
    [
        (("name",), 1),
        (("services",), 2),
        (("services", "api"), 3),
        (("services", "api", "uses"), 5),
        (("services", "api", "uses", 1), 7),
        (("services", "api", "nope"), 3),  # the deepest key that exists
        (("services", "api", "uses", 9), 5),
        (("nope", "deeper"), None),
        ((), None),
    ],
)
def test_line_of(tmp_path: Path, key_path: tuple[str | int, ...], line: int | None) -> None:
    assert yamlio.line_of(yamlio.load_file(write(tmp_path, DOC)), key_path) == line


def test_invalid_yaml_is_a_config_error_with_its_line(tmp_path: Path) -> None:
    file = write(tmp_path, "a: 1\nb: [1, 2\n")
    with pytest.raises(ConfigError) as caught:
        yamlio.load_file(file)
    assert caught.value.message.startswith(f"{file}:3: not valid YAML: ")


def test_an_unreadable_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"cannot read: Is a directory$"):
        yamlio.load_file(tmp_path)


def test_load_plain_gives_plain_python(tmp_path: Path) -> None:
    loaded = yamlio.load_plain(write(tmp_path, DOC))
    assert loaded == {"name": "demo", "services": {"api": {"repo": "api", "uses": ["postgres", "redis"]}}}
    assert type(loaded) is dict
    assert type(loaded["services"]["api"]["uses"]) is list
    assert type(loaded["name"]) is str


@pytest.mark.parametrize("value", [
    "node:22-bookworm-slim", "3001-3099", "yes", "0755", "a: b", "x # y", "", "{{ services.api.url }}", 5173, True,
    ["npm", "run", "dev", "--", "--host", "::"], ["python -m venv .venv && .venv/bin/pip install -e ."],
    ["CMD", "node", "-e", "fetch('http://127.0.0.1:5173/').then((r) => process.exit(r.ok ? 0 : 1))"],
    {"BUNDLE_PATH": "vendor/bundle", "N": "8000"},
])
def test_an_inline_value_reads_back_as_itself(tmp_path: Path, value: object) -> None:
    path = tmp_path / "one.yaml"
    path.write_text(f"key: {yamlio.inline(value)}\n", encoding="utf-8")
    assert "\n" not in yamlio.inline(value)
    assert yamlio.load_plain(path) == {"key": value}


# --- the fast path of dump: byte for byte what ruamel.yaml writes ---------------------------------

GOLDEN = Path(__file__).parent / "golden"
_text = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=12) | st.sampled_from(
    ['a"b', "back\\slash", "0755", "yes", "", " lead", "x: y", "- z", "#c", "é", "tab\there", "line\nbreak", "x" * 999]
)
_keys = st.text("abcXY_-./09", min_size=1, max_size=6) | st.sampled_from(["on", "ON", "null", "1", "-a", "x y"])
_scalars = _text | st.integers(-5, 70000) | st.booleans() | st.none() | st.floats(0, 2)
_values = st.recursive(_scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_keys, inner, max_size=3),
                       max_leaves=12)


@pytest.mark.parametrize("name", sorted(p.name for p in GOLDEN.glob("*.yaml")))
def test_the_fast_path_writes_the_golden_files_as_ruamel_does(name: str) -> None:
    model = yamlio.load_plain(GOLDEN / name)
    assert yamlio.dump(model) == yamlio.ruamel_dump(model)


@given(st.dictionaries(_keys, _values, min_size=1, max_size=4))
def test_the_fast_path_writes_any_model_as_ruamel_does(model: dict[str, object]) -> None:
    assert yamlio.dump(model) == yamlio.ruamel_dump(model)
