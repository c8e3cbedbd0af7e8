"""The wheel's size, and the time from ``pip install`` of the wheel to the first screenshot.

Usage: .venv/bin/python benchmarks/bench_install.py [--rounds N]

Builds the wheel from this checkout (outside it), collects its dependencies into a folder once
(pip's cache), then for each round: a fresh venv, ``pip install --no-index --find-links`` of
the wheel, and ``device-app screenshot`` from another folder. The time counted starts at the
pip command and ends when the PNG is written (venv creation excluded: Debian's python3-venv
does that once per release). Needs no network after the first collection.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def sh(argv: list[str | Path], cwd: Path, env: dict[str, str] | None = None) -> None:
    subprocess.run([str(a) for a in argv], cwd=cwd, env=env, check=True, capture_output=True)


def build_wheel(work: Path) -> tuple[Path, Path]:
    """The wheel (built from a copy of the tracked files) and a folder with its dependencies."""
    src = work / "src"
    names = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split("\0")
    for name in filter(None, names):
        if (ROOT / name).is_file():
            (src / name).parent.mkdir(parents=True, exist_ok=True)
            (src / name).write_bytes((ROOT / name).read_bytes())
    out = work / "dist"
    sh([sys.executable, "-m", "build", "--no-isolation", "--wheel", "--outdir", out], cwd=src)
    (wheel,) = out.glob("device_app-*.whl")
    wheels = work / "wheels"
    sh([sys.executable, "-m", "pip", "wheel", "-q", "--wheel-dir", wheels, wheel], cwd=work)
    return wheel, wheels


def one_round(work: Path, wheel: Path, wheels: Path, n: int) -> float:
    env_dir = work / f"venv{n}"
    venv.EnvBuilder(with_pip=True, clear=True).create(env_dir)
    elsewhere = work / f"elsewhere{n}"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env.update(HOME=str(elsewhere), SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy")
    pip = [env_dir / "bin/python", "-m", "pip", "install", "-q", "--no-index"]
    start = time.perf_counter()
    sh([*pip, "--find-links", wheels, wheel], cwd=elsewhere, env=env)
    shot = [env_dir / "bin/device-app", "screenshot", "--screen", "activation", "--out", "a.png"]
    sh(shot, cwd=elsewhere, env=env)
    elapsed = time.perf_counter() - start
    assert (elsewhere / "a.png").stat().st_size > 0
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        wheel, wheels = build_wheel(work)
        size = wheel.stat().st_size
        print(f"wheel {wheel.name}: {size / 1024 / 1024:.2f} MiB ({size} bytes)")
        times = [one_round(work, wheel, wheels, n) for n in range(args.rounds)]
    print(
        "pip install of the wheel -> first screenshot: median %.1f s (min %.1f, max %.1f, %d runs)"
        % (statistics.median(times), min(times), max(times), len(times))
    )


if __name__ == "__main__":
    main()
