"""The display object every back end returns, and the shared SDL start-up."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence

import pygame

from device_app.core.errors import ConfigurationError
from device_app.hardware.display.rotation import (
    blit_rotated,
    clip_rects,
    panel_size,
    point_to_logical,
)

log = logging.getLogger(__name__)

RectLike = pygame.Rect | tuple[int, int, int, int]


class DisplayError(ConfigurationError, RuntimeError):
    """No usable display; the message says what was tried and what to fix."""

    def __init__(self, message: str) -> None:
        ConfigurationError.__init__(self, message)


class Display:
    """A logical drawing surface of the board's size, shown on some output.

    ``surface`` is what screens draw on (board width x height, before rotation).
    ``present(dirty_rects)`` shows the given rectangles (None = everything), turned by the
    board's rotation. ``close()`` releases the output.
    """

    driver = "none"

    def __init__(self, surface: pygame.Surface, panel: pygame.Surface, rotation: int) -> None:
        self.surface = surface
        self.panel = panel  # what the output shows: surface turned by ``rotation``
        self.rotation = rotation
        self.frames = 0
        self._closed = False

    @property
    def size(self) -> tuple[int, int]:
        """The logical size screens draw at."""
        w, h = self.surface.get_size()
        return (w, h)

    def present(self, dirty_rects: Sequence[RectLike] | None = None) -> None:
        """Show the changed parts of ``surface`` (all of it when ``dirty_rects`` is None)."""
        if self._closed:
            raise DisplayError("present() after close()")
        rects = clip_rects(
            None if dirty_rects is None else [pygame.Rect(r) for r in dirty_rects], self.size
        )
        if self.panel is self.surface:
            changed = rects
        else:
            changed = blit_rotated(self.surface, self.panel, rects, self.rotation)
        self._flush(changed, full=dirty_rects is None)
        self.frames += 1

    def panel_to_logical(self, pos: tuple[int, int]) -> tuple[int, int]:
        """The logical point under a panel (mouse/touch) position."""
        return point_to_logical(pos, self.size, self.rotation)

    def _flush(self, changed: list[pygame.Rect], full: bool) -> None:
        """Push the changed panel rectangles to the output (back ends override)."""

    def close(self) -> None:
        """Release the output; safe to call twice."""
        if not self._closed:
            self._closed = True
            self._release()

    def _release(self) -> None:
        pygame.display.quit()

    def __enter__(self) -> Display:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _native_x11_framebuffer() -> None:
    """Show the window through X11's own images, not an OpenGL texture (unless the user's
    environment says otherwise).

    By default SDL 2 on X11 uploads the whole window to a GL texture on every update, however
    small: with Mesa's software renderer (a Pi's X desktop without GL, Xvfb) that is 11 ms
    of CPU per countdown tick at 1080p and 110 MiB of GL libraries; X11's shared-memory
    images send only the changed rectangles (0.02 ms). Measured with
    ``benchmarks/bench_budget.py --window``. kmsdrm has no such path, so it is left alone.
    """
    os.environ.setdefault("SDL_FRAMEBUFFER_ACCELERATION", "0")


def start_video(
    drivers: Sequence[str],
    size: tuple[int, int],
    flags: int,
    caption: str = "device-app",
    explain: Callable[[str], str | None] = lambda driver: None,
) -> tuple[str, pygame.Surface]:
    """Try SDL video drivers in order until one opens a ``size`` screen.

    ``""`` in ``drivers`` lets SDL choose. Returns (driver SDL reports, screen surface);
    raises :class:`DisplayError` naming each driver tried and why it failed: ``explain(driver)``
    when it has a plainer reason than SDL's message (which then goes to the log only).
    """
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")  # no ALSA noise (design-notes §6)
    failures = []
    for drv in drivers or ("",):
        if drv:
            os.environ["SDL_VIDEODRIVER"] = drv
        else:
            os.environ.pop("SDL_VIDEODRIVER", None)
        try:
            pygame.display.init()
            if pygame.display.get_driver() == "x11":
                _native_x11_framebuffer()
            pygame.display.set_caption(caption)
            pygame.display.set_icon(window_icon())
            screen = pygame.display.set_mode(size, flags)
        except pygame.error as e:
            log.info("video driver %s failed: %s", drv or "(SDL default)", e)
            pygame.display.quit()
            failures.append(f"{drv or 'SDL default'}: {explain(drv) or e}")
            continue
        name = pygame.display.get_driver()
        log.info("video driver %s, screen %dx%d", name, *screen.get_size())
        return name, screen
    tried = "; ".join(failures)
    raise DisplayError(
        f"no video driver worked ({tried}). On a Pi console use kmsdrm with the user in the "
        "video and render groups; on a desktop run inside X11 or Wayland"
    )


def window_icon() -> pygame.Surface:
    """The window's icon on a desktop: a QR code's three finder squares, light on dark.

    Set before the screen opens, it also spares pygame finding and loading its own icon
    file, which costs ~3 ms of the start (and ``importlib.resources``, see
    hardware/pygame_import.py) on every driver, kmsdrm included."""
    dark, light = (16, 20, 28), (240, 240, 240)
    icon = pygame.Surface((32, 32))
    icon.fill(dark)
    for x, y in ((2, 2), (19, 2), (2, 19)):  # 11-px squares: ring, gap, core (as in a QR)
        icon.fill(light, (x, y, 11, 11))
        icon.fill(dark, (x + 2, y + 2, 7, 7))
        icon.fill(light, (x + 4, y + 4, 3, 3))
    return icon


def new_panel(size: tuple[int, int], rotation: int, like: pygame.Surface) -> pygame.Surface:
    """An off-screen surface shaped like the turned panel, in ``like``'s pixel format."""
    return pygame.Surface(panel_size(size, rotation), 0, like)
