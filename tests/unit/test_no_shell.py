"""No subprocess with a shell anywhere in wtdock (issue 14, security defaults): every command is a
list of arguments, so no ticket name, ref or config value is ever read by a shell. A static check
of every module under src/wtdock."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import wtdock

pytestmark = pytest.mark.reliability

SOURCE = Path(wtdock.__file__).parent
# Calls that always go through a shell, by the dotted name they are written with.
SHELL_CALLS = {
    "os.system", "os.popen", "os.spawnlp", "os.spawnvp", "os.execlp", "os.execvp", "os.execvpe",
    "subprocess.getoutput", "subprocess.getstatusoutput", "asyncio.create_subprocess_shell", "pty.spawn",
    "commands.getoutput",
}
# Imported under their own name (`from os import system`), they are as bad.
SHELL_NAMES = {name.rsplit(".", 1)[1] for name in SHELL_CALLS} - {"spawn"}


def dotted(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{dotted(node.value)}.{node.attr}"
    return ""


def shell_uses(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = dotted(node.func)
            if name in SHELL_CALLS:
                found.append((node.lineno, name))
            for keyword in node.keywords:
                # shell=<anything but a literal False>: a variable may well be True.
                literal_false = isinstance(keyword.value, ast.Constant) and keyword.value.value is False
                if keyword.arg == "shell" and not literal_false:
                    found.append((node.lineno, f"{name}(shell=...)"))
        if isinstance(node, ast.ImportFrom) and node.module in ("os", "subprocess", "asyncio", "pty", "commands"):
            found += [(node.lineno, f"from {node.module} import {a.name}") for a in node.names if a.name in SHELL_NAMES]
    return found


def test_no_module_of_wtdock_starts_a_shell() -> None:
    modules = sorted(SOURCE.rglob("*.py"))
    assert len(modules) > 50  # the package, not an empty folder
    found = [f"{path.relative_to(SOURCE)}:{line}: {what}"
             for path in modules for line, what in shell_uses(ast.parse(path.read_text(encoding="utf-8")))]
    assert found == []


@pytest.mark.parametrize(
    "code",
    [
        "import os\nos.system('ls')",
        "import os\nos.popen('ls')",
        "import subprocess\nsubprocess.run('ls', shell=True)",
        "import subprocess\nsubprocess.Popen(cmd, shell=flag)",
        "from subprocess import getoutput",
        "from os import system",
        "import subprocess as sp\nsp.check_call(['ls'], shell=1)",
    ],
)
def test_the_check_sees_a_shell(code: str) -> None:
    assert shell_uses(ast.parse(code))


@pytest.mark.parametrize("code", ["import subprocess\nsubprocess.run(['ls'])", "subprocess.run(['ls'], shell=False)"])
def test_the_check_passes_argument_lists(code: str) -> None:
    assert shell_uses(ast.parse(code)) == []
