"""Display back ends: ``open_display(board)`` gives a surface to draw on and ``present()``.

========  ==============================================================
window    a desktop window (x11/wayland, then the board's fallbacks)
kmsdrm    full screen on a Pi console, DRM card picked from sysfs
framebuffer  off-screen drawing copied to /dev/fbN (RGB565 / XRGB8888)
offscreen SDL's dummy driver, for tests and screenshots
========  ==============================================================

Every back end rotates in software by the board's ``rotation``.
"""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

from device_app.hardware.boards import Board
from device_app.hardware.display.base import Display, DisplayError

__all__ = ["Display", "DisplayError", "open_display"]


def open_display(
    board: Board,
    *,
    offscreen: bool = False,
    sysfs_root: Path = Path("/sys"),
    framebuffer: str | None = None,
    dev_root: Path = Path("/dev"),
) -> Display:
    """Open the board's display. ``offscreen=True`` forces the dummy driver (tests, screenshots).

    ``sysfs_root``, ``framebuffer`` and ``dev_root`` let tests point at a fake ``/sys``, a
    plain file and a fake ``/dev``.
    Raises :class:`DisplayError` with a message saying what to fix.
    """
    if offscreen or board.display == "offscreen":
        from device_app.hardware.display.sdl_window import OffscreenDisplay

        return OffscreenDisplay(board)
    if board.display == "framebuffer":
        from device_app.hardware.display.framebuffer import FramebufferDisplay

        return FramebufferDisplay(board, framebuffer, sysfs_root)
    from device_app.hardware.display.sdl_window import WindowDisplay

    return WindowDisplay(board, sysfs_root, dev_root)
