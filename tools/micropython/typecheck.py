"""Type-check code that must run on MicroPython against MicroPython's stubs, not CPython's.

    .venv/bin/python tools/micropython/typecheck.py [PATHS...]   (default: device_app/core firmware)

Builds the MicroPython typeshed (typeshed.py) under .mypy_cache/, then runs mypy with
tools/micropython/mypy-micropython.ini and ``--custom-typeshed-dir`` pointing at it. Exit
status is mypy's: 0 clean, 1 errors found, 2 mypy could not run.

The package's files are checked from a copy holding only what goes onto a board
(``device_app/__init__.py`` and ``device_app/core/*.py``): next to the real files sit the
``.pyi`` stubs written for library users on CPython, which mypy would otherwise read
instead of the code.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(HERE))

import typeshed  # noqa: E402  (a sibling file, not an installed module)

CONFIG = HERE / "mypy-micropython.ini"
TYPESHED = REPO / ".mypy_cache" / "micropython-typeshed"
CACHE = REPO / ".mypy_cache" / "micropython"
STAGE = REPO / ".mypy_cache" / "micropython-src"  # the on-board files of device_app
DEFAULT_PATHS = (
    "device_app/core",
    "firmware",
    "tests/micropython/core_suite.py",
    "tests/micropython/firmware_suite.py",
)


def command(paths: list[str], typeshed_dir: Path) -> list[str]:
    """The mypy command line for ``paths``."""
    return [
        sys.executable,
        "-m",
        "mypy",
        "--config-file",
        str(CONFIG),
        "--custom-typeshed-dir",
        str(typeshed_dir),
        "--cache-dir",
        str(CACHE),
        *paths,
    ]


def stage() -> Path:
    """Copy what goes onto a board (no stubs) to STAGE/device_app; returns STAGE."""
    target = STAGE / "device_app"
    shutil.rmtree(target, ignore_errors=True)
    (target / "core").mkdir(parents=True)
    shutil.copy2(REPO / "device_app" / "__init__.py", target / "__init__.py")
    for source in (REPO / "device_app" / "core").glob("*.py"):
        shutil.copy2(source, target / "core" / source.name)
    return STAGE


def staged_path(path: str) -> str:
    """``path`` (relative to the repository or absolute), pointing into the copy if it is
    one of the package's files."""
    full = (REPO / path).resolve()
    package = REPO / "device_app"
    if full.is_relative_to(package):
        return str(STAGE / full.relative_to(REPO))
    return str(full)


def main(argv: list[str]) -> int:
    paths = argv or list(DEFAULT_PATHS)
    typeshed_dir = typeshed.build(TYPESHED)
    root = stage()
    env = dict(os.environ)
    # firmware/ modules import each other by top-level name, as they do on the board; the
    # firmware suite imports core_suite the same way.
    env["MYPYPATH"] = os.pathsep.join([str(REPO / "firmware"), str(REPO / "tests" / "micropython")])
    done = subprocess.run(
        command([staged_path(p) for p in paths], typeshed_dir),
        cwd=root,  # device_app is found here, without the stubs
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    # Name files as a developer knows them: device_app/core/flow.py, firmware/main.py.
    for stream, text in ((sys.stdout, done.stdout), (sys.stderr, done.stderr)):
        stream.write(text.replace(str(STAGE) + os.sep, "").replace(str(REPO) + os.sep, ""))
    return done.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
