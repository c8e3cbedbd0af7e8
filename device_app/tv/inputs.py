"""The input sources a board's TV app listens to, from the board's ``input_sources``.

Keyboard and touch arrive as SDL events in the loop; evdev remotes and scripted replays
run in their own threads under an :class:`InputHub`.
"""

from __future__ import annotations

from collections.abc import Callable

from device_app.hardware.boards import Board
from device_app.hardware.input.keyboard import KeyboardSource
from device_app.tv.input_hub import InputHub


def keyboard_for(board: Board) -> KeyboardSource | None:
    """The keyboard translator, when the board listens to the keyboard."""
    if "keyboard" not in board.input_sources:
        return None
    return KeyboardSource(board.keymap)


def hub_for(board: Board, post_action: Callable[[str], None]) -> InputHub | None:
    """The threaded sources (evdev, scripted), when the board has any."""
    if not any(s in board.input_sources for s in ("evdev", "scripted")):
        return None
    return InputHub(board, post_action)
