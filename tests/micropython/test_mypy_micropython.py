"""The MicroPython type check (tools/micropython/typecheck.py) passes the real code and
catches code that would not run on MicroPython."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import mpy
import pytest

TOOLS = mpy.RUNNER_DIR
sys.path.insert(0, str(TOOLS))
import typeshed  # noqa: E402  (tools/micropython/typeshed.py)

CORE = mpy.REPO / "device_app" / "core"


def typecheck(*paths: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(TOOLS / "typecheck.py"), *map(str, paths)],
        capture_output=True,
        text=True,
        cwd=mpy.REPO,
        timeout=120,
        check=False,
    )


def test_core_and_firmware_pass() -> None:
    done = typecheck()
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Success: no issues found" in done.stdout


# Each snippet runs on CPython but not on MicroPython; the check must say so, naming it.
VIOLATIONS = {
    "urllib_parse": ("import urllib.parse\nq = urllib.parse.quote('a b')\n", "urllib.parse"),
    "enum": ("import enum\n\nclass Color(enum.Enum):\n    RED = 1\n", '"enum"'),
    "dataclasses": ("from dataclasses import dataclass\n", '"dataclasses"'),
    "format_map": ("def f(d):\n    return '{a}'.format_map(d)\n", '"format_map"'),
    "isalnum": ("def ok(c):\n    return c.isalnum()\n\nok('a')\nx = 'a'.isalnum()\n", "isalnum"),
    "zfill": ("n = '7'.zfill(3)\n", '"zfill"'),
    "pygame": ("import pygame\n", '"pygame"'),
}


@pytest.mark.parametrize("name", sorted(VIOLATIONS))
def test_a_violation_is_caught(name: str, tmp_path: Path) -> None:
    source, needle = VIOLATIONS[name]
    module = tmp_path / ("uses_%s.py" % name)
    module.write_text(source)
    done = typecheck(module)
    assert done.returncode == 1, done.stdout + done.stderr
    assert needle in done.stdout, done.stdout
    # Control: with CPython's own typeshed and site-packages the same file is fine, so the
    # error comes from the MicroPython stubs.
    plain = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-incremental", "--check-untyped-defs", str(module)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert plain.returncode == 0, plain.stdout


def test_builtin_method_lists_match_the_real_micropython(micropython: None, tmp_path: Path) -> None:
    """typeshed.py's table of str/bytes/dict/list/int methods is what MicroPython really has."""
    script = tmp_path / "methods.py"
    script.write_text(
        "for name, t in (('str', str), ('bytes', bytes), ('dict', dict), ('list', list),"
        " ('int', int)):\n"
        "    print(name, ' '.join(sorted(m for m in dir(t) if not m.startswith('_'))))\n"
    )
    done = mpy.run(script)
    real = {}
    for line in done.stdout.strip().split("\n"):
        name, _, methods = line.partition(" ")
        real[name] = sorted(methods.split())
    table = {k: sorted(v.split()) for k, v in typeshed.MICROPYTHON_METHODS.items()}
    assert real == table


def test_core_imports_only_modules_micropython_has(micropython: None, tmp_path: Path) -> None:
    """typing, types and abc pass mypy (the stubs need them) but are absent at run time."""
    modules: set[str] = set()
    for path in CORE.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                modules.update(a.name.split(".")[0] for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules.add(node.module.split(".")[0])
    modules.discard("device_app")
    assert modules, "the scan found no imports at all"
    script = tmp_path / "imports.py"
    script.write_text(
        "for m in %r:\n"
        "    try:\n"
        "        __import__(m)\n"
        "    except ImportError:\n"
        "        print('missing', m)\n" % sorted(modules)
    )
    done = mpy.run(script)
    assert done.returncode == 0 and done.stdout == "", done.stdout + done.stderr
