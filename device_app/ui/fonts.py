"""The bundled fonts (ui_assets/fonts), loaded once per (role, size), with cached metrics."""

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
    """pygame fonts by role and pixel size; implements ``layout.Measurer``."""

    def __init__(self, font_dir: Traversable = FONT_DIR) -> None:
        if not pygame.font.get_init():
            pygame.font.init()
        self._dir = font_dir
        self._fonts: dict[tuple[str, int], pygame.font.Font] = {}
        self._widths: dict[tuple[str, int, str], int] = {}

    def get(self, role: str, size: int) -> pygame.font.Font:
        """The font for ``role`` ("sans", "bold", "mono") at ``size`` pixels."""
        key = (role, max(4, size))
        font = self._fonts.get(key)
        if font is None:
            font = pygame.font.Font(file_path(self._dir / FILES[role]), key[1])
            self._fonts[key] = font
        return font

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
        return int(self.get(font, size).get_linesize())
