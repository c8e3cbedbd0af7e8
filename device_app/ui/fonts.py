"""The bundled fonts (ui_assets/fonts): one open face per role, set to each size asked for.

A face opened once and resized (``Font.point_size``, SDL_ttf's ``TTF_SetFontSize``) measures
and draws exactly like one opened at that size; the layout tries some twenty sizes per
screen, and a face opened per size held about 200 KiB each (issue 14: memory on a Pi).

DejaVu draws everything but Japanese and Arabic. Those come from subsets of Noto Sans CJK JP
and Noto Sans Arabic (only the characters the catalogues use: tools/subset_fonts.py), opened
the first time such a character is measured or drawn, so that a TV in another language never
loads them. They are drawn a little smaller than the nominal size, so that their letters fit in
DejaVu's line (a line's height never depends on its language), on DejaVu's baseline.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pygame

from device_app.assets import FONT_DIR, file_path
from device_app.ui import scripts

if TYPE_CHECKING:  # no importlib.resources at run time (assets.py)
    from importlib.resources.abc import Traversable

# DejaVu (Debian fonts-dejavu-core 2.37): the mono face tells 0 from O (dotted zero) and
# 1 / I / l apart (serifs and tails), which matters for a code typed by hand.
FILES = {
    "sans": "DejaVuSans.ttf",
    "bold": "DejaVuSans-Bold.ttf",
    "mono": "DejaVuSansMono-Bold.ttf",
}
# Noto (Debian fonts-noto-cjk 20220127, fonts-noto-core 20201225), subset. The code is
# Latin in practice; a Japanese or Arabic character in it is drawn in the bold face.
SCRIPT_FILES = {
    scripts.CJK: {
        "sans": "NotoSansCJKjp-Regular-subset.otf",
        "bold": "NotoSansCJKjp-Bold-subset.otf",
        "mono": "NotoSansCJKjp-Bold-subset.otf",
    },
    scripts.ARABIC: {
        "sans": "NotoSansArabic-Regular-subset.ttf",
        "bold": "NotoSansArabic-Bold-subset.ttf",
        "mono": "NotoSansArabic-Bold-subset.ttf",
    },
}
# HarfBuzz script tags (ISO 15924) for the faces that need shaping.
SHAPING = {scripts.ARABIC: "Arab"}
REFERENCE_SIZE = 100  # the size at which each face's height is compared with DejaVu's
# Noto Sans Arabic declares a line box 1.8 times DejaVu's (room for stacked marks), so
# fitting that box would draw Arabic at half the size of the Latin around it. Its size is
# fitted to the ink of real words instead (tall alef with hamza, shadda and damma, deep
# yeh and jeem), which makes it about 0.85 of the nominal size, with its baseline raised a
# little so that the deep letters stay inside DejaVu's descent. The empty rest of the
# face's box is cut at DejaVu's line. Japanese is fitted by its whole box (about 0.8).
INK_SAMPLE = {scripts.ARABIC: "إلا تُدخل سجّل يجع"}


class Fonts:
    """pygame fonts by role and pixel size; implements ``layout.Measurer``.

    Metrics are cached per (role, size, text). One thread only: ``get`` and ``face`` resize
    the role's face, so use the font they return before the next call.
    """

    def __init__(self, font_dir: Traversable = FONT_DIR) -> None:
        if not pygame.font.get_init():
            pygame.font.init()
        self._dir = font_dir
        self._fonts: dict[str, pygame.font.Font] = {}
        self._scripts: dict[tuple[str, str], pygame.font.Font] = {}  # one face each, resized
        self._faces: dict[tuple[str, str, int], tuple[int, int]] = {}  # -> (face size, offset)
        self._scale: dict[tuple[str, str], float] = {}
        self._widths: dict[tuple[str, int, str, bool], int] = {}
        self._line_heights: dict[tuple[str, int], int] = {}

    def get(self, role: str, size: int) -> pygame.font.Font:
        """The DejaVu font for ``role`` ("sans", "bold", "mono") at ``size`` pixels."""
        size = max(4, size)
        face = self._fonts.get(role)
        if face is None:
            face = pygame.font.Font(file_path(self._dir / FILES[role]), size)
            self._fonts[role] = face
        elif face.point_size != size:
            face.point_size = size
        return face

    def _open(self, script: str, role: str, size: int) -> pygame.font.Font:
        font = pygame.font.Font(file_path(self._dir / SCRIPT_FILES[script][role]), size)
        if script in SHAPING:
            font.set_script(SHAPING[script])
            font.set_direction(pygame.DIRECTION_RTL)
        return font

    def face(self, script: str, role: str, size: int) -> pygame.font.Font:
        """The font that draws ``script`` ("" for DejaVu) inside DejaVu's line at ``size``."""
        if not script:
            return self.get(role, size)
        face_size, _ = self._placed(script, role, size)
        return self._script_face(script, role, face_size)

    def offset(self, script: str, role: str, size: int) -> int:
        """Where a line of ``script``'s face goes, from the top of DejaVu's line."""
        if not script:
            return 0
        return self._placed(script, role, size)[1]

    def _script_face(self, script: str, role: str, size: int) -> pygame.font.Font:
        face = self._scripts.get((script, role))
        if face is None:
            face = self._open(script, role, size)
            self._scripts[(script, role)] = face
        elif face.point_size != size:
            face.point_size = size
        return face

    def _placed(self, script: str, role: str, size: int) -> tuple[int, int]:
        key = (script, role, max(4, size))
        placed = self._faces.get(key)
        if placed is None:
            scale = self._scale.get((script, role))
            if scale is None:
                scale = self._fit(script, role)
                self._scale[(script, role)] = scale
            placed = self._place(script, role, key[2], max(4, int(key[2] * scale)))
            self._faces[key] = placed
        return placed

    def _place(self, script: str, role: str, size: int, face_size: int) -> tuple[int, int]:
        """The face's size (``face_size`` or smaller) and where its line goes: on DejaVu's
        baseline, raised just enough that its ink (its sample's, else its whole box) stays
        inside the line."""
        latin = self.get(role, size)
        height, ascent = latin.get_height(), latin.get_ascent()
        sample = INK_SAMPLE.get(script)
        while True:
            font = self._script_face(script, role, face_size)
            if sample is None:
                top, bottom = 0, font.get_height()
            else:
                ink = _ink(font.render(sample, True, (255, 255, 255), (0, 0, 0)))
                top, bottom = ink.top, ink.bottom
            y = ascent - font.get_ascent()
            y -= max(0, y + bottom - height)
            if y + top >= 0 or face_size <= 4:
                return face_size, y
            face_size -= 1

    def _fit(self, script: str, role: str) -> float:
        """The size of ``script``'s face as a share of DejaVu's: the same line height, or for
        an INK_SAMPLE script, its ink as tall as DejaVu's line."""
        ref = self._open(script, role, REFERENCE_SIZE)  # measured once, then let go
        latin_height = self.get(role, REFERENCE_SIZE).get_height()
        sample = INK_SAMPLE.get(script)
        if sample is None:
            return latin_height / ref.get_height()
        ink = _ink(ref.render(sample, True, (255, 255, 255), (0, 0, 0)))
        return latin_height / max(1, ink.height)

    def width(self, font: str, size: int, text: str, rtl: bool = False) -> int:
        """Advance width of ``text`` (in a right-to-left paragraph when ``rtl``)."""
        key = (font, size, text, rtl)
        w = self._widths.get(key)
        if w is None:
            if len(self._widths) > 20000:  # bound the cache; layouts re-measure few strings
                self._widths.clear()
            if scripts.needs_segments(text):
                w = sum(
                    self.face(s, font, size).size(t)[0] for t, s, _ in scripts.segments(text, rtl)
                )
            else:
                w = self.get(font, size).size(text)[0]
            self._widths[key] = w
        return w

    def line_height(self, font: str, size: int) -> int:
        """Line height (ascent + descent + leading) of the font, never less than the
        height of a rendered line (at small sizes FreeType rounds the two apart)."""
        key = (font, size)
        lh = self._line_heights.get(key)
        if lh is None:
            f = self.get(font, size)
            # size() gives the height render() would make, at about half its cost (no glyph
            # is drawn): ~1 ms of the first activation layout at 1080p (tests/ui/test_fonts).
            lh = max(int(f.get_linesize()), f.size("ÅgÉy")[1])
            self._line_heights[key] = lh
        return lh

    def render(
        self,
        font: str,
        size: int,
        text: str,
        fg: tuple[int, int, int],
        bg: tuple[int, int, int],
        rtl: bool = False,
    ) -> pygame.Surface:
        """``text`` drawn on ``bg``, its runs in visual order for a paragraph in ``rtl``."""
        if not rtl and not scripts.needs_segments(text):
            return self.get(font, size).render(text, True, fg, bg)
        # Each face is resized as it is asked for: render each part before the next.
        parts = [
            (self.face(s, font, size).render(t, True, fg, bg), self.offset(s, font, size))
            for t, s, _ in scripts.segments(text, rtl)
        ]
        height = self.line_height(font, size)
        surface = pygame.Surface((sum(p.get_width() for p, _ in parts), height))
        surface.fill(bg)
        x = 0
        for part, y in parts:
            # On DejaVu's baseline (Arabic a little above); what overhangs the line is empty.
            surface.blit(part, (x, y))
            x += part.get_width()
        return surface


class Directed:
    """A ``layout.Measurer`` for paragraphs in one direction (the language's)."""

    def __init__(self, fonts: Fonts, rtl: bool) -> None:
        self.fonts = fonts
        self.rtl = rtl

    def width(self, font: str, size: int, text: str) -> int:
        """Advance width of ``text`` in this direction."""
        return self.fonts.width(font, size, text, self.rtl)

    def line_height(self, font: str, size: int) -> int:
        """Line height of the font."""
        return self.fonts.line_height(font, size)


def _ink(surface: pygame.Surface) -> pygame.Rect:
    """The rectangle of ``surface`` that is not its background (black)."""
    surface.set_colorkey((0, 0, 0))
    return surface.get_bounding_rect()
