"""The README's main job, run as a newcomer would in a terminal."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from tests.ctrl_c import reaching_children


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


def test_demo_window_without_a_display_says_so_and_ends() -> None:
    """--window with no display used to say 'The TV window is open…' and never end."""
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.pop("SDL_VIDEODRIVER", None)
    r = subprocess.run(
        [sys.executable, "-m", "device_app_simulator.demo", "--window"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert r.returncode == 3
    assert "window is open" not in r.stdout
    last = r.stderr.strip().splitlines()[-1]
    assert last.startswith("demo: --window needs a display") and "without --window" in last
    assert "Traceback" not in r.stderr


def test_ctrl_c_ends_the_demo_with_one_line_and_130() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    with reaching_children():
        proc = subprocess.Popen(
            [sys.executable, "-m", "device_app_simulator.demo", "--terminal", "--no-phone"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
    assert proc.stdout is not None
    for line in proc.stdout:
        if "Waiting for approval" in line:
            break
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130
    assert err == "demo: interrupted\n"
