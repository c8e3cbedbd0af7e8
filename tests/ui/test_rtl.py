"""Right to left: runs in the right order, Arabic shaped, the screen mirrored, and the code
and the URL still drawn left to right, exactly as sent."""

from __future__ import annotations

import pygame
import pytest

from device_app.hardware.boards import load_board
from device_app.ui import scripts
from device_app.ui import viewmodel as vm
from device_app.ui.fonts import Fonts

from .test_render import PLAIN_CODE, check_geometry, decode, render

WHITE, BLACK = (255, 255, 255), (0, 0, 0)


@pytest.mark.parametrize(
    ("text", "rtl", "runs"),
    [
        # A Latin device name inside an Arabic sentence: the sentence starts on the right.
        ("الجهاز: Living-room TV", True, [("Living-room TV", False), ("الجهاز: ", True)]),
        # A number between Arabic words keeps its digits in order.
        ("ينتهي الرمز بعد 9:42", True, [("9:42", False), ("ينتهي الرمز بعد ", True)]),
        # An Arabic name inside an English sentence stays where it was written.
        ("Welcome, سارة!", False, [("Welcome, ", False), ("سارة", True), ("!", False)]),
        ("Plain text", True, [("Plain text", False)]),
        ("", False, []),
    ],
)
def test_bidi_runs(text: str, rtl: bool, runs: list[tuple[str, bool]]) -> None:
    assert scripts.bidi_runs(text, rtl) == runs


def test_punctuation_in_a_right_to_left_run_is_reversed_and_mirrored() -> None:
    # "(" written first in an Arabic sentence is its rightmost character, shown as ")".
    segs = scripts.segments("(مرحبا)", True)
    assert [s[1] for s in segs] == [scripts.COMMON, scripts.ARABIC, scripts.COMMON]
    assert segs[0][0] == "(" and segs[-1][0] == ")"


def test_japanese_is_drawn_by_its_face_and_latin_by_dejavu() -> None:
    segs = scripts.segments("1. 次の URL にアクセス", False)
    assert [(t, s) for t, s, _ in segs] == [
        ("1. ", ""),
        ("次の ", "cjk"),
        ("URL ", ""),
        ("にアクセス", "cjk"),
    ]


def test_arabic_is_shaped() -> None:
    """Joined letters are narrower than the same letters drawn apart (isolated forms)."""
    pygame.font.init()
    f = Fonts()
    word = "تسجيل"
    joined = f.width("sans", 40, word, rtl=True)
    apart = sum(f.width("sans", 40, ch, rtl=True) for ch in word)
    assert joined < apart * 0.9


def test_the_arabic_activation_screen_is_mirrored(fonts: Fonts) -> None:
    board = load_board("desktop")
    en = render(board, vm.ACTIVATION, "en", fonts)
    ar = render(board, vm.ACTIVATION, "ar", fonts)
    check_geometry(ar)
    assert en.layout is not None and ar.layout is not None
    assert en.layout.qr is not None and ar.layout.qr is not None
    code_en, code_ar = en.layout.box("code"), ar.layout.box("code")
    assert code_en is not None and code_ar is not None
    assert en.layout.qr[0] > code_en.rect[0]  # English: text on the left, QR on the right
    assert ar.layout.qr[0] < code_ar.rect[0]  # Arabic: the other way round
    assert code_ar.align == "right"


@pytest.mark.parametrize("code", ["WDJB-MJHT", "WDJB-", "(12-AB"])
def test_the_code_and_url_are_drawn_left_to_right_in_arabic(code: str, fonts: Fonts) -> None:
    """The pixels of the code are those of the code drawn left to right: no reordering of
    its characters, no mirrored brackets, whatever the language around it."""
    sample = dict(PLAIN_CODE, user_code=code, verification_uri="https://example.com/(a)-b")
    r = render(load_board("desktop"), vm.ACTIVATION, "ar", fonts, sample)
    check_geometry(r)
    assert r.layout is not None
    for name, text in (("code", code), ("uri", "https://example.com/(a)-b")):
        box = r.layout.box(name)
        assert box is not None and "".join(box.lines) == text
        drawn = r.drawn[name][0]
        expected = fonts.get(box.font, box.size).render(box.lines[0], True, WHITE, BLACK)
        assert drawn.size == expected.get_size()
        shown = r.surface.subsurface(drawn).copy()
        colour = r.theme.code if name == "code" else r.theme.accent
        ink = [
            (x, y)
            for x in range(0, drawn.w, 3)
            for y in range(0, drawn.h, 3)
            if expected.get_at((x, y))[0] == 255  # fully inked: exactly the colour
        ]
        assert ink and all(shown.get_at(p)[:3] == colour for p in ink)
    assert decode(r.surface) == [sample["verification_uri_complete"]]
