"""``device-app boards`` and ``device-app check-board FILE``: list and validate board files."""

from __future__ import annotations

import argparse
import sys
from typing import Any, TextIO

from device_app.assets import BOARD_DIR, toml_files
from device_app.cli.exitcodes import CONFIGURATION as EXIT_BAD_BOARD
from device_app.cli.exitcodes import OK as EXIT_OK
from device_app.hardware.boards import Board, BoardError, load_board, read_board


def _describe(b: Board) -> str:
    size = f"{b.width}x{b.height}"
    if b.rotation:
        size += f" turned {b.rotation}°"
    return f"{b.name:<14} {size:<18} {b.display:<12} {b.description}"


def cmd_boards(
    args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    """List the shipped boards: name, resolution, display back end, description."""
    out = out or sys.stdout
    err = err or sys.stderr
    status = EXIT_OK
    paths = toml_files(BOARD_DIR)
    if not paths:  # an empty list would look like success
        err.write(
            f"no board files in {BOARD_DIR}: this installation of device-app is incomplete; "
            "reinstall it\n"
        )
        return EXIT_BAD_BOARD
    for path in paths:
        try:
            board = read_board(path)
        except BoardError as e:
            err.write(f"{e}\n")
            status = EXIT_BAD_BOARD
            continue
        out.write(_describe(board) + "\n")
    return status


def cmd_check_board(
    args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    """Validate one board file (or shipped board name): ``OK: <name>`` or the error."""
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        board = load_board(args.file)
    except BoardError as e:
        err.write(f"{e}\n")
        return EXIT_BAD_BOARD
    out.write(f"OK: {board.name}\n")
    return EXIT_OK


def register(subparsers: Any) -> None:
    """Add ``boards`` and ``check-board`` to the CLI; each sets ``func(args) -> int``."""
    p = subparsers.add_parser(
        "boards",
        help="list the board configurations shipped with the app",
        description="List the shipped board files: name, resolution, display and description.",
    )
    p.set_defaults(func=cmd_boards)
    p = subparsers.add_parser(
        "check-board",
        help="validate a board configuration file",
        description="Check a board file as the app would load it: print OK or what to fix.",
    )
    p.add_argument("file", metavar="FILE", help="a board TOML file, or a shipped board's name")
    p.set_defaults(func=cmd_check_board)
