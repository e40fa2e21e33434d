"""The only module that imports ruamel.yaml: load with line numbers, dump Compose files safely."""

from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from wtdock.errors import ConfigError


def load_file(path: Path) -> Any:
    """Parse a YAML file, keeping line numbers so that errors can name them."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise ConfigError(f"{path}: cannot read: {err.strerror}") from err
    except UnicodeDecodeError as err:
        raise ConfigError(f"{path}: not UTF-8 text (byte {err.start}: {err.reason})",
                          hint="save the file as UTF-8") from err
    try:
        return YAML(typ="rt").load(text)
    except YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        raise ConfigError(f"{where}: not valid YAML: {problem}") from err


def line_of(document: Any, key_path: Sequence[str | int]) -> int | None:
    """The 1-based line of the deepest existing node on ``key_path`` in a loaded document."""
    node, line = document, None
    for key in key_path:
        position = _position(node, key)
        if position is None:
            break
        line = position + 1
        node = node[key]
    return line


def _position(node: Any, key: str | int) -> int | None:
    if isinstance(node, CommentedMap) and key in node:
        return int(node.lc.key(key)[0])
    if isinstance(node, CommentedSeq) and isinstance(key, int) and 0 <= key < len(node):
        return int(node.lc.item(key)[0])
    return None


def dump(document: Mapping[str, Any], header: str = "") -> str:
    """Render a Compose model: block style, no anchors, every string double-quoted.

    Quoting every string keeps values such as ``0755``, ``yes`` or ``8080:80`` from being read back
    as numbers, booleans or sexagesimals; anchors are off because a dict used twice would otherwise
    come out as ``&id001``.
    """
    out = io.StringIO()
    if header:
        out.write("".join(f"# {line}\n".replace("# \n", "#\n") for line in header.splitlines()))
    lines: list[str] = []
    out.write("".join(lines) if document and _emit_mapping(document, 0, lines) else ruamel_dump(document))
    return out.getvalue()


def ruamel_dump(document: Mapping[str, Any]) -> str:
    """``dump`` by ruamel.yaml alone, for what the fast path leaves to it (and to compare with)."""
    yaml = YAML(typ="rt")
    yaml.representer.ignore_aliases = lambda *_: True
    yaml.default_flow_style = False
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    out = io.StringIO()
    yaml.dump(_quoted(document), out)
    return out.getvalue()


# What ``dump`` writes itself, exactly as ruamel.yaml would (tests/unit/test_yamlio.py compares
# them): keys plain, strings of printable ASCII double-quoted, ints and booleans. Anything else (a
# None, a float, a list in a list, text ruamel would escape or fold) goes to ruamel, which takes
# ~30 ms a Compose file where this takes well under one; `up` writes three or four.
_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_./-]*")
_RESOLVED_WORDS = {"true", "false", "yes", "no", "on", "off", "y", "n", "null"}
_PRINTABLE = re.compile(r"[ -~]*")
_MAX_LINE = 1000  # far below ruamel's width (4096), past which it folds a quoted string


def _scalar(value: object) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str) and _PRINTABLE.fullmatch(value):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return None


def _key(key: object) -> str | None:
    text = str(key)
    return text if _PLAIN_KEY.fullmatch(text) and text.lower() not in _RESOLVED_WORDS else None


def _emit_mapping(mapping: Mapping[str, Any], indent: int, lines: list[str], first: str = "") -> bool:
    """Append the block mapping's lines (its first line after ``first``, a sequence's ``- ``);
    False when ruamel must write the document."""
    pad = " " * indent
    for i, (raw_key, value) in enumerate(mapping.items()):
        key = _key(raw_key)
        if key is None:
            return False
        lead = first if i == 0 and first else pad
        if not _emit_value(f"{lead}{key}:", value, indent, lines):
            return False
    return True


def _emit_value(head: str, value: Any, indent: int, lines: list[str]) -> bool:
    if isinstance(value, Mapping):
        if not value:
            lines.append(f"{head} {{}}\n")
            return True
        lines.append(f"{head}\n")
        return _emit_mapping(value, indent + 2, lines)
    if isinstance(value, list | tuple):
        if not value:
            lines.append(f"{head} []\n")
            return True
        lines.append(f"{head}\n")
        return all(_emit_item(item, indent + 2, lines) for item in value)
    scalar = _scalar(value)
    if scalar is None or len(head) + len(scalar) > _MAX_LINE:
        return False
    lines.append(f"{head} {scalar}\n")
    return True


def _emit_item(item: Any, indent: int, lines: list[str]) -> bool:
    lead = " " * indent + "- "
    if isinstance(item, Mapping):
        return bool(item) and _emit_mapping(item, indent + 2, lines, first=lead)
    scalar = _scalar(item)
    if scalar is None or len(lead) + len(scalar) > _MAX_LINE:
        return False
    lines.append(f"{lead}{scalar}\n")
    return True


def _quoted(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _quoted(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_quoted(v) for v in value]
    if isinstance(value, str):
        return DoubleQuotedScalarString(value)
    return value


def compose_problem(path: Path, project: str) -> str | None:
    """Why ``path`` is not a whole compose file of ``project`` as wtdock writes them (emptied,
    garbled, not UTF-8, another project's), or None."""
    try:
        model = load_plain(path)
    except ConfigError as err:
        return err.message
    if not isinstance(model, dict) or model.get("name") != project or not isinstance(model.get("services"), dict):
        return f"{path}: not the compose file of project {project}"
    return None


def load_plain(path: Path) -> Any:
    """Parse a YAML file into plain dicts, lists and scalars (for templates)."""
    return _plain(load_file(path))


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, str):
        return str(value)
    return value


def inline(value: Any) -> str:
    """A value as it reads on one line after ``key: ``: plain where YAML reads it back unchanged,
    quoted where it would not (``yes``, ``0755``, ``a: b``); lists in flow style (``[npm, run, dev]``).

    For files written as commented text (`wtdock init`), where a whole-document dump would lose the
    comments."""
    yaml = YAML(typ="rt")
    yaml.width = 4096
    # A collection is dumped as the document itself, in flow style; a scalar under a key, since a
    # document of one scalar ends with a `...` marker.
    flow = isinstance(value, Mapping | list | tuple)
    yaml.default_flow_style = flow
    out = io.StringIO()
    yaml.dump(list(value) if isinstance(value, tuple) else value if flow else {"v": value}, out)
    return out.getvalue().removeprefix("v: ").rstrip("\n")
