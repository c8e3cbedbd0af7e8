"""The core's .pyi stubs (for library users) say what the core's code really has."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
STUBBED = sorted(p.stem for p in (REPO / "device_app" / "core").glob("*.pyi"))


def test_every_stub_matches_its_module() -> None:
    assert STUBBED == ["errors", "events", "flow", "http", "profile", "providers"]
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy.stubtest",
            "--concise",
            "--mypy-config-file",
            str(REPO / "pyproject.toml"),
            *("device_app.core." + name for name in STUBBED),
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
