"""Run Python scripts on the real MicroPython (WebAssembly port, from npm) under Node.

The runner is ``tools/micropython/run.mjs``; it copies ``device_app/__init__.py`` and
``device_app/core/`` into MicroPython's filesystem as ``/lib/device_app``. This wrapper finds
Node, installs the pinned npm package with ``npm ci`` when ``node_modules`` is missing, and
runs a script, returning its exit status and output.

Command line: ``python tests/micropython/mpy.py SCRIPT [ARGS...]`` (output streamed).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
RUNNER_DIR = REPO / "tools" / "micropython"
RUNNER = RUNNER_DIR / "run.mjs"
PACKAGE = RUNNER_DIR / "node_modules" / "@micropython" / "micropython-webassembly-pyscript"
NPM_TIMEOUT = 300  # seconds; `npm ci` of the one package took 0.5 s here (from the npm cache)
RUN_TIMEOUT = 120  # seconds; the core suite took 0.4 s on MicroPython here


class RunnerUnavailable(RuntimeError):
    """Node or the npm package cannot be found or installed; the message says what to do."""


def node() -> str:
    """Path of the ``node`` executable (Node 20 or newer)."""
    found = shutil.which("node")
    if found is None:
        raise RunnerUnavailable("node not found: install Node.js 20 (e.g. apt-get install nodejs)")
    return found


def ensure_installed() -> None:
    """Install the pinned MicroPython package (``npm ci``) unless it is already there."""
    if (PACKAGE / "micropython.mjs").is_file():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise RunnerUnavailable("npm not found: install npm to fetch the MicroPython runtime")
    done = subprocess.run(
        [npm, "ci", "--prefix", str(RUNNER_DIR), "--no-audit", "--no-fund"],
        capture_output=True,
        text=True,
        timeout=NPM_TIMEOUT,
        check=False,
    )
    if done.returncode != 0 or not (PACKAGE / "micropython.mjs").is_file():
        raise RunnerUnavailable(
            "npm ci --prefix tools/micropython failed:\n" + done.stdout + done.stderr
        )


def command(
    script: str | Path,
    args: Sequence[str] = (),
    copies: Sequence[tuple[str | Path, str]] = (),
    paths: Sequence[str] = (),
) -> list[str]:
    """The ``node run.mjs ...`` command line for a script."""
    cmd = [node(), str(RUNNER)]
    for host, target in copies:
        cmd += ["--copy", "%s:%s" % (host, target)]
    for p in paths:
        cmd += ["--path", p]
    return [*cmd, str(script), *args]


def run(
    script: str | Path,
    args: Sequence[str] = (),
    copies: Sequence[tuple[str | Path, str]] = (),
    paths: Sequence[str] = (),
    timeout: float = RUN_TIMEOUT,
) -> subprocess.CompletedProcess[str]:
    """Run ``script`` on MicroPython; return the finished process (output captured)."""
    ensure_installed()
    return subprocess.run(
        command(script, args, copies, paths),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        cwd=REPO,
    )


def main(argv: Sequence[str]) -> int:
    if not argv:
        print("usage: python tests/micropython/mpy.py SCRIPT [ARGS...]", file=sys.stderr)
        return 2
    try:
        ensure_installed()
        return subprocess.call(command(argv[0], argv[1:]), cwd=REPO)
    except RunnerUnavailable as e:
        print(e, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
