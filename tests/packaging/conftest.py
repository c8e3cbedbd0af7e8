"""Fixtures: the sdist and wheel built from the checkout, and a folder of every wheel they need.

Built once per session, outside the checkout. Dependencies come through pip's cache, pinned to
the versions of the test environment (its ``pip freeze`` as constraints), so that later
installs can run as the Raspberry Pi installer does: ``--no-index --find-links DIR``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import venv
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Dist:
    """What the checkout builds: its sdist, its wheel, and a folder with it and its deps."""

    sdist: Path
    wheel: Path
    wheels: Path  # the wheel, plus every dependency of the [pi] and [simulator] extras


def run(
    argv: list[str | Path], cwd: Path, env: Mapping[str, str] | None = None, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    """Run a command, fail the test with its output when it fails."""
    r = subprocess.run(
        [str(a) for a in argv],
        cwd=cwd,
        env=dict(env) if env is not None else None,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert r.returncode == 0, f"{argv} exited {r.returncode}\n{r.stdout}\n{r.stderr}"
    return r


def copy_checkout(dest: Path) -> Path:
    """The checkout's files (tracked, and new ones not ignored) copied to ``dest``."""
    names = run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT
    ).stdout.split("\0")
    for name in filter(None, names):
        src = ROOT / name
        if src.is_file():
            target = dest / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, target)
    return dest


def build(source: Path, outdir: Path, *what: str) -> None:
    """``python -m build`` without isolation: the test extra pins setuptools, so no network."""
    run([sys.executable, "-m", "build", "--no-isolation", *what, "--outdir", outdir], cwd=source)


def make_venv(path: Path) -> Path:
    """A fresh virtual environment (with pip); returns its bin folder."""
    venv.EnvBuilder(with_pip=True, clear=True).create(path)
    return path / "bin"


def clean_env(home: Path) -> dict[str, str]:
    """The environment of a user who is not in the checkout: own home, no PYTHONPATH."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PYTHON", "VIRTUAL_ENV", "XDG_")) and k not in ("DISPLAY",)
    }
    env.update(
        HOME=str(home),
        SDL_VIDEODRIVER="dummy",
        SDL_AUDIODRIVER="dummy",
        PIP_DISABLE_PIP_VERSION_CHECK="1",
    )
    return env


@pytest.fixture(scope="session")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Dist:
    """Build the sdist and the wheel from a copy of the checkout; collect their dependencies."""
    if shutil.which("git") is None:
        pytest.skip("git is needed to list the checkout's files")
    base = tmp_path_factory.mktemp("dist")
    source = copy_checkout(base / "src")
    out = base / "out"
    build(source, out, "--sdist")
    build(source, out, "--wheel")
    (sdist,) = out.glob("device_app-*.tar.gz")
    (wheel,) = out.glob("device_app-*.whl")
    wheels = base / "wheels"
    constraints = base / "constraints.txt"
    frozen = run([sys.executable, "-m", "pip", "freeze", "--exclude-editable"], cwd=base).stdout
    constraints.write_text(
        "\n".join(ln for ln in frozen.splitlines() if not ln.lower().startswith("device-app"))
    )
    pip_wheel = [sys.executable, "-m", "pip", "wheel", "--quiet", "--wheel-dir", wheels]
    run([*pip_wheel, "-c", constraints, f"{wheel}[pi,simulator]"], cwd=base)
    return Dist(sdist=sdist, wheel=wheel, wheels=wheels)


def sdist_members(sdist: Path) -> list[str]:
    """The sdist's file names, without the leading ``device_app-X.Y.Z/``."""
    with tarfile.open(sdist) as tar:
        return sorted(m.name.split("/", 1)[1] for m in tar.getmembers() if m.isfile())
