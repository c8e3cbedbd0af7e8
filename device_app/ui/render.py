"""Drawing a view-model onto a pygame surface, redrawing only what changed.

A new composition layout (another screen, a new code, another language) repaints the
whole surface; otherwise only the boxes of dynamic elements whose text, colour or focus
changed are repainted and returned as dirty rectangles. Texts are rendered when drawn and
the QR is painted module by module onto the surface: the renderer keeps no surface of its
own beside the one it draws on (issue 14: memory on a Pi Zero 2 W).
"""

# No ``from __future__ import annotations``: typing.NamedTuple compiles every string
# annotation when the class is made (issue 14: ~2.5 ms of the TV's start over its modules).

from typing import NamedTuple

import pygame

from device_app.ui import layout as lay
from device_app.ui import qr
from device_app.ui import screens as sc
from device_app.ui.fonts import Directed, Fonts
from device_app.ui.i18n import Translator, is_rtl
from device_app.ui.themes import COLOUR_KEYS, Colour, Theme
from device_app.ui.viewmodel import ViewModel


class Insets(NamedTuple):
    """Safe-area fractions (same meaning as ``boards.SafeArea``)."""

    top: float = 0.05
    right: float = 0.05
    bottom: float = 0.05
    left: float = 0.05


class Renderer:
    """Draws view-models on ``surface``; ``render`` returns the dirty rectangles."""

    def __init__(
        self,
        surface: pygame.Surface,
        theme: Theme,
        tr: Translator,
        insets: Insets | None = None,
        fonts: Fonts | None = None,
    ) -> None:
        self.surface = surface
        self.theme = theme
        self.fonts = fonts or Fonts()
        self.tr = tr
        self.rtl = is_rtl(tr.language)
        self.measure = Directed(self.fonts, self.rtl)
        ins = insets or Insets()
        w, h = surface.get_size()
        self.safe = lay.safe_rect(w, h, ins.top, ins.right, ins.bottom, ins.left)
        self.layout: lay.Layout | None = None
        self.composition: sc.Composition | None = None
        # Where each line of text went, per box, before clipping to the box: a test that
        # finds one outside its box has found text that the layout let overflow.
        self.drawn: dict[str, list[pygame.Rect]] = {}
        self._key: tuple[object, ...] | None = None
        self._boxes: dict[str, lay.Box] = {}
        # The logo's own size (for its aspect); the picture is made when a screen is painted.
        self._logo_size = _logo_size(theme.logo) if theme.logo else None

    # -- surfaces ----------------------------------------------------------------------------

    def _text(
        self, font: str, size: int, text: str, fg: Colour, bg: Colour, rtl: bool
    ) -> pygame.Surface:
        # Rendered on its background colour: an opaque surface blits faster than alpha.
        # Not kept: a screen repaints its texts rarely, the countdown's is new each second,
        # and at 4K the ~15 texts of a screen would hold 7 MiB.
        return self.fonts.render(font, size, text, fg, bg, rtl)

    # -- drawing -----------------------------------------------------------------------------

    def _colour(self, name: str) -> Colour:
        # Only a colour's name: a theme is a tuple, and its other attributes (_fields, the
        # logo ...) are no colours.
        if name not in COLOUR_KEYS:
            return self.theme.text
        value: Colour = getattr(self.theme, name)
        return value

    def _draw_box(self, box: lay.Box) -> pygame.Rect:
        rect = pygame.Rect(box.rect)
        bg = self.theme.background
        self.surface.fill(bg, rect)
        drawn: list[pygame.Rect] = []
        fg = self._colour(box.colour)
        if box.kind == sc.BUTTON:
            ring = max(2, round(self.surface.get_height() / 270))  # 4 px at 1080p (design-notes §5)
            if box.focused:
                pygame.draw.rect(self.surface, self.theme.focus, rect, border_radius=ring * 2)
                bg, fg = self.theme.focus, self.theme.focus_text
            else:
                pygame.draw.rect(self.surface, self.theme.button, rect, border_radius=ring * 2)
                pygame.draw.rect(
                    self.surface,
                    self.theme.muted,
                    rect,
                    width=max(1, ring // 2),
                    border_radius=ring * 2,
                )
                bg, fg = self.theme.button, self.theme.button_text
                if box.colour == "muted":  # a button shown but not usable now
                    fg = self.theme.muted
        elif box.focused:  # an account on Home, chosen with up/down
            self.surface.fill(self.theme.focus, rect)
            bg, fg = self.theme.focus, self.theme.focus_text
        lh = self.fonts.line_height(box.font, box.size)
        y = rect.y + max(0, (rect.height - lh * len(box.lines)) // 2)
        # The code and the address read left to right in every language.
        rtl = self.rtl and box.kind not in lay.LEFT_TO_RIGHT
        for line in box.lines:
            if line:
                surf = self._text(box.font, box.size, line, fg, bg, rtl)
                if box.align == "center":
                    x = rect.x + (rect.width - surf.get_width()) // 2
                elif box.align == "right":
                    x = rect.right - surf.get_width()
                else:
                    x = rect.x
                dst = surf.get_rect(topleft=(x, y)).clip(rect)
                self.surface.blit(surf, dst.topleft, pygame.Rect(0, 0, dst.width, dst.height))
                drawn.append(surf.get_rect(topleft=(x, y)))
            y += lh
        self.drawn[box.name] = drawn
        return rect

    def render(self, view: ViewModel) -> list[pygame.Rect]:
        """Draw ``view``; returns the rectangles that changed."""
        comp = sc.compose(view, self.tr)
        key = (comp.static_key(), self.surface.get_size())
        if key != self._key:
            return self._full(comp, key)
        return self._update(comp)

    def _full(self, comp: sc.Composition, key: tuple[object, ...]) -> list[pygame.Rect]:
        w, h = self.surface.get_size()
        modules = qr.modules(comp.qr) if comp.qr else 0
        self.layout = lay.layout_screen(
            comp, self.measure, w, h, self.safe, modules, self._logo_size
        )
        if self.rtl:
            self.layout = lay.mirrored(self.layout)
        self.composition = comp
        self._key = key
        self.drawn = {}
        self.surface.fill(self.theme.background)
        self._boxes = {}
        for box in self.layout.boxes:
            el = comp.element(box.name)
            if el is not None and el.dynamic:
                box = lay.refit(self.measure, box, el)
            self._boxes[box.name] = box
            self._draw_box(box)
        if comp.qr and self.layout.qr is not None:
            x, y, _, _ = self.layout.qr
            t = self.theme
            qr.draw(self.surface, (x, y), comp.qr, self.layout.ppm, t.qr_dark, t.card)
        if self.layout.logo is not None:
            x, y, lw, lh = self.layout.logo
            self.surface.blit(_logo_surface(self.theme.logo, (lw, lh)), (x, y))
        return [self.surface.get_rect()]

    def _update(self, comp: sc.Composition) -> list[pygame.Rect]:
        old = self.composition
        self.composition = comp
        dirty: list[pygame.Rect] = []
        for el in comp.elements:
            if not el.dynamic:
                continue
            prev = old.element(el.name) if old is not None else None
            if prev is not None and (prev.text, prev.colour, prev.focused) == (
                el.text,
                el.colour,
                el.focused,
            ):
                continue
            box = self._boxes.get(el.name)
            if box is None:
                continue
            box = lay.refit(self.measure, box, el)
            self._boxes[el.name] = box
            dirty.append(self._draw_box(box))
        return dirty

    def set_translator(self, tr: Translator) -> None:
        """Show another language from the next render on (a full repaint)."""
        self.tr = tr
        self.rtl = is_rtl(tr.language)
        self.measure = Directed(self.fonts, self.rtl)
        self._key = None

    def invalidate(self) -> None:
        """Repaint the whole surface at the next render (something else drew on it)."""
        self._key = None

    def boxes(self) -> list[lay.Box]:
        """The boxes as last drawn (dynamic ones with their current text)."""
        return list(self._boxes.values())


def _logo_surface(path: str, size: tuple[int, int]) -> pygame.Surface:
    """A logo at ``size`` (an SVG drawn at that size, a PNG scaled smoothly). Not kept: it
    is drawn only when a whole screen is painted."""
    if path.lower().endswith(".svg"):
        return pygame.image.load_sized_svg(path, size)
    return pygame.transform.smoothscale(pygame.image.load(path), size)


def _logo_size(path: str) -> tuple[int, int]:
    """A logo's own size in pixels (an SVG's from its width and height)."""
    return tuple(pygame.image.load(path).get_size())  # type: ignore[return-value]
