"""The README's main job, run as a newcomer would in a terminal."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


@pytest.mark.parametrize("dialect", ["standard", "github"])
def test_demo_runs_end_to_end_in_the_terminal(dialect: str) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "device_app_simulator.demo",
            "--approve-after",
            "0.5",
            "--dialect",
            dialect,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert "No display found" in r.stdout
    assert "enter the code" in r.stdout
    assert "[simulated phone] approved" in r.stdout
    assert "Hello, Alice Liddell!" in r.stdout
    assert "Traceback" not in r.stderr


def test_demo_deny_ends_with_the_declined_message() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    r = subprocess.run(
        [sys.executable, "-m", "device_app_simulator.demo", "--approve-after", "0.5", "--deny"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert r.returncode == 4
    assert "declined" in r.stdout
