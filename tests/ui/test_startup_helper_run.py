"""``device-app run`` with its start-up helper process (device_app.tv.startup_helper), through
the real command line against the simulator on loopback: the helper carries the first request
and QR code, is gone once the code is on screen, and never outlives the app.
"""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.transport.servers import CertFactory

from .test_commands import offscreen_board

pytestmark = pytest.mark.timeout(90)


def children(pid: int) -> set[int]:
    """The live child processes of ``pid`` (zombies awaiting their reaper excluded)."""
    found: set[int] = set()
    try:
        tasks = os.listdir("/proc/%d/task" % pid)
    except FileNotFoundError:
        return found
    for tid in tasks:
        try:
            found |= {
                int(c) for c in Path("/proc/%d/task/%s/children" % (pid, tid)).read_text().split()
            }
        except FileNotFoundError:
            continue
    return {c for c in found if _state(c) not in ("Z", "")}


def _state(pid: int) -> str:
    try:
        return Path("/proc/%d/stat" % pid).read_text().rpartition(")")[2].split()[0]
    except FileNotFoundError:
        return ""


def ours(marker: str) -> list[int]:
    """Every process whose command line contains ``marker`` (a path unique to the test)."""
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                cmdline = Path("/proc/%s/cmdline" % entry).read_bytes()
            except OSError:
                continue
            if marker.encode() in cmdline and _state(int(entry)) not in ("Z", ""):
                pids.append(int(entry))
    return pids


def wait_until(check, limit: float = 20.0):  # type: ignore[no-untyped-def]
    end = time.monotonic() + limit
    while time.monotonic() < end:
        value = check()
        if value:
            return value
        time.sleep(0.02)
    return check()


def env() -> dict[str, str]:
    e = dict(os.environ, SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy")
    e["PYGAME_HIDE_SUPPORT_PROMPT"] = "1"
    return e


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_the_helper_serves_the_first_request_and_is_gone_once_the_code_is_up(
    tmp_path: Path, scheme: str
) -> None:
    """Over https the helper also builds the TLS context (the CA bundles) beside the display."""
    from device_app_simulator.config import SimulatorConfig
    from device_app_simulator.server import start_server

    config = SimulatorConfig(port=0, interval=60, db_path=tmp_path / "sim.db")
    trust = ["--allow-insecure-host", "127.0.0.1"]
    if scheme == "https":
        certs = CertFactory(tmp_path)
        certs.server_context()  # writes the leaf for 127.0.0.1 signed by the private CA
        tls = {"tls_cert": tmp_path / "127.0.0.1-00.crt", "tls_key": tmp_path / "127.0.0.1-00.key"}
        config = dataclasses.replace(config, **tls)
        trust = ["--ca-bundle", str(certs.ca_path)]
    server = start_server(config)
    assert server.issuer.startswith(scheme + "://")
    events = tmp_path / "events.jsonl"
    cmd = [sys.executable, "-m", "device_app", "--debug", "run"]
    cmd += ["--board", str(offscreen_board(tmp_path)), "--events", str(events)]
    cmd += ["--issuer", server.issuer, "--client-id", "tv-demo", *trust]
    cmd += ["--token-store", str(tmp_path / "store"), "--exit-after", "60"]
    app = subprocess.Popen(
        cmd, env=dict(env(), HOME=str(tmp_path)), stderr=subprocess.PIPE, text=True
    )
    try:

        def shown() -> bool:
            return events.exists() and '"screen": "activation"' in events.read_text()

        assert wait_until(shown), "no activation screen"
        assert wait_until(lambda: not children(app.pid), 10), "the helper outlived start-up"
        app.send_signal(signal.SIGTERM)
        _, err = app.communicate(timeout=20)
    finally:
        if app.poll() is None:
            app.kill()
            app.wait()
        server.stop()
    assert app.returncode == 0, err
    log = [json.loads(x) for x in events.read_text().splitlines()]
    assert [x["event"] for x in log if x["event"] in ("code", "screen")][:3] == [
        "screen",
        "code",
        "screen",
    ]
    # Started by the entry point (python -m device_app), before the CLI loaded.
    started = [ln for ln in err.splitlines() if "start-up helper" in ln and " started" in ln]
    released = [ln for ln in err.splitlines() if "start-up helper" in ln and "released" in ln]
    assert len(started) == 1 and "by the entry point" in started[0], err
    assert len(released) == 1, err
    # Discovery, the device authorization request, and the code's QR.
    assert "after 1 discovery, 1 request(s) and 1 QR code(s)" in released[0], released[0]
    assert "Traceback" not in err and "WARNING" not in err.replace("python-evdev", "")


def test_a_screen_that_cannot_start_leaves_no_helper_behind(tmp_path: Path) -> None:
    """kmsdrm cannot start here: the app exits at once (systemd would restart it) and asks
    the server for nothing; its helper ends with it."""
    e = {k: v for k, v in env().items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    e.update(HOME=str(tmp_path), SDL_VIDEODRIVER="kmsdrm")
    marker = str(tmp_path / "store")
    listener = socket.create_server(("127.0.0.1", 0))  # the "server": counts connections
    listener.setblocking(False)
    issuer = "http://127.0.0.1:%d" % listener.getsockname()[1]
    args = ["run", "--board", "pi-hdmi-1080p", "--issuer", issuer, "--client-id"]
    args += ["tv", "--allow-insecure-host", "127.0.0.1", "--token-store", marker]
    r = subprocess.run(
        [sys.executable, "-m", "device_app", "--debug", *args],
        capture_output=True,  # returns only once every holder of the pipes, helper too, is gone
        text=True,
        env=e,
        timeout=60,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    assert r.returncode != 0
    assert "the screen did not start" in r.stderr
    assert "start-up helper" in r.stderr and " started" in r.stderr  # there was a helper
    assert not ours(marker)
    with pytest.raises(BlockingIOError):
        listener.accept()  # nobody connected: no code asked for by a TV that shows nothing
    listener.close()
