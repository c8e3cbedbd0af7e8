"""`device-app login` in a real terminal (a pseudo-terminal): an expired code, Enter, a new one."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

from device_app.cli import exitcodes

from .scripted_server import js, scripted_server


def read_until(fd: int, needle: str, seen: list[str], timeout: float = 20.0) -> str:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        text = "".join(seen)
        if needle in text:
            return text
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                seen.append(os.read(fd, 4096).decode("utf-8", "replace"))
            except OSError:
                break
    raise AssertionError("%r never appeared in:\n%s" % (needle, "".join(seen)))


def test_expired_code_offers_a_new_one_on_enter(tmp_path: Path) -> None:
    with scripted_server() as srv:
        codes = iter(["BCDF-GHJK", "LMNP-QRST"])

        def new_code(form: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
            code = next(codes)
            return js(
                200,
                {
                    "device_code": "dc-" + code,
                    "user_code": code,
                    "verification_uri": srv.base + "/device",
                    "expires_in": 60,
                    "interval": 1,
                },
            )

        def token(form: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
            if form["device_code"] == "dc-BCDF-GHJK":
                return js(400, {"error": "expired_token"})
            return js(200, {"access_token": "at-x", "token_type": "Bearer", "expires_in": 60})

        srv.script("/device_authorization", new_code)
        srv.script("/token", token)
        main_fd, child_fd = pty.openpty()
        env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
        proc = subprocess.Popen(
            [sys.executable, "-m", "device_app", "login", "--no-qr", "--provider", "standard",
             "--issuer", srv.base, "--client-id", "tv", "--discovery", "none",
             "--token-store", str(tmp_path)],
            stdin=child_fd, stdout=child_fd, stderr=child_fd, env=env, close_fds=True,
        )  # fmt: skip
        os.close(child_fd)
        seen: list[str] = []
        try:
            read_until(main_fd, "BCDF-GHJK", seen)
            read_until(main_fd, "Press Enter for a new code", seen)
            os.write(main_fd, b"\n")
            read_until(main_fd, "LMNP-QRST", seen)
            read_until(main_fd, "Signed in.", seen)
            assert proc.wait(timeout=20) == exitcodes.OK
        finally:
            if proc.poll() is None:
                proc.kill()
            os.close(main_fd)
    text = "".join(seen)
    assert "expired" in text and "Traceback" not in text
    assert "dc-" not in text  # the device codes never reach the terminal
