"""firmware/main.py, unchanged, on the real MicroPython with fake board modules.

Wi-Fi, NTP, I2C, the OLED, sockets and TLS are the stand-ins in board_fakes/; everything
else (config loading, the display, the verified-TLS HTTP client, the sign-in loop and the
core) is the code a board runs. One real one-second wait: the fake server's interval.
"""

from __future__ import annotations

from pathlib import Path

import mpy
import pytest

HERE = Path(__file__).resolve().parent
FAKES = HERE / "board_fakes"
COPIES = (
    (mpy.REPO / "firmware", "/firmware"),
    (FAKES, "/fakes"),
    (FAKES / "ca.der", "/fakes/ca.der"),
)
SECRETS = ("dc-SECRET-123", "at-SECRET", "test-password")


@pytest.mark.parametrize("mode", ["ok", "noconfig"])
def test_main_runs_on_micropython(micropython: None, mode: str) -> None:
    done = mpy.run(HERE / "main_smoke.py", [mode], copies=COPIES, paths=["/fakes", "/firmware"])
    report = done.stdout + done.stderr
    assert done.returncode == 0, report
    assert done.stdout.rstrip().endswith("main smoke: ok"), report
    assert "Traceback" not in report
    for secret in SECRETS:
        assert secret not in report, "%s reached the serial console" % secret
    if mode == "ok":
        assert "'event': 'authorized'" in done.stdout
    else:
        assert "device-app: No config.py on the board" in done.stdout
