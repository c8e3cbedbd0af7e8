"""One golden image: the desktop activation screen. Fonts are bundled and pygame-ce ships
its own FreeType, so the picture should match closely; a small tolerance absorbs
anti-aliasing differences between FreeType builds."""

from __future__ import annotations

from pathlib import Path

import pygame
import pytest

from device_app.hardware.boards import load_board
from device_app.tv.screenshot import render_sample

GOLDEN = Path(__file__).parent / "golden" / "activation-desktop-en.png"
# Share of pixels allowed to differ by more than a little (anti-aliasing of glyph edges).
TOLERANCE = 0.002


def test_activation_screen_matches_the_golden_image(tmp_path: Path) -> None:
    board = load_board("desktop")
    surface = pygame.Surface((board.width, board.height))
    render_sample(surface, board, "activation", "en", "dark")
    if not GOLDEN.exists():  # a new layout: write the image, look at it, commit it
        GOLDEN.parent.mkdir(exist_ok=True)
        pygame.image.save(surface, str(GOLDEN))
        pytest.fail("wrote %s; check it by eye and run again" % GOLDEN)
    golden = pygame.image.load(str(GOLDEN))
    assert golden.get_size() == surface.get_size()
    a = pygame.image.tobytes(surface, "RGB")
    b = pygame.image.tobytes(golden, "RGB")
    differ = sum(
        1
        for i in range(0, len(a), 3)
        if max(abs(a[i] - b[i]), abs(a[i + 1] - b[i + 1]), abs(a[i + 2] - b[i + 2])) > 48
    )
    if differ > TOLERANCE * (len(a) // 3):
        pygame.image.save(surface, str(tmp_path / "actual.png"))
    assert differ <= TOLERANCE * (len(a) // 3), "%d pixels differ; see %s" % (
        differ,
        tmp_path / "actual.png",
    )
