"""SDL back ends: a desktop window, kmsdrm full screen on a Pi console, and offscreen."""

from __future__ import annotations

from pathlib import Path

import pygame

from device_app.hardware.boards import Board
from device_app.hardware.display.base import Display, new_panel, start_video
from device_app.hardware.display.drm import select_kmsdrm_card
from device_app.hardware.display.rotation import panel_size


class WindowDisplay(Display):
    """A real SDL screen (window or kmsdrm); rotated boards draw off-screen first."""

    def __init__(self, board: Board, sysfs_root: Path = Path("/sys")) -> None:
        drivers = (
            [board.video_driver, *board.video_fallbacks]
            if (board.video_driver or board.video_fallbacks)
            else [""]
        )
        if board.display == "kmsdrm" and board.video_driver != "kmsdrm":
            drivers.insert(0, "kmsdrm")
        if "kmsdrm" in drivers:
            select_kmsdrm_card(sysfs_root, board.drm_connectors)
        flags = pygame.FULLSCREEN if board.fullscreen or board.display == "kmsdrm" else 0
        psize = panel_size(board.size, board.rotation)
        self.driver, screen = start_video(drivers, psize, flags, "device-app: " + board.name)
        if self.driver in ("kmsdrm", "offscreen", "dummy") or board.kiosk.enabled:
            # Air-mice make kmsdrm draw a pointer in the middle of the TV (TV_UX.md 3.2).
            pygame.mouse.set_visible(False)
        if board.rotation:
            surface = pygame.Surface(board.size, 0, screen)
        else:
            surface = screen
        super().__init__(surface, screen, board.rotation)

    def _flush(self, changed: list[pygame.Rect], full: bool) -> None:
        # One update call per frame with only the changed rectangles (TV_UX.md 3.2).
        if full:
            pygame.display.flip()
        elif changed:
            pygame.display.update(changed)


class OffscreenDisplay(Display):
    """SDL's dummy driver: nothing is shown; ``panel`` holds the turned picture for screenshots."""

    def __init__(self, board: Board) -> None:
        self.driver, screen = start_video(["dummy"], board.size, 0, "device-app: " + board.name)
        panel = screen if board.rotation == 0 else new_panel(board.size, board.rotation, screen)
        super().__init__(screen, panel, board.rotation)

    def screenshot(self, path: str | Path) -> None:
        """Save what the panel would show (PNG by file name)."""
        pygame.image.save(self.panel, str(path))
