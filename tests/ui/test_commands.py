"""``device-app screenshot`` and ``device-app run`` through the real command line."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pygame
import pytest
import zxingcpp
from PIL import Image

from device_app.cli import exitcodes, main
from device_app.hardware.boards import BOARD_DIR
from device_app.tv import screenshot


def test_screenshot_writes_a_png_with_a_readable_qr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "a.png"
    assert (
        main(
            [
                "screenshot",
                "--board",
                "desktop",
                "--screen",
                "activation",
                "--locale",
                "it",
                "--theme",
                "light",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    img = Image.open(out)
    assert img.size == (1280, 720)
    assert [r.text for r in zxingcpp.read_barcodes(img)] == [
        screenshot.SAMPLE_CODE["verification_uri_complete"]
    ]
    assert str(out) in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (["--board", "desktop", "--screen", "lobby"], 2, "unknown screen 'lobby'"),
        (["--board", "nosuch", "--screen", "home"], 3, "no such board file"),
        (["--board", "desktop", "--screen", "home", "--theme", "neon"], 3, "no such theme"),
        (["--board", "desktop", "--screen", "home", "--locale", "xx"], 2, "no translation"),
    ],
)
def test_screenshot_mistakes_get_one_clear_line(
    tmp_path: Path, argv: list[str], code: int, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["screenshot", *argv, "--out", str(tmp_path / "x.png")]) == code
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and err.count("\n") == 1


def test_screenshot_into_a_missing_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Not 1 (an internal error): the --out folder named on the command line is missing.
    out = str(tmp_path / "no" / "x.png")
    assert main(["screenshot", "--screen", "home", "--out", out]) == exitcodes.USAGE
    err = capsys.readouterr().err
    assert "cannot write" in err and "No such file or directory" in err
    assert err.count("\n") == 1


def offscreen_board(tmp_path: Path) -> Path:
    text = (BOARD_DIR / "desktop.toml").read_text()
    lines = [
        ln
        for ln in text.splitlines()
        if not ln.startswith(("display", "video_driver", "video_fallbacks"))
    ]
    path = tmp_path / "off.toml"
    path.write_text('display = "offscreen"\n' + "\n".join(lines) + "\n")
    return path


def test_run_against_the_simulator_shows_its_code(tmp_path: Path) -> None:
    """Integration: the simulator on loopback, the real session, the real loop (~1.5 s)."""
    from device_app_simulator.config import SimulatorConfig
    from device_app_simulator.server import start_server

    server = start_server(SimulatorConfig(port=0, interval=60, db_path=tmp_path / "sim.db"))
    events = tmp_path / "events.jsonl"
    try:
        rc = main(
            [
                "run",
                "--board",
                str(offscreen_board(tmp_path)),
                "--events",
                str(events),
                "--exit-after",
                "1.5",
                "--issuer",
                server.issuer,
                "--client-id",
                "tv-demo",
                "--allow-insecure-host",
                "127.0.0.1",
                "--token-store",
                str(tmp_path / "store"),
            ]
        )
    finally:
        server.stop()
    assert rc == 0
    log = [json.loads(x) for x in events.read_text().splitlines()]
    kinds = [x["event"] for x in log]
    assert kinds[0] == "start" and "code" in kinds
    code = next(x for x in log if x["event"] == "code")
    assert code["verification_uri"].startswith("http://127.0.0.1:")
    assert "device_code" not in json.dumps(log)
    screens = [x["screen"] for x in log if x["event"] == "screen"]
    assert screens == ["starting", "activation"]
    assert pygame.display.get_init() is False  # the display was closed on exit


def test_run_with_a_bad_board_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--board", "nosuch", "--issuer", "https://e.com", "--client-id", "x"]) == 3
    assert "no such board file" in capsys.readouterr().err


# The provider file exactly as deploy/install-pi.sh writes it: comments only.
INSTALLER_PROVIDER_FILE = (
    ("# Your authorization server. See docs/ in /opt/device-app/app for each provider.\n")
    + """# provider = "keycloak"
# issuer = "https://sso.example.com/realms/home"
# client_id = "living-room-tv"
"""
)


def run_cli(args: list[str], env: dict[str, str], timeout: float = 60) -> Any:
    return subprocess.run(
        [sys.executable, "-m", "device_app", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        check=False,
    )


def test_run_with_the_installers_provider_file_shows_the_settings_screen(tmp_path: Path) -> None:
    """No restart loop: the TV shows what to edit and stays up; the journal says it once."""
    provider = tmp_path / "provider.toml"
    provider.write_text(INSTALLER_PROVIDER_FILE)
    events = tmp_path / "events.jsonl"
    env = dict(os.environ, HOME=str(tmp_path), SDL_VIDEODRIVER="dummy")
    args = ["--board", str(offscreen_board(tmp_path)), "--provider", str(provider)]
    args += ["--token-store", str(tmp_path / "store"), "--events", str(events)]

    r = run_cli(["run", *args, "--exit-after", "1.5"], env)

    assert r.returncode == exitcodes.OK  # it ran until asked to stop, not exit 3
    log = [json.loads(x) for x in events.read_text().splitlines()]
    error = next(x for x in log if x["event"] == "error")
    assert error["category"] == "settings"
    assert error["description"] == (
        "no client ID: give --client-id (or client_id in %s)" % provider
    )
    assert [x["screen"] for x in log if x["event"] == "screen"] == ["starting", "error"]
    assert r.stderr.count(str(provider)) == 1 and "Traceback" not in r.stderr
    # The CLI commands keep exiting with the configuration code.
    assert run_cli(["status", "--provider", str(provider)], env).returncode == 3


def test_the_settings_screen_reads_the_file_again_on_try_again() -> None:
    from device_app.cli.unconfigured import SessionOnceConfigured
    from device_app.core.errors import ConfigurationError

    class Fixed:
        """The session built once the file is right (already signed in, say)."""

        def signed_in(self) -> bool:
            return True

    fixed: list[Any] = []

    def build() -> Any:
        if not fixed:
            raise ConfigurationError("no client ID: give --client-id")
        return fixed[0]

    session = SessionOnceConfigured(build, "no client ID: give --client-id", "TV")
    seen: list[Any] = []
    final = session.login(seen.append, threading.Event())
    assert seen == [final] and final.public()["category"] == "settings"
    assert session.signed_in() is False
    fixed.append(Fixed())  # the user edits the file, then presses OK
    assert session.signed_in() is True


def test_a_full_screen_board_that_cannot_start_exits_without_telling_systemd_ready(
    tmp_path: Path,
) -> None:
    """A black TV that reports ready: kmsdrm cannot start here; no offscreen, no READY=1."""
    path = tmp_path / "notify.sock"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.update(HOME=str(tmp_path), SDL_VIDEODRIVER="kmsdrm", NOTIFY_SOCKET=str(path))
    args = ["--issuer", "https://id.example.com", "--client-id", "tv"]
    args += ["--token-store", str(tmp_path / "store"), "--exit-after", "5"]
    try:
        r = run_cli(["run", "--board", "pi-hdmi-1080p", *args], env)
        sock.setblocking(False)
        messages = []
        while True:
            try:
                messages.append(sock.recv(4096).decode())
            except BlockingIOError:
                break
    finally:
        sock.close()
    assert r.returncode == exitcodes.CONFIGURATION  # non-zero: systemd restarts it
    assert not any("READY=1" in m for m in messages)
    ours = [line for line in r.stderr.splitlines() if line.startswith("device-app:")]
    assert len(ours) == 1 and "Traceback" not in r.stderr
    assert ours[0].startswith("device-app: error: board pi-hdmi-1080p: the screen did not start")
    assert "kmsdrm:" in ours[0] and "offscreen" not in ours[0] and "video and render" in ours[0]
