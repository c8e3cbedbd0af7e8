"""``device-app screenshot`` and ``device-app run`` through the real command line."""

from __future__ import annotations

import json
from pathlib import Path

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
