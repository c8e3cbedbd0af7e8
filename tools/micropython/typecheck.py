"""Type-check code that must run on MicroPython against MicroPython's stubs, not CPython's.

    .venv/bin/python tools/micropython/typecheck.py [PATHS...]   (default: device_app/core firmware)

Builds the MicroPython typeshed (typeshed.py) under .mypy_cache/, then runs mypy with
tools/micropython/mypy-micropython.ini and ``--custom-typeshed-dir`` pointing at it. Exit
status is mypy's: 0 clean, 1 errors found, 2 mypy could not run.
"""

from __future__ import annotations

import os
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


def main(argv: list[str]) -> int:
    paths = argv or list(DEFAULT_PATHS)
    typeshed_dir = typeshed.build(TYPESHED)
    env = dict(os.environ)
    # firmware/ modules import each other by top-level name, as they do on the board; the
    # firmware suite imports core_suite the same way.
    env["MYPYPATH"] = os.pathsep.join([str(REPO / "firmware"), str(REPO / "tests" / "micropython")])
    return subprocess.call(command(paths, typeshed_dir), cwd=REPO, env=env)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
