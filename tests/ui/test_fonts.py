"""One open face per font role, resized for each size the layout tries: it must measure and
draw exactly as a face opened at that size (the layout's results and the golden image
depend on it), and a whole screen must not open more faces than there are roles."""

from __future__ import annotations

import pygame
import pytest

from device_app.assets import FONT_DIR, file_path
from device_app.hardware.boards import load_board
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


@pytest.mark.parametrize("board", ["pi-hdmi-1080p", "tv-4k"])
def test_a_screen_opens_one_face_per_role(board: str) -> None:
    fonts = Fonts()
    render(load_board(board), vm.ACTIVATION, "en", fonts)
    faces = {id(fonts.get(role, size)) for role in FILES for size in range(4, 200, 7)}
    assert len(faces) == len(FILES)
