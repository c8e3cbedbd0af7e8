"""tools/demo.sh installs once; later runs start at once and need no network."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def demo_help(**env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(ROOT / "tools" / "demo.sh"), "--help"],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=300,
    )


def test_a_second_run_does_not_install_and_works_offline() -> None:
    first = demo_help()  # installs only if this checkout's .venv has not been stamped yet
    assert first.returncode == 0, first.stderr
    # No index and nowhere to find packages: any pip install would fail here.
    again = demo_help(PIP_NO_INDEX="1", PIP_FIND_LINKS="", PIP_CONFIG_FILE=os.devnull)
    assert again.returncode == 0, again.stderr
    assert "Installing" not in again.stderr
    assert "usage:" in again.stdout and "device_app_simulator.demo" in again.stdout
