"""Property: any plausible code and URL on any screen size fit without overlap or cuts."""

from __future__ import annotations

import pygame
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from device_app.hardware.boards import Board, list_boards, load_board
from device_app.tv.screenshot import sample_controller
from device_app.ui import i18n, themes
from device_app.ui import viewmodel as vm
from device_app.ui.fonts import Fonts
from device_app.ui.render import Renderer

from .test_render import check_geometry

# RFC 8628 §6.1 base-20 letters, digits for numeric codes, and the usual separators.
CODE_CHARS = "BCDFGHJKLMNPQRSTVWXZ0123456789-"
FONTS: Fonts | None = None


def fonts() -> Fonts:
    global FONTS
    if FONTS is None:
        pygame.font.init()
        FONTS = Fonts()
    return FONTS


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    w=st.integers(320, 1920),
    aspect=st.sampled_from([4 / 3, 16 / 9, 3 / 2, 5 / 3, 0.6]),
    code=st.text(CODE_CHARS, min_size=1, max_size=15),
    path=st.text("abcdefghijklmnopqrstuvwxyz/", min_size=1, max_size=19),
    language=st.sampled_from(sorted({"en", *i18n.available_languages()})),
)
def test_activation_always_fits(w: int, aspect: float, code: str, path: str, language: str) -> None:
    h = max(240, min(2160, round(w / aspect)))
    board = load_board("desktop")._replace(width=w, height=h)
    uri = "https://example.com/" + path  # at most 39 characters
    c = sample_controller(
        vm.ACTIVATION,
        board,
        code={
            "user_code": code,
            "verification_uri": uri,
            "verification_uri_complete": uri + "?c=" + code,
            "expires_in": 600,
        },
    )
    r = Renderer(
        pygame.Surface((w, h)), themes.load_theme("dark"), i18n.translator(language), fonts=fonts()
    )
    r.render(c.view(1001.0))
    check_geometry(r)
    box = r.layout.box("code") if r.layout else None
    assert box is not None and box.lines == (code,)


@settings(max_examples=300, deadline=None)
@given(
    text=st.text(
        st.sampled_from("ab Z -—…،؟ء" + "\u00a0\u2e7f" + "日本語、。テ（）" + "\uff01\u3000"),
        max_size=24,
    )
)
def test_line_break_pieces_are_the_same_whatever_the_path(text: str) -> None:
    # Text with no Japanese takes a short cut (a regular expression); it must cut exactly
    # where the character-by-character rules do, and any text must join back whole.
    from device_app.ui import layout

    got = layout.pieces(text, "text")
    assert "".join(got) == text
    assert got == layout._pieces_by_character(text)


@settings(max_examples=500, deadline=None)
@given(
    text=st.text(
        st.one_of(
            st.characters(max_codepoint=0x07FF),
            st.sampled_from("\u05ff\u0600\u06ff\u0700\u0750\u08a0\u2e7f\u2e80\u3000\ufb50\uff01"),
            st.characters(),
        ),
        max_size=12,
    )
)
def test_needs_segments_short_cut_answers_as_the_character_rule(text: str) -> None:
    # Text below U+0600 skips the per-character loop; the answer must be the loop's.
    from device_app.ui import scripts

    rule = any(ord(c) >= 0x0600 and scripts.script_of(c) for c in text)
    assert scripts.needs_segments(text) == rule


def both_searches(
    monkeypatch: pytest.MonkeyPatch, board: Board, language: str, code: dict[str, object]
) -> tuple[object, object]:
    """The activation layout as searched (attempts whose QR leaves no room for the text are
    cut short) and as the exhaustive search finds it (every attempt fitted in full)."""
    from device_app.ui import layout, qr
    from device_app.ui import screens as sc
    from device_app.ui.fonts import Directed

    c = sample_controller(vm.ACTIVATION, board, code=code, language=language)
    comp = sc.compose(c.view(1001.0), i18n.translator(language))
    m = Directed(fonts(), i18n.is_rtl(language))
    safe = layout.safe_rect(board.width, board.height, *board.safe_area)
    args = (comp, m, board.width, board.height, safe, qr.modules(comp.qr))
    searched = layout.layout_screen(*args)
    cut_short = layout._fit_activation
    with monkeypatch.context() as mp:
        mp.setattr(
            layout,
            "_fit_activation",
            lambda m, plan, scale, memo, force: cut_short(m, plan, scale, memo, True),
        )
        exhaustive = layout.layout_screen(*args)
    return searched, exhaustive


def sample_code(code: str, path: str) -> dict[str, object]:
    uri = "https://example.com/" + path
    return {
        "user_code": code,
        "verification_uri": uri,
        "verification_uri_complete": uri + "?c=" + code,
        "expires_in": 600,
    }


@pytest.mark.parametrize("board", list_boards(), ids=lambda b: b.name)
def test_the_search_finds_the_exhaustive_layout_on_every_board_in_every_language(
    board: Board, monkeypatch: pytest.MonkeyPatch
) -> None:
    for language in sorted({"en", *i18n.available_languages()}):
        for code in (sample_code("WDJB-MJHT", "device"), sample_code("1234567890", "a/b/c")):
            searched, exhaustive = both_searches(monkeypatch, board, language, code)
            assert searched == exhaustive, (board.name, language)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    w=st.integers(320, 3840),
    aspect=st.sampled_from([4 / 3, 16 / 9, 3 / 2, 5 / 3, 0.6, 1.0]),
    code=st.text(CODE_CHARS, min_size=1, max_size=15),
    path=st.text("abcdefghijklmnopqrstuvwxyz/", min_size=1, max_size=40),
    language=st.sampled_from(sorted({"en", *i18n.available_languages()})),
)
def test_the_search_finds_the_exhaustive_layout_at_any_size(
    w: int, aspect: float, code: str, path: str, language: str
) -> None:
    h = max(240, min(2160, round(w / aspect)))
    board = load_board("desktop")._replace(width=w, height=h)
    with pytest.MonkeyPatch.context() as mp:
        searched, exhaustive = both_searches(mp, board, language, sample_code(code, path))
    assert searched == exhaustive
