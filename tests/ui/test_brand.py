"""The operator's brand: a theme with a logo and colours, refused when the code or the
address would be hard to read, and a logo that never crowds the code, the URL or the QR."""

from __future__ import annotations

from pathlib import Path

import pygame
import pytest

from device_app.hardware.boards import Board, list_boards, load_board
from device_app.tv import screenshot
from device_app.ui import layout, themes
from device_app.ui import viewmodel as vm
from device_app.ui.fonts import Fonts

from .test_render import SMALLEST, check_geometry, check_whole_words, decode, render

BRAND = "aurora"
DARK = (themes.THEME_DIR / "dark.toml").read_text("utf-8")


def theme_file(tmp_path: Path, text: str, name: str = "brand.toml") -> str:
    path = tmp_path / name
    path.write_text(text, "utf-8")
    return str(path)


def test_the_sample_brand_ships_with_its_logo() -> None:
    t = themes.load_theme(BRAND)
    assert BRAND in themes.available_themes()
    assert t.logo.endswith("aurora-logo.svg") and Path(t.logo).is_file()
    assert themes.load_theme("dark").logo == ""


@pytest.mark.parametrize(
    ("key", "colour", "words"),
    [
        ("code", "#5A5A5A", "the user code"),
        ("accent", "#3A5F9A", "the address"),
    ],
)
def test_a_theme_with_a_hard_to_read_code_or_url_is_refused(
    tmp_path: Path, key: str, colour: str, words: str
) -> None:
    original = next(ln for ln in DARK.splitlines() if ln.startswith(key + " "))
    path = theme_file(tmp_path, DARK.replace(original, '%s = "%s"' % (key, colour)))
    with pytest.raises(themes.ThemeError) as e:
        themes.load_theme(path)
    message = str(e.value)
    assert words in message and colour in message and "#121212" in message
    assert "7:1" in message and path in message


def test_seven_to_one_is_enough(tmp_path: Path) -> None:
    # #9F9F9F on #121212 is 7.08:1 (just above), #9E9E9E 6.99:1 (just below).
    ok = DARK.replace('accent = "#8AB4F8"', 'accent = "#9F9F9F"')
    assert themes.load_theme(theme_file(tmp_path, ok)).accent == (0x9F, 0x9F, 0x9F)
    with pytest.raises(themes.ThemeError, match="#9E9E9E"):
        themes.load_theme(theme_file(tmp_path, ok.replace("#9F9F9F", "#9E9E9E")))


@pytest.mark.parametrize(
    ("logo", "message"),
    [
        ('logo = "missing.png"', "cannot read the logo"),
        ('logo = "logo.gif"', "must name a .png or .svg"),
        ("logo = 3", "must name a .png or .svg"),
        ('logo = "broken.png"', "cannot be decoded"),
    ],
)
def test_bad_logos_say_what_to_fix(tmp_path: Path, logo: str, message: str) -> None:
    (tmp_path / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    with pytest.raises(themes.ThemeError, match=message):
        themes.load_theme(theme_file(tmp_path, logo + "\n" + DARK))


def test_a_png_logo_beside_a_theme_file(tmp_path: Path, fonts: Fonts) -> None:
    logo = pygame.Surface((120, 40), pygame.SRCALPHA)
    logo.fill((228, 87, 46, 255))
    pygame.image.save(logo, str(tmp_path / "acme.png"))
    path = theme_file(tmp_path, 'logo = "acme.png"\n' + DARK.replace('name = "dark"', ""))
    r = render(load_board("desktop"), vm.ACTIVATION, "en", fonts, theme=path)
    check_geometry(r)
    assert r.layout is not None and r.layout.logo is not None
    x, y, w, h = r.layout.logo
    assert w == 3 * h  # its aspect kept
    assert r.surface.get_at((x + w // 2, y + h // 2))[:3] == (228, 87, 46)


BOARDS = [SMALLEST, *list_boards()]


@pytest.mark.parametrize("board", BOARDS, ids=lambda b: b.name)
@pytest.mark.parametrize("language", ["en", "ar"])
def test_the_logo_leaves_the_code_url_and_qr_alone(
    board: Board, language: str, fonts: Fonts
) -> None:
    r = render(board, vm.ACTIVATION, language, fonts, theme=BRAND)
    check_geometry(r)  # the logo inside the safe area, overlapping nothing
    check_whole_words(r)
    lo = r.layout
    assert lo is not None and lo.logo is not None and lo.qr is not None
    code, uri = lo.box("code"), lo.box("uri")
    assert code is not None and code.lines == ("WDJB-MJHT",)
    assert uri is not None and "".join(uri.lines) == "https://example.com/device"
    assert decode(r.surface) == [screenshot.SAMPLE_CODE["verification_uri_complete"]]
    # The logo is drawn (the mark's mint), at the start of the first line of the screen.
    x, y, w, h = lo.logo
    mint = themes.load_theme(BRAND).accent
    assert mint in {tuple(r.surface.get_at((x + i, y + h // 2)))[:3] for i in range(w)}
    sx, sy, sw, _ = r.safe
    assert y == sy and (x == sx if language == "en" else x + w == sx + sw)
    # Below the logo: the code's box starts lower than the logo ends.
    assert all(b.rect[1] >= y + h for b in r.boxes())


def test_every_screen_carries_the_logo(fonts: Fonts) -> None:
    board = load_board("pi-dsi-7in")._replace()
    for screen in vm.SCREENS:
        r = render(board, screen, "de", fonts, theme=BRAND)
        check_geometry(r)
        assert r.layout is not None and r.layout.logo is not None
        assert layout.inside(r.layout.logo, r.safe)


def test_the_renderer_keeps_no_logo_picture(fonts: Fonts) -> None:
    """The logo is drawn when a whole screen is painted, not kept (issue 14: memory)."""
    from .test_render_memory import surfaces_in

    r = render(load_board("tv-4k"), vm.ACTIVATION, "en", fonts, theme=BRAND)
    assert r.layout is not None and r.layout.logo is not None
    assert surfaces_in(r) == [r.surface]
