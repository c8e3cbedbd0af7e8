"""The bundled fonts (ui_assets/fonts): one open face per role, set to each size asked for.

A face opened once and resized (``Font.point_size``, SDL_ttf's ``TTF_SetFontSize``) measures
and draws exactly like one opened at that size; the layout tries some twenty sizes per
screen, and a face opened per size held about 200 KiB each (issue 14: memory on a Pi).
"""

from __future__ import annotations

from importlib.resources.abc import Traversable

import pygame

from device_app.assets import FONT_DIR, file_path

# DejaVu (Debian fonts-dejavu-core 2.37): the mono face tells 0 from O (dotted zero) and
# 1 / I / l apart (serifs and tails), which matters for a code typed by hand.
FILES = {
    "sans": "DejaVuSans.ttf",
    "bold": "DejaVuSans-Bold.ttf",
    "mono": "DejaVuSansMono-Bold.ttf",
}


class Fonts:
    """pygame fonts by role and pixel size; implements ``layout.Measurer``.

    Metrics are cached per (role, size, text). One thread only: ``get`` resizes the
    role's face, so use the font it returns before the next call.
    """

    def __init__(self, font_dir: Traversable = FONT_DIR) -> None:
        if not pygame.font.get_init():
            pygame.font.init()
        self._dir = font_dir
        self._faces: dict[str, pygame.font.Font] = {}
        self._widths: dict[tuple[str, int, str], int] = {}
        self._line_heights: dict[tuple[str, int], int] = {}

    def get(self, role: str, size: int) -> pygame.font.Font:
        """The font for ``role`` ("sans", "bold", "mono") at ``size`` pixels."""
        size = max(4, size)
        face = self._faces.get(role)
        if face is None:
            face = pygame.font.Font(file_path(self._dir / FILES[role]), size)
            self._faces[role] = face
        elif face.point_size != size:
            face.point_size = size
        return face

    def width(self, font: str, size: int, text: str) -> int:
        """Advance width of ``text``."""
        key = (font, size, text)
        w = self._widths.get(key)
        if w is None:
            if len(self._widths) > 20000:  # bound the cache; layouts re-measure few strings
                self._widths.clear()
            w = self.get(font, size).size(text)[0]
            self._widths[key] = w
        return w

    def line_height(self, font: str, size: int) -> int:
        """Line height (ascent + descent + leading) of the font."""
        key = (font, size)
        h = self._line_heights.get(key)
        if h is None:
            h = int(self.get(font, size).get_linesize())
            self._line_heights[key] = h
        return h
