"""Where every element goes, for any screen size from 320x240 to 3840x2160. Pure.

The caller passes a :class:`Measurer` (pygame fonts in the app, anything in tests). Sizes
start from fractions of the title-safe height and shrink until everything fits in the
board's safe area: text is wrapped, then made smaller, down to a floor; only below the
floor is a line cut with an ellipsis. The layout returns every box it placed, so tests can
check that boxes stay inside the safe area and never overlap.

Type sizes follow design-notes §5, scaled from 1080p (safe height 972 px):
body 32-36 px (never below 24), URL 48-56 px, code 120-160 px.
"""

# No ``from __future__ import annotations``: typing.NamedTuple compiles every string
# annotation when the class is made (issue 14: ~2.5 ms of the TV's start over its modules).

import functools
import re
from collections.abc import Sequence
from typing import NamedTuple, Protocol

from device_app.ui import screens as sc
from device_app.ui import scripts
from device_app.ui.screens import Composition, Element

Rect = tuple[int, int, int, int]  # x, y, w, h

# Preferred size as a fraction of the safe-area height (1080p: 972 px).
PREF = {
    sc.TITLE: 0.075,
    sc.BODY: 0.040,
    sc.HINT: 0.036,
    sc.DETAIL: 0.036,
    sc.STATUS: 0.036,
    sc.FOOTER: 0.030,
    sc.BUTTON: 0.040,
    sc.OPTION: 0.040,
    sc.HEADING: 0.058,
    sc.STEP: 0.038,
    sc.URI: 0.054,
    sc.CODE: 0.140,
    sc.COUNTDOWN: 0.036,
    sc.CAPTION: 0.030,
}
MAX_LINES = {
    sc.TITLE: 2,
    sc.BODY: 4,
    sc.HINT: 3,
    sc.DETAIL: 1,
    sc.STATUS: 1,
    sc.FOOTER: 2,
    sc.BUTTON: 1,
    sc.OPTION: 1,
    sc.HEADING: 2,
    sc.STEP: 2,
    sc.URI: 3,
    sc.CODE: 1,
    sc.COUNTDOWN: 1,
    sc.CAPTION: 2,
}
# Text floor: 24 px at 1080p (design-notes §5: "never below 24"), 10 px on tiny panels.
FLOOR_FRACTION = 24 / 1080
ABS_FLOOR = 10
CODE_FLOOR_FRACTION = 0.06  # the code never gets smaller than this share of the safe height
MIN_PPM = 2  # pixels per QR module below which phones struggle (design-notes §5.1: 4-5 on 320x240)
GOOD_PPM = 3  # what a small panel should still manage before the QR gets smaller
QR_MAX_WIDTH_SHARE = 0.5  # side by side, the QR takes at most half the width
SCALES = (1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.42, 0.35, 0.3, 0.25, 0.2)


class Measurer(Protocol):
    """Text metrics for a font role at a pixel size."""

    def width(self, font: str, size: int, text: str) -> int:
        """Advance width of ``text`` in pixels."""

    def line_height(self, font: str, size: int) -> int:
        """Height of one line in pixels."""


class Box(NamedTuple):
    """A placed element: its rectangle, font size and the lines of text it shows."""

    name: str
    kind: str
    rect: Rect
    font: str
    size: int
    lines: tuple[str, ...]
    colour: str
    align: str = "left"  # left | center | right
    focused: bool = False
    dynamic: bool = False
    template_size: int = 0  # the size the box was fitted for (dynamic text may shrink)


class Layout(NamedTuple):
    """Every box on a screen, plus the QR placement (x, y, side, pixels per module)."""

    width: int
    height: int
    safe: Rect
    boxes: tuple[Box, ...]
    qr: Rect | None = None
    ppm: int = 0
    mode: str = ""
    problems: tuple[str, ...] = ()
    logo: Rect | None = None  # the theme's logo, above everything else

    def box(self, name: str) -> Box | None:
        """The box called ``name``, if placed."""
        for b in self.boxes:
            if b.name == name:
                return b
        return None


def safe_rect(
    width: int, height: int, top: float, right: float, bottom: float, left: float
) -> Rect:
    """The title-safe rectangle: insets as fractions (left/right of width, top/bottom of height)."""
    x0 = round(width * left)
    y0 = round(height * top)
    x1 = width - round(width * right)
    y1 = height - round(height * bottom)
    return (x0, y0, max(1, x1 - x0), max(1, y1 - y0))


# -- text fitting ---------------------------------------------------------------------------

_URI_TOKENS = re.compile(r"[^/?&=.#-]*[/?&=.#-]?")
# Text with no Japanese breaks only where a run of spaces ends: a word with the spaces after
# it (and the leading spaces, if any, alone).
_SPACED = re.compile(r"^ +|[^ ]+ *")
# Japanese line breaking (JIS X 4051 "kinsoku"): a line never starts with closing
# punctuation, an iteration or prolonged-sound mark or a small kana, nor ends with an
# opening bracket. Elsewhere a line may break between any two Japanese characters.
_NO_START = frozenset(
    "、。，．・：；？！ー…‥」』）〕］｝〉》"  # closing punctuation, prolonged sound
    "ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ々ゝゞヽヾ"  # small kana, iteration marks
)
_NO_END = frozenset("「『（〔［｛〈《")


def _breakable(before: str, after: str) -> bool:
    """May a line break between these two characters (neither a space)?"""
    if after in _NO_START or before in _NO_END:
        return False
    return scripts.script_of(before) == scripts.CJK or scripts.script_of(after) == scripts.CJK


@functools.lru_cache(maxsize=512)
def pieces(text: str, kind: str) -> tuple[str, ...]:
    """``text`` cut where a line may break; joined back they give ``text`` again.

    A URI breaks after its punctuation; other text after a run of spaces (which ends its
    piece and is dropped at the end of a line) or between Japanese characters. Cached:
    fitting tries the same text at several sizes (the first frame's layout).
    """
    if kind == sc.URI:
        return tuple(t for t in _URI_TOKENS.findall(text) if t)
    if max(text, default=" ") < scripts.FIRST_CJK:  # no Japanese: breaks only after spaces
        return tuple(_SPACED.findall(text))
    return _pieces_by_character(text)


def _pieces_by_character(text: str) -> tuple[str, ...]:
    """:func:`pieces` for any text, deciding at each pair of characters."""
    out: list[str] = []
    for i, ch in enumerate(text):
        prev = text[i - 1] if i else ""
        if out and (
            (prev == " " and ch != " ") or (" " not in (prev, ch) and _breakable(prev, ch))
        ):
            out.append(ch)
        elif out:
            out[-1] += ch
        else:
            out.append(ch)
    return tuple(out)


def wrap(
    m: Measurer, font: str, size: int, text: str, width: int, kind: str, split: bool = True
) -> list[str] | None:
    """Greedy line breaking. A piece wider than the line is broken between characters when
    ``split`` (a URI always may); else the text does not fit at this size: None."""
    lines: list[str] = []
    cur = ""
    for piece in pieces(text, kind):
        cand = cur + piece
        if m.width(font, size, cand.rstrip()) <= width:
            cur = cand
            continue
        if cur.strip():
            lines.append(cur.rstrip())
        cur = piece.lstrip()
        if m.width(font, size, cur) <= width:
            continue
        if not split and kind != sc.URI:
            return None
        chars, cur = cur, ""
        for ch in chars:
            if not cur or m.width(font, size, cur + ch) <= width:
                cur += ch
            else:
                lines.append(cur)
                cur = ch
    if cur.strip() or not lines:
        lines.append(cur.rstrip())
    return lines


def ellipsize(m: Measurer, font: str, size: int, text: str, width: int) -> str:
    """``text`` cut to fit ``width`` with a trailing ellipsis (unchanged if it fits)."""
    if m.width(font, size, text) <= width:
        return text
    cut = text
    while cut and m.width(font, size, cut.rstrip() + "…") > width:
        cut = cut[:-1]
    return cut.rstrip() + "…" if cut else ""


def fit(
    m: Measurer, font: str, text: str, pref: int, floor: int, width: int, max_lines: int, kind: str
) -> tuple[int, list[str], bool]:
    """The largest size in [floor, pref] at which ``text`` wraps into ``max_lines`` lines.

    Returns (size, lines, ok); when even the floor is too big, the last line is ellipsized
    and ok is False (so too when a word had to be broken). A URI keeps to one line while it
    can stay at 3/4 of its size.
    """
    pref = max(pref, floor)
    if kind == sc.URI and max_lines > 1:
        size = pref
        while size >= max(floor, int(pref * 0.75)):
            lines = wrap(m, font, size, text, width, kind)
            if lines is not None and len(lines) == 1:
                return size, lines, True
            size -= max(1, size // 16)
    size = pref
    while True:
        fitted = wrap(m, font, size, text, width, kind, split=False)  # words kept whole
        if fitted is not None and len(fitted) <= max_lines:
            return size, fitted, True
        if size <= floor:
            break
        size = max(floor, size - max(1, size // 16))
    lines = wrap(m, font, size, text, width, kind) or [text]
    if len(lines) <= max_lines:  # only by breaking a word: shown whole, reported
        return size, lines, False
    kept = lines[: max_lines - 1]
    rest = (" " if kind != sc.URI else "").join(lines[max_lines - 1 :])
    kept.append(ellipsize(m, font, size, rest, width))
    return size, kept, False


class _Fitted:
    """An element fitted at one size: its lines, their height and widest width, and whether
    it fitted without shrinking to the floor."""

    __slots__ = ("el", "height", "lines", "ok", "size", "width")

    def __init__(
        self, el: Element, size: int, lines: list[str], height: int, width: int, ok: bool
    ) -> None:
        self.el = el
        self.size = size
        self.lines = lines
        self.height = height
        self.width = width
        self.ok = ok


def _fit_el(
    m: Measurer, el: Element, scale: float, safe_h: int, floor: int, width: int, code_floor: int
) -> _Fitted:
    pref = round(PREF[el.kind] * safe_h * scale)
    fl = code_floor if el.kind == sc.CODE else floor
    sample = el.template if el.dynamic and el.template else el.text
    size, lines, ok = fit(m, el.font, sample, pref, fl, width, MAX_LINES[el.kind], el.kind)
    if el.dynamic and sample != el.text:
        lines = _fit_into(m, el, size, width, MAX_LINES[el.kind])[1]
    lh = m.line_height(el.font, size)
    w = max((m.width(el.font, size, ln) for ln in lines), default=0)
    return _Fitted(el, size, lines, lh * len(lines), w, ok)


# Elements already fitted during one activation layout, by (element, scale, width, floors):
# the attempts at each QR size refit the same bottom line, caption and column (issue 14).
_Memo = dict[tuple[int, float, int, int, int, int], _Fitted]


def _fit_el_once(
    memo: _Memo,
    m: Measurer,
    el: Element,
    scale: float,
    safe_h: int,
    floor: int,
    width: int,
    code_floor: int,
) -> _Fitted:
    """:func:`_fit_el`, computed once per layout for the same arguments (the caller keeps
    ``el`` alive for as long as ``memo``: the key holds its ``id``)."""
    key = (id(el), scale, safe_h, floor, width, code_floor)
    fitted = memo.get(key)
    if fitted is None:
        fitted = memo[key] = _fit_el(m, el, scale, safe_h, floor, width, code_floor)
    return fitted


def _fit_into(
    m: Measurer, el: Element, size: int, width: int, max_lines: int
) -> tuple[int, list[str]]:
    """Fit a dynamic element's current text into a box made for its template."""
    floor = max(6, size * 2 // 3)
    s, lines, _ = fit(m, el.font, el.text, size, floor, width, max_lines, el.kind)
    return s, lines


def refit(m: Measurer, box: Box, el: Element) -> Box:
    """The box showing ``el``'s current text, never larger than the box itself."""
    width = box.rect[2]
    size = box.template_size or box.size
    max_lines = max(1, box.rect[3] // max(1, m.line_height(el.font, size)))
    s, lines = _fit_into(m, el, size, width, max_lines)
    return Box(
        box.name,
        box.kind,
        box.rect,
        box.font,
        s,
        tuple(lines),
        el.colour,
        box.align,
        el.focused,
        box.dynamic,
        box.template_size,
    )


def _gap(size: int) -> int:
    return max(2, round(size * 0.45))


# Space above an element, in units of its own size: steps and paragraphs stand apart,
# the code and the address sit close to the step that introduces them.
GAP_BEFORE = {
    sc.STEP: 0.9,
    sc.URI: 0.2,
    sc.CODE: 0.15,
    sc.COUNTDOWN: 0.3,
    sc.BODY: 0.7,
    sc.HINT: 0.7,
    sc.DETAIL: 0.3,
    sc.OPTION: 0.25,
}


def _gap_before(f: _Fitted) -> int:
    return max(2, round(f.size * GAP_BEFORE.get(f.el.kind, 0.45)))


# -- the message layout -----------------------------------------------------------------------


def _button_metrics(m: Measurer, size: int, labels: Sequence[str]) -> tuple[list[int], int, int]:
    pad_x = max(4, round(size * 0.8))
    pad_y = max(3, round(size * 0.35))
    widths = [m.width(sc.BOLD, size, t) + 2 * pad_x for t in labels]
    height = m.line_height(sc.BOLD, size) + 2 * pad_y
    return widths, height, max(4, size)


def _button_size(m: Measurer, labels: Sequence[str], start: int, width: int) -> int:
    """The largest size from ``start`` down at which the row of buttons fits ``width``."""
    size = start
    while True:
        widths, _height, gap = _button_metrics(m, size, labels)
        if sum(widths) + gap * max(0, len(widths) - 1) <= width or size <= 6:
            return size
        size -= 1


def _fit_message(
    m: Measurer,
    main: Sequence[Element],
    bottom: Sequence[Element],
    labels: Sequence[str],
    scale: float,
    safe: Rect,
    floor: int,
) -> tuple[list[_Fitted], list[_Fitted], int, bool]:
    """The main and bottom groups fitted at ``scale``, the button size, and whether all fit."""
    _sx, _sy, sw, sh = safe
    fm = [_fit_el(m, e, scale, sh, floor, sw, floor) for e in main]
    fb = [_fit_el(m, e, scale, sh, floor, sw, floor) for e in bottom]
    bsize = _button_size(m, labels, max(floor, round(PREF[sc.BUTTON] * sh * scale)), sw)
    _widths, bh, _gap_x = _button_metrics(m, bsize, labels)
    total = (
        sum(f.height for f in fm)
        + sum(_gap_before(f) for f in fm[1:])
        + ((bh + _gap(bsize) * 2) if labels else 0)
        + sum(f.height + _gap(f.size) for f in fb)
        + _gap(floor)
    )
    return fm, fb, bsize, all(f.ok for f in fm + fb) and total <= sh


def _place_buttons(
    m: Measurer, buttons: Sequence[Element], size: int, x0: int, y: int, width: int
) -> list[Box]:
    """One row of buttons, centred in ``width`` from ``x0``."""
    widths, bh, gap = _button_metrics(m, size, [b.text for b in buttons])
    x = x0 + (width - (sum(widths) + gap * (len(widths) - 1))) // 2
    boxes = []
    for b, bw in zip(buttons, widths, strict=True):
        rect = (x, y, bw, bh)
        boxes.append(
            Box(
                b.name,
                b.kind,
                rect,
                b.font,
                size,
                (b.text,),
                b.colour,
                "center",
                b.focused,
                True,
                size,
            )
        )
        x += bw + gap
    return boxes


def _narrow_options(boxes: list[Box], fitted: list[_Fitted], sx: int, sw: int) -> list[Box]:
    """Options as wide as the widest of them (plus a margin), so the focus bar is too."""
    options = [f for f in fitted if f.el.kind == sc.OPTION]
    if not options:
        return boxes
    opt_w = min(sw, max(f.width + 2 * max(4, f.size) for f in options))
    return [
        b._replace(rect=(sx + (sw - opt_w) // 2, b.rect[1], opt_w, b.rect[3]))
        if b.kind == sc.OPTION
        else b
        for b in boxes
    ]


def layout_message(comp: Composition, m: Measurer, w: int, h: int, safe: Rect) -> Layout:
    """Title, paragraphs, details and a row of buttons, centred; status and footer at the bottom."""
    sx, sy, sw, sh = safe
    floor = max(ABS_FLOOR, round(h * FLOOR_FRACTION))
    main = [
        e for e in comp.elements if e.kind in (sc.TITLE, sc.BODY, sc.HINT, sc.DETAIL, sc.OPTION)
    ]
    buttons = [e for e in comp.elements if e.kind == sc.BUTTON]
    bottom = [e for e in comp.elements if e.kind in (sc.STATUS, sc.FOOTER)]
    labels = [b.text for b in buttons]
    for scale in SCALES:  # the first scale at which everything fits, else the smallest
        fm, fb, bsize, ok = _fit_message(m, main, bottom, labels, scale, safe, floor)
        if ok:
            break
    boxes = _place_bottom(fb, safe)
    # The main group and the buttons, centred in what the bottom group leaves.
    bottom_top = sy + sh - sum(f.height + _gap(f.size) for f in fb)
    _widths, bh, _gap_x = _button_metrics(m, bsize, labels)
    block = sum(f.height for f in fm) + sum(_gap_before(f) for f in fm[1:])
    if buttons:
        block += bh + (_gap(bsize) * 2 if fm else 0)
    placed, y = _place_lines(fm, sx, sy + max(0, (bottom_top - sy - block) // 2), sw, "center")
    boxes += _narrow_options(placed, fm, sx, sw)
    if buttons:
        y += _gap(bsize) * 2 if fm else 0
        boxes += _place_buttons(m, buttons, bsize, sx, y, sw)
    problems = () if ok else ("text shrunk to the floor and cut",)
    return Layout(w, h, safe, tuple(boxes), mode="message", problems=problems)


def _box(f: _Fitted, rect: Rect, align: str) -> Box:
    e = f.el
    return Box(
        e.name,
        e.kind,
        rect,
        e.font,
        f.size,
        tuple(f.lines),
        e.colour,
        align,
        e.focused,
        e.dynamic,
        f.size,
    )


# -- the activation layout ---------------------------------------------------------------------


def _column(
    m: Measurer,
    els: Sequence[Element],
    scale: float,
    sh: int,
    floor: int,
    code_floor: int,
    width: int,
    memo: _Memo,
) -> tuple[list[_Fitted], int, bool]:
    fitted = [_fit_el_once(memo, m, e, scale, sh, floor, width, code_floor) for e in els]
    total = sum(f.height for f in fitted) + sum(_gap_before(f) for f in fitted[1:])
    return fitted, total, all(f.ok for f in fitted)


class _ActivationPlan(NamedTuple):
    """What one attempt at the activation layout works with: groups, sizes, arrangement."""

    safe: Rect
    floor: int
    code_floor: int
    qr_side: int
    mode: str  # "side": text left, QR right; "stack": text above the QR
    column: tuple[Element, ...]  # heading, steps, URI, code, countdown
    caption: tuple[Element, ...]  # under the QR
    bottom: tuple[Element, ...]  # status and footer, along the bottom edge

    @property
    def column_width(self) -> int:
        sw = self.safe[2]
        return sw - self.qr_side - self.side_gap if self.mode == "side" else sw

    @property
    def side_gap(self) -> int:
        return max(8, round(self.safe[2] * 0.03))


class _ActivationFit(NamedTuple):
    """The elements fitted at one scale, and whether they fit above the bottom group."""

    bottom: list[_Fitted]
    column: list[_Fitted]
    caption: list[_Fitted]
    main_h: int  # the safe height above the bottom group
    text_h: int
    qr_h: int  # the QR and its caption
    fits: bool
    ok: bool


_COLUMN_KINDS = (sc.HEADING, sc.STEP, sc.URI, sc.CODE, sc.COUNTDOWN)


def _activation_plan(
    comp: Composition, h: int, safe: Rect, qr_side: int, mode: str, drop: frozenset[str]
) -> _ActivationPlan:
    els = [e for e in comp.elements if e.name not in drop]
    return _ActivationPlan(
        safe=safe,
        floor=max(ABS_FLOOR, round(h * FLOOR_FRACTION)),
        code_floor=max(12, round(safe[3] * CODE_FLOOR_FRACTION)),
        qr_side=qr_side,
        mode=mode,
        column=tuple(e for e in els if e.kind in _COLUMN_KINDS),
        caption=tuple(e for e in els if e.kind == sc.CAPTION),
        bottom=tuple(e for e in els if e.kind in (sc.STATUS, sc.FOOTER)),
    )


def _fit_activation(
    m: Measurer, plan: _ActivationPlan, scale: float, memo: _Memo, force: bool
) -> _ActivationFit | None:
    """The elements fitted at ``scale``. Unless ``force``, None as soon as the QR and its
    caption alone leave no room: the text column (the most to measure) cannot fit then."""
    _sx, _sy, sw, sh = plan.safe
    floor = plan.floor
    fb = [_fit_el_once(memo, m, e, scale, sh, floor, sw, floor) for e in plan.bottom]
    main_h = sh - (sum(f.height for f in fb) + sum(_gap(f.size) for f in fb))
    caption_w = plan.qr_side if plan.mode == "side" else sw
    fc = [_fit_el_once(memo, m, e, scale, sh, floor, caption_w, floor) for e in plan.caption]
    qr_h = plan.qr_side + sum(f.height + _gap(f.size) for f in fc)
    # Below, side by side needs qr_h <= main_h and stacked text_h + gap + qr_h <= main_h;
    # text_h is never negative, so when this holds they fail whatever the column measures.
    if not force and qr_h + (0 if plan.mode == "side" else _gap(floor)) > main_h:
        return None
    fitted, text_h, ok = _column(
        m, plan.column, scale, sh, floor, plan.code_floor, plan.column_width, memo
    )
    if plan.mode == "side":
        fits = text_h <= main_h and qr_h <= main_h
    else:
        fits = text_h + _gap(floor) + qr_h <= main_h
    ok = ok and all(f.ok for f in fb + fc)
    return _ActivationFit(fb, fitted, fc, main_h, text_h, qr_h, fits, ok)


def _place_bottom(fb: list[_Fitted], safe: Rect) -> list[Box]:
    """The bottom group, from the bottom edge of the safe area up."""
    sx, sy, sw, sh = safe
    boxes = []
    y = sy + sh
    for f in reversed(fb):
        y -= f.height
        boxes.append(_box(f, (sx, y, sw, f.height), "center"))
        y -= _gap(f.size)
    return boxes


def _place_lines(
    fitted: list[_Fitted], x: int, y: int, w: int, align: str
) -> tuple[list[Box], int]:
    """Boxes one under the other from ``y``; also returns the y below the last one."""
    boxes = []
    for i, f in enumerate(fitted):
        if i:
            y += _gap_before(f)
        boxes.append(_box(f, (x, y, w, f.height), align))
        y += f.height
    return boxes, y


def _place_caption(fc: list[_Fitted], x: int, qr_bottom: int, w: int) -> list[Box]:
    boxes = []
    cy = qr_bottom
    for f in fc:
        cy += _gap(f.size)
        boxes.append(_box(f, (x, cy, w, f.height), "center"))
        cy += f.height
    return boxes


def _place_side(fit: _ActivationFit, plan: _ActivationPlan) -> tuple[list[Box], Rect]:
    """Text column on the left, vertically centred; the QR and its caption on the right."""
    sx, sy, sw, _sh = plan.safe
    side = plan.qr_side
    ty = sy + max(0, (fit.main_h - fit.text_h) // 2)
    boxes, _y = _place_lines(fit.column, sx, ty, plan.column_width, "left")
    qx = sx + sw - side
    qy = sy + max(0, (fit.main_h - fit.qr_h) // 2)
    boxes += _place_caption(fit.caption, qx, qy + side, side)
    return boxes, (qx, qy, side, side)


def _place_stack(fit: _ActivationFit, plan: _ActivationPlan) -> tuple[list[Box], Rect]:
    """Text centred above the QR, the caption under it; the block centred vertically."""
    sx, sy, sw, _sh = plan.safe
    side = plan.qr_side
    block = fit.text_h + _gap(plan.floor) + fit.qr_h
    ty = sy + max(0, (fit.main_h - block) // 2)
    boxes, ty = _place_lines(fit.column, sx, ty, sw, "center")
    qx = sx + (sw - side) // 2
    qy = ty + _gap(plan.floor)
    boxes += _place_caption(fit.caption, sx, qy + side, sw)
    return boxes, (qx, qy, side, side)


def _try_activation(
    comp: Composition,
    m: Measurer,
    w: int,
    h: int,
    safe: Rect,
    modules: int,
    ppm: int,
    mode: str,
    drop: frozenset[str],
    force: bool,
    min_scale: float,
    memo: _Memo,
) -> Layout | None:
    """The activation layout at ``ppm`` in ``mode``, or None when it does not fit.

    ``force`` takes the smallest scale whatever happens (the last resort).
    """
    plan = _activation_plan(comp, h, safe, modules * ppm, mode, drop)
    if mode == "side" and plan.column_width < safe[2] * 0.3 and not force:
        return None
    scales = [SCALES[-1]] if force else [x for x in SCALES if x >= min_scale]
    fits = (_fit_activation(m, plan, scale, memo, force) for scale in scales)
    fit = next((f for f in fits if f is not None and ((f.fits and f.ok) or force)), None)
    if fit is None:
        return None
    placed, qr = (_place_side if mode == "side" else _place_stack)(fit, plan)
    boxes = _place_bottom(fit.bottom, safe) + placed
    problems = () if fit.ok and fit.fits else ("activation layout forced",)
    return Layout(w, h, safe, tuple(boxes), qr, ppm, mode, problems)


def layout_activation(
    comp: Composition, m: Measurer, w: int, h: int, safe: Rect, modules: int
) -> Layout:
    """Code, URI and countdown beside (or above) a QR as large as the rest allows.

    ``modules`` is the QR's side in modules including the 4-module quiet zone. First pass:
    text at no less than 70 % of its preferred size, the largest integer pixels-per-module
    that leaves room for it. Second pass: smaller text, then without caption and heading.
    """
    _sx, _sy, sw, sh = safe
    modes = ("side", "stack") if sw >= sh else ("stack", "side")
    max_ppm = max(MIN_PPM, min(sw, sh) // max(1, modules))
    passes: tuple[tuple[float, frozenset[str]], ...] = (
        (0.7, frozenset()),
        (0.0, frozenset()),
        (0.0, frozenset({"caption"})),
        (0.0, frozenset({"caption", "heading"})),
    )
    # A QR at 3+ px per module is worth dropping the heading for on a small panel; only
    # when even that fails does it go down to MIN_PPM.
    rounds = [
        (min_scale, drop, ppm)
        for lo, hi in ((GOOD_PPM, max_ppm), (MIN_PPM, GOOD_PPM - 1))
        for min_scale, drop in passes
        for ppm in range(hi, lo - 1, -1)
    ]
    memo: _Memo = {}  # lives no longer than comp, whose elements its keys name
    for min_scale, drop, ppm in rounds:
        for mode in modes:
            if mode == "side" and modules * ppm > sw * QR_MAX_WIDTH_SHARE:
                continue
            if modules * ppm > sh:
                continue
            found = _try_activation(
                comp, m, w, h, safe, modules, ppm, mode, drop, False, min_scale, memo
            )
            if found is not None:
                return found
    forced = _try_activation(
        comp, m, w, h, safe, modules, MIN_PPM, modes[0], passes[-1][1], True, 0.0, memo
    )
    assert forced is not None
    return forced


# The operator's logo: a band at the top of the safe area, at most this share of its height
# (about 87 px at 1080p: a mark that says whose TV this is, not a banner) and of its width.
LOGO_HEIGHT_SHARE = 0.09
LOGO_WIDTH_SHARE = 0.4
LOGO_MIN_HEIGHT = 8


def logo_rect(safe: Rect, logo_size: tuple[int, int]) -> tuple[Rect, Rect]:
    """Where a logo of ``logo_size`` (its own pixels: only the aspect counts) goes, and the
    safe area left below it for the screen."""
    sx, sy, sw, sh = safe
    iw, ih = max(1, logo_size[0]), max(1, logo_size[1])
    lh = max(LOGO_MIN_HEIGHT, round(sh * LOGO_HEIGHT_SHARE))
    lw = min(round(iw * lh / ih), round(sw * LOGO_WIDTH_SHARE))
    lh = max(1, round(ih * lw / iw))
    gap = max(4, round(sh * 0.025))
    return (sx, sy, lw, lh), (sx, sy + lh + gap, sw, sh - lh - gap)


def layout_screen(
    comp: Composition,
    m: Measurer,
    w: int,
    h: int,
    safe: Rect,
    qr_modules: int = 0,
    logo_size: tuple[int, int] | None = None,
) -> Layout:
    """The layout for a composition (activation or message), below the logo if there is one."""
    logo = None
    area = safe
    if logo_size is not None:
        logo, area = logo_rect(safe, logo_size)
    if comp.layout == "activation":
        lo = layout_activation(comp, m, w, h, area, qr_modules)
    else:
        lo = layout_message(comp, m, w, h, area)
    return lo._replace(safe=safe, logo=logo) if logo is not None else lo


# What reads left to right whatever the language: the code and the address, exactly as sent.
LEFT_TO_RIGHT = (sc.CODE, sc.URI)
_FLIP_ALIGN = {"left": "right", "right": "left", "center": "center"}


def mirrored(lo: Layout) -> Layout:
    """The layout for a right-to-left language: every box and the QR reflected across the
    safe area, left-aligned text aligned right (where a right-to-left line starts; the code
    and the address too, though their characters still run left to right)."""
    sx, _sy, sw, _sh = lo.safe

    def flip(r: Rect) -> Rect:
        return (2 * sx + sw - r[0] - r[2], r[1], r[2], r[3])

    boxes = tuple(b._replace(rect=flip(b.rect), align=_FLIP_ALIGN[b.align]) for b in lo.boxes)
    return lo._replace(
        boxes=boxes,
        qr=flip(lo.qr) if lo.qr is not None else None,
        logo=flip(lo.logo) if lo.logo is not None else None,
    )


def overlaps(a: Rect, b: Rect) -> bool:
    """True when two rectangles share any pixel."""
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def inside(a: Rect, outer: Rect) -> bool:
    """True when ``a`` lies entirely within ``outer``."""
    return (
        a[0] >= outer[0]
        and a[1] >= outer[1]
        and a[0] + a[2] <= outer[0] + outer[2]
        and a[1] + a[3] <= outer[1] + outer[3]
    )
