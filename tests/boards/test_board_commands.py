"""The ``boards`` and ``check-board`` commands, through argparse as the CLI wires them."""

from __future__ import annotations

import argparse
import io
from pathlib import Path

import pytest

from device_app.cli import board_commands
from device_app.hardware.boards import BOARD_DIR


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="device-app")
    board_commands.register(p.add_subparsers(dest="command"))
    return p


def run(argv: list[str]) -> tuple[int, str, str]:
    args = parser().parse_args(argv)
    out, err = io.StringIO(), io.StringIO()
    code = args.func(args, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_boards_lists_every_shipped_board() -> None:
    code, out, err = run(["boards"])
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert len(lines) == len(list(BOARD_DIR.glob("*.toml")))
    spi = next(line for line in lines if line.startswith("spi-480x320"))
    assert "480x320 turned 90°" in spi and "framebuffer" in spi
    assert any(line.startswith("tv-4k") and "3840x2160" in line for line in lines)


def test_check_board_ok_by_path_and_by_name() -> None:
    assert run(["check-board", str(BOARD_DIR / "kiosk.toml")]) == (0, "OK: kiosk\n", "")
    assert run(["check-board", "desktop"]) == (0, "OK: desktop\n", "")


def test_check_board_reports_one_line_and_exit_3(tmp_path: Path) -> None:
    p = tmp_path / "bad.toml"
    p.write_text('name = "b"\ndescription = "d"\nwidth = 640\nheight = 480\nrotation = 45\n')
    code, out, err = run(["check-board", str(p)])
    assert code == 3 and out == ""
    assert err == f"{p}: rotation must be one of 0, 90, 180, 270, not 45\n"


def test_check_board_missing_file(tmp_path: Path) -> None:
    code, _, err = run(["check-board", str(tmp_path / "nope.toml")])
    assert code == 3 and "no such board file" in err and err.count("\n") == 1


def test_check_board_unknown_action(tmp_path: Path) -> None:
    p = tmp_path / "keys.toml"
    p.write_text(
        'name = "k"\ndescription = "d"\nwidth = 640\nheight = 480\n'
        '[keymap]\nKEY_RED = "launch_missiles"\n'
    )
    code, _, err = run(["check-board", str(p)])
    assert code == 3
    assert err.startswith(f"{p}: keymap.KEY_RED: unknown action 'launch_missiles'")


def test_boards_reports_a_broken_shipped_board(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "good.toml").write_text(
        'name = "good"\ndescription = "d"\nwidth = 640\nheight = 480\n'
    )
    (tmp_path / "broken.toml").write_text('name = "broken"\n')
    monkeypatch.setattr(board_commands, "BOARD_DIR", tmp_path)
    code, out, err = run(["boards"])
    assert code == 3
    assert out.startswith("good")
    assert "broken.toml: missing key 'description'" in err


def test_default_streams_are_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    args = parser().parse_args(["check-board", "desktop"])
    assert args.func(args) == 0
    assert capsys.readouterr().out == "OK: desktop\n"
