"""Every screen on every board and in every language: inside the safe area, nothing
overlapping, and the QR decodes to exactly the URI it should carry."""

from __future__ import annotations

import itertools

import pygame
import pytest
import zxingcpp
from PIL import Image

from device_app.hardware.boards import Board, list_boards, load_board
from device_app.tv import screenshot
from device_app.ui import i18n, layout, themes
from device_app.ui import viewmodel as vm
from device_app.ui.fonts import Fonts
from device_app.ui.render import Insets, Renderer

BOARDS = list_boards()
LANGUAGES = sorted({"en", *i18n.available_languages()})

# Google's maxima: a 15-character code and a 40-character URL (design-notes §5).
LONG_CODE: dict[str, object] = {
    "user_code": "WWWWWWWWWWWWWWW",
    "verification_uri": "https://accounts.example-company.com/dev",
    "verification_uri_complete": None,
    "expires_in": 1800,
}
PLAIN_CODE: dict[str, object] = {  # 9 characters without a dash, and a complete URI for the QR
    "user_code": "BCDFGHJKL",
    "verification_uri": "https://example.com/activate",
    "verification_uri_complete": "https://example.com/activate?user_code=BCDFGHJKL",
    "expires_in": 900,
}
SIZES = [(320, 240), (480, 320), (800, 480), (480, 800), (1280, 720), (1920, 1080), (3840, 2160)]


def decode(surface: pygame.Surface) -> list[str]:
    img = Image.frombytes("RGB", surface.get_size(), pygame.image.tobytes(surface, "RGB"))
    return [r.text for r in zxingcpp.read_barcodes(img)]


def check_geometry(r: Renderer, absurd_input: bool = False) -> None:
    """Every drawn text and every box inside the safe area; no two boxes overlap."""
    lo = r.layout
    assert lo is not None
    assert absurd_input or not lo.problems, lo.problems
    rects = [(b.name, b.rect) for b in r.boxes()]
    if lo.qr is not None:
        rects.append(("qr", lo.qr))
    if lo.logo is not None:
        rects.append(("logo", lo.logo))
    for name, rect in rects:
        assert layout.inside(rect, r.safe), (name, rect, r.safe)
    for (na, a), (nb, b) in itertools.combinations(rects, 2):
        assert not layout.overlaps(a, b), (na, a, nb, b)
    for name, drawn in r.drawn.items():
        box = next(b for b in r.boxes() if b.name == name)
        for d in drawn:
            assert layout.inside((d.x, d.y, d.w, d.h), box.rect), (name, d, box.rect)


def check_whole_words(r: Renderer) -> None:
    """Every box shows its whole text, broken only where a line may break (after a space,
    between Japanese characters, after a URI's punctuation): no word cut, nothing dropped."""
    assert r.composition is not None
    for b in r.boxes():
        el = r.composition.element(b.name)
        assert el is not None
        text = el.text
        breaks: set[int] = set()
        at = 0
        for piece in layout.pieces(text, b.kind):
            breaks.update({at, at + len(piece) - len(piece.lstrip(" "))})
            at += len(piece)
        pos = 0
        for i, line in enumerate(b.lines):
            if i:
                while text.startswith(" ", pos):
                    pos += 1
                assert pos in breaks, (b.name, b.lines)
            assert text.startswith(line, pos), (b.name, b.lines, text)
            pos += len(line)
        assert not text[pos:].strip(), (b.name, b.lines, text)


def render(
    board: Board,
    screen: str,
    language: str,
    fonts: Fonts,
    code: dict[str, object] | None = None,
    theme: str | None = None,
) -> Renderer:
    surface = pygame.Surface((board.width, board.height))
    c = screenshot.sample_controller(screen, board, code=code, language=language)
    r = Renderer(
        surface,
        themes.load_theme(theme or board.theme),
        i18n.translator(language),
        Insets(
            board.safe_area.top, board.safe_area.right, board.safe_area.bottom, board.safe_area.left
        ),
        fonts,
    )
    r.render(c.view(screenshot.SAMPLE_NOW + 1))
    return r


def test_there_are_boards_and_languages() -> None:
    assert "desktop" in {b.name for b in BOARDS}
    assert {"en", "it"} <= set(LANGUAGES)
    assert {"de", "fr", "es", "pt_BR", "ja", "ar"} <= set(LANGUAGES)


# The smallest panel there is (no board of ours is this small, but the design notes go down to
# it), beside every board: each screen, in each language.
SMALLEST = load_board("desktop")._replace(name="320x240", width=320, height=240)


@pytest.mark.parametrize("board", [SMALLEST, *BOARDS], ids=lambda b: b.name)
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_screen_fits(board: Board, language: str, fonts: Fonts) -> None:
    for screen in screenshot.SAMPLES:  # every screen, and Home with accounts (and full)
        r = render(board, screen, language, fonts)
        check_geometry(r)
        check_whole_words(r)
        names = {b.name for b in r.boxes()}
        if screen in vm.CODE_SCREENS:
            assert {"code", "uri", "countdown", "status", "footer"} <= names
            code = r.layout.box("code") if r.layout else None
            assert code is not None and code.lines == ("WDJB-MJHT",)
            uri = r.layout.box("uri") if r.layout else None
            assert uri is not None and "".join(uri.lines) == "https://example.com/device"
        else:
            assert "title" in names and "footer" in names
        if screen == vm.ACTIVATION:
            assert decode(r.surface) == [screenshot.SAMPLE_CODE["verification_uri_complete"]]
        if screen == vm.LANGUAGE:
            options = [b for b in r.boxes() if b.kind == "option"]
            assert len(options) == len(LANGUAGES) and [b for b in options if b.focused]


@pytest.mark.parametrize("board", BOARDS, ids=lambda b: b.name)
def test_qr_decodes_to_the_complete_uri(board: Board, fonts: Fonts) -> None:
    r = render(board, vm.ACTIVATION, "en", fonts)
    assert decode(r.surface) == [screenshot.SAMPLE_CODE["verification_uri_complete"]]


@pytest.mark.parametrize(("w", "h"), SIZES, ids=lambda v: str(v))
@pytest.mark.parametrize("language", LANGUAGES)
def test_longest_code_and_url_fit_every_size(w: int, h: int, language: str, fonts: Fonts) -> None:
    board = load_board("desktop")._replace(width=w, height=h)
    for code in (LONG_CODE, PLAIN_CODE):
        r = render(board, vm.ACTIVATION, language, fonts, code)
        check_geometry(r)
        lo = r.layout
        assert lo is not None
        # The code is never cut, re-cased or re-grouped, and sits on one line.
        box = lo.box("code")
        assert box is not None and box.lines == (code["user_code"],)
        assert "".join(lo.box("uri").lines) == code["verification_uri"]  # type: ignore[union-attr]
        expected = code["verification_uri_complete"] or code["verification_uri"]
        assert decode(r.surface) == [expected]
        assert lo.ppm >= layout.MIN_PPM


def test_big_screens_get_a_big_qr(fonts: Fonts) -> None:
    """design-notes §5.1: at 1080p at least 10 px per module and a QR of 410+ px."""
    board = (
        load_board("pi-hdmi-1080p")
        if any(b.name == "pi-hdmi-1080p" for b in BOARDS)
        else load_board("desktop")._replace(width=1920, height=1080)
    )
    r = render(board, vm.ACTIVATION, "en", fonts)
    assert r.layout is not None and r.layout.ppm >= 10 and r.layout.qr is not None
    assert r.layout.qr[2] >= 410


def test_dark_theme_still_draws_dark_modules_on_light(fonts: Fonts) -> None:
    r = render(load_board("desktop"), vm.ACTIVATION, "en", fonts, theme="dark")
    assert r.layout is not None and r.layout.qr is not None
    x, y, side, _ = r.layout.qr
    assert r.surface.get_at((x + 1, y + 1))[:3] == themes.load_theme("dark").card
    ppm = r.layout.ppm
    finder = r.surface.get_at((x + 4 * ppm + ppm // 2, y + 4 * ppm + ppm // 2))[:3]
    assert finder == themes.load_theme("dark").qr_dark
    # Integer scaling: only the two QR colours inside the QR square.
    colours = {tuple(r.surface.get_at((x + i, y + side // 2)))[:3] for i in range(side)}
    assert colours <= {themes.load_theme("dark").card, themes.load_theme("dark").qr_dark}


def test_hostile_strings_are_drawn_clean_and_bounded(fonts: Fonts) -> None:
    board = load_board("desktop")
    code = dict(
        PLAIN_CODE,
        user_code="AB\x1b[2J\u202eCD" + "Z" * 100,
        verification_uri="https://e.com/" + "a" * 400,
    )
    r = render(board, vm.ACTIVATION, "en", fonts, code)
    check_geometry(r, absurd_input=True)
    shown = r.layout.box("code").lines[0]  # type: ignore[union-attr]
    assert "\x1b" not in shown and "\u202e" not in shown and shown.startswith("AB[2JCD")


def test_countdown_updates_redraw_one_small_rectangle(fonts: Fonts) -> None:
    board = load_board("desktop")
    c = screenshot.sample_controller(vm.ACTIVATION, board)
    surface = pygame.Surface((board.width, board.height))
    r = Renderer(surface, themes.load_theme("dark"), i18n.translator("en"), fonts=fonts)
    t = screenshot.SAMPLE_NOW
    assert r.render(c.view(t)) == [surface.get_rect()]
    assert r.render(c.view(t + 0.5)) == []  # same second: nothing to draw
    dirty = r.render(c.view(t + 1.0))
    box = r.layout.box("countdown")  # type: ignore[union-attr]
    assert len(dirty) == 1 and tuple(dirty[0]) == box.rect  # type: ignore[union-attr]
    assert dirty[0].w * dirty[0].h < surface.get_width() * surface.get_height() // 20


def test_countdown_turns_amber_in_the_last_minute(fonts: Fonts) -> None:
    board = load_board("desktop")
    c = screenshot.sample_controller(vm.ACTIVATION, board)
    surface = pygame.Surface((board.width, board.height))
    theme = themes.load_theme("dark")
    r = Renderer(surface, theme, i18n.translator("en"), fonts=fonts)
    t = screenshot.SAMPLE_NOW + 900 - 59
    r.render(c.view(t))
    assert r.composition is not None
    assert r.composition.element("countdown").colour == "warning"  # type: ignore[union-attr]
    drawn = r.drawn["countdown"][0]
    pixels = {tuple(surface.get_at((x, drawn.centery)))[:3] for x in range(drawn.x, drawn.right)}
    assert theme.warning in pixels


def test_focus_change_redraws_only_the_buttons(fonts: Fonts) -> None:
    board = load_board("desktop")
    c = screenshot.sample_controller(vm.CONFIRM_SIGN_OUT, board)
    surface = pygame.Surface((board.width, board.height))
    r = Renderer(surface, themes.load_theme("dark"), i18n.translator("en"), fonts=fonts)
    r.render(c.view(0))
    c.on_action("right", 0)
    dirty = r.render(c.view(0))
    assert len(dirty) == 2
    assert {tuple(d) for d in dirty} == {b.rect for b in r.boxes() if b.kind == "button"}


def test_an_element_colour_that_names_no_theme_colour_is_drawn_in_the_text_colour(
    fonts: Fonts,
) -> None:
    # A theme is a tuple (a NamedTuple): its other attributes, some of them tuples, are no
    # colours.
    r = render(load_board("desktop"), vm.ACTIVATION, "en", fonts)
    for name in ("_fields", "_field_defaults", "count", "index", "name", "logo", "nothing"):
        assert r._colour(name) == r.theme.text, name
    assert r._colour("accent") == r.theme.accent != r.theme.text
