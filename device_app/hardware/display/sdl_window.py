"""SDL back ends: a desktop window, kmsdrm full screen on a Pi console, and offscreen."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path

import pygame

from device_app.hardware.boards import OFFSCREEN_DRIVERS, Board, needs_real_screen
from device_app.hardware.display.base import Display, DisplayError, new_panel, start_video
from device_app.hardware.display.drm import (
    ENV_RENDERER,
    device_problem,
    select_framebuffer_renderer,
    select_kmsdrm_card,
)
from device_app.hardware.display.rotation import panel_size

log = logging.getLogger(__name__)


def _explainer(dev_root: Path) -> Callable[[str], str | None]:
    """Plainer reasons than SDL's for a driver that failed (kmsdrm: the DRM device nodes)."""

    def explain(driver: str) -> str | None:
        return device_problem(dev_root) if driver == "kmsdrm" else None

    return explain


class WindowDisplay(Display):
    """A real SDL screen (window or kmsdrm); rotated boards draw off-screen first."""

    def __init__(
        self, board: Board, sysfs_root: Path = Path("/sys"), dev_root: Path = Path("/dev")
    ) -> None:
        drivers = (
            [board.video_driver, *board.video_fallbacks]
            if (board.video_driver or board.video_fallbacks)
            else [""]
        )
        if board.display == "kmsdrm" and board.video_driver != "kmsdrm":
            drivers.insert(0, "kmsdrm")
        full_screen = needs_real_screen(board.display, board.fullscreen)
        if full_screen:  # never a black TV that reports ready (checked in boards.py too)
            drivers = [d for d in drivers if d not in OFFSCREEN_DRIVERS]
        if "kmsdrm" in drivers:
            select_kmsdrm_card(sysfs_root, board.drm_connectors)
            select_framebuffer_renderer()
        flags = pygame.FULLSCREEN if full_screen else 0
        psize = panel_size(board.size, board.rotation)
        try:
            self.driver, screen = start_video(
                drivers, psize, flags, "device-app: " + board.name, _explainer(dev_root)
            )
        except DisplayError as e:
            raise DisplayError(
                f"board {board.name}: the screen did not start: {e}; check that the screen is "
                "connected and switched on, and that no desktop session holds it"
            ) from None
        if self.driver in OFFSCREEN_DRIVERS and board.display != "offscreen":
            log.warning(
                "board %s: no display found; drawing off-screen (nothing is shown)", board.name
            )
        if self.driver.lower() == "kmsdrm":
            _log_renderer()
        if self.driver.lower() in ("kmsdrm", "offscreen", "dummy") or board.kiosk.enabled:
            # Air-mice make kmsdrm draw a pointer in the middle of the TV (design-notes §6).
            pygame.mouse.set_visible(False)
        if board.rotation:
            surface = pygame.Surface(board.size, 0, screen)
        else:
            surface = screen
        super().__init__(surface, screen, board.rotation)

    def _flush(self, changed: list[pygame.Rect], full: bool) -> None:
        # One update call per frame with only the changed rectangles (design-notes §6).
        if full:
            pygame.display.flip()
        elif changed:
            pygame.display.update(changed)


def _log_renderer() -> None:
    """Say in the log which renderer SDL chose for the window surface (it may fall back)."""
    try:
        from pygame._sdl2.video import Window

        # Here, not at the top: ctypes costs ~2 ms at import, and only kmsdrm asks.
        from device_app.hardware.display.sdl_renderer import window_renderer

        used = window_renderer(Window.from_display_module().id)
    except (ImportError, pygame.error):
        used = None
    log.info(
        "kmsdrm: SDL draws the screen through %s (%s=%s)",
        "its %s renderer" % used if used else "the driver's own framebuffer (no renderer)",
        ENV_RENDERER,
        os.environ.get(ENV_RENDERER) or "(unset)",
    )


class OffscreenDisplay(Display):
    """SDL's dummy driver: nothing is shown; ``panel`` holds the turned picture for screenshots."""

    def __init__(self, board: Board) -> None:
        self.driver, screen = start_video(["dummy"], board.size, 0, "device-app: " + board.name)
        panel = screen if board.rotation == 0 else new_panel(board.size, board.rotation, screen)
        super().__init__(screen, panel, board.rotation)

    def screenshot(self, path: str | Path) -> None:
        """Save what the panel would show (PNG by file name)."""
        pygame.image.save(self.panel, str(path))
