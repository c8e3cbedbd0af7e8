"""One open face per font role, resized for each size the layout tries: it must measure and
draw exactly as a face opened at that size (the layout's results and the golden image
depend on it), and a whole screen must not open more faces than there are roles. The
Japanese and Arabic faces draw every character the catalogues use, and are opened only when
such a character is drawn."""

from __future__ import annotations

import pygame
import pytest
from fontTools.ttLib import TTFont

from device_app.assets import FONT_DIR, file_path
from device_app.hardware.boards import load_board
from device_app.ui import catalog, fonts, i18n, scripts
from device_app.ui import viewmodel as vm
from device_app.ui.fonts import FILES, Fonts

from .test_render import render

TEXTS = ["WDJB-MJHT", "Scan the QR code or go to", "https://example.com/dev?user_code=A", "è…0O1Il"]


@pytest.mark.parametrize("role", sorted(FILES))
def test_a_resized_face_measures_and_draws_as_a_face_opened_at_that_size(role: str) -> None:
    fonts = Fonts()
    for size in (4, 9, 24, 35, 52, 97, 136, 151, 300):
        fresh = pygame.font.Font(file_path(FONT_DIR / FILES[role]), size)
        assert fonts.line_height(role, size) == fresh.get_linesize()
        for text in TEXTS:
            assert fonts.width(role, size, text) == fresh.size(text)[0], (size, text)
            ours = fonts.get(role, size).render(text, True, (255, 255, 255), (0, 0, 0))
            theirs = fresh.render(text, True, (255, 255, 255), (0, 0, 0))
            assert pygame.image.tobytes(ours, "RGB") == pygame.image.tobytes(theirs, "RGB")


@pytest.mark.parametrize("role", sorted(FILES))
def test_the_measured_height_of_a_line_is_the_rendered_height(role: str) -> None:
    # Fonts.line_height asks size() for the height render() would give (half the cost).
    fonts, face = Fonts(), Fonts().get(role, 4)
    for size in range(4, 320):
        face.point_size = size
        drawn = face.render("ÅgÉy", True, (0, 0, 0)).get_height()
        assert face.size("ÅgÉy")[1] == drawn, size
        assert fonts.line_height(role, size) == max(face.get_linesize(), drawn), size


@pytest.mark.parametrize("board", ["pi-hdmi-1080p", "tv-4k"])
def test_a_screen_opens_one_face_per_role(board: str) -> None:
    fonts = Fonts()
    render(load_board(board), vm.ACTIVATION, "en", fonts)
    faces = {id(fonts.get(role, size)) for role in FILES for size in range(4, 200, 7)}
    assert len(faces) == len(FILES)


PO = {p.parent.parent.name: p for p in catalog.po_files()}


def characters(lang: str) -> set[str]:
    entries = catalog.parse_po(PO[lang].read_text("utf-8"))
    return set("".join(v for k, v in entries.items() if k)) - {"\n"}


def cmap(name: str) -> set[int]:
    with TTFont(str(file_path(FONT_DIR / name)), lazy=True) as font:
        return set(font.getBestCmap())


@pytest.mark.parametrize("lang", sorted(PO))
@pytest.mark.parametrize("role", ["sans", "bold"])
def test_every_catalogue_character_is_in_the_font_that_draws_it(lang: str, role: str) -> None:
    chars = characters(lang) | set("".join(i18n.LANGUAGE_NAMES.values()))
    missing = []
    for ch in sorted(chars):
        script = scripts.script_of(ch)
        name = fonts.SCRIPT_FILES[script][role] if script else fonts.FILES[role]
        if ord(ch) not in cmap(name):
            missing.append((ch, "U+%04X" % ord(ch), name))
    assert not missing, "run tools/subset_fonts.py: %s" % missing


def test_the_noto_licence_ships_beside_the_fonts() -> None:
    text = (FONT_DIR / "LICENSE-Noto.txt").read_text("utf-8")
    assert "SIL OPEN FONT LICENSE" in text and "Version 1.1" in text
    assert "Noto Sans CJK" in text and "Noto Sans Arabic" in text
    for files in fonts.SCRIPT_FILES.values():
        for name in files.values():
            assert name in text


def test_other_faces_load_only_for_their_characters() -> None:
    pygame.font.init()
    f = fonts.Fonts()
    f.width("sans", 30, "Sign in with your phone or computer")
    f.render("bold", 30, "Anmelden · Français", (255, 255, 255), (0, 0, 0))
    assert f._faces == {}
    f.width("sans", 30, "スマートフォンかパソコンでログイン")
    assert {k[0] for k in f._faces} == {scripts.CJK}
    f.render("sans", 30, "الجهاز: TV", (255, 255, 255), (0, 0, 0), rtl=True)
    assert {k[0] for k in f._faces} == {scripts.CJK, scripts.ARABIC}


def ink(surface: pygame.Surface) -> pygame.Rect:
    surface.set_colorkey((0, 0, 0))
    return surface.get_bounding_rect()


@pytest.mark.parametrize("size", [10, 24, 57, 150])
def test_every_face_fits_the_line_of_the_bundled_one(size: int) -> None:
    """Japanese and Arabic lines are as tall as DejaVu's, and no letter is cut by them."""
    pygame.font.init()
    f = fonts.Fonts()
    for script, text in (
        (scripts.CJK, "ログインしました。"),
        (scripts.ARABIC, "لا تُدخل هذا الرمز إلا إذا كنت ترى هذه الشاشة"),
    ):
        rtl = script == scripts.ARABIC
        line = f.render("sans", size, text, (255, 255, 255), (0, 0, 0), rtl=rtl)
        assert line.get_height() == f.line_height("sans", size)
        alone = f.face(script, "sans", size).render(text, True, (255, 255, 255), (0, 0, 0))
        assert ink(line).height == ink(alone).height
        assert ink(line).height >= size // 2
