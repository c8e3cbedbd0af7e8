"""What the renderer keeps in memory: no surface of its own beside the one it draws on
(issue 14: a 1080p surface is 8 MiB, a 4K one 32 MiB, on a 512 MB Pi Zero 2 W)."""

from __future__ import annotations

import pygame
import pytest

from device_app.hardware.boards import load_board
from device_app.ui import qr
from device_app.ui import viewmodel as vm
from device_app.ui.fonts import Fonts

from .test_render import render


def surfaces_in(obj: object, seen: set[int] | None = None, depth: int = 0) -> list[pygame.Surface]:
    """Every pygame surface reachable from ``obj``'s attributes and containers."""
    seen = set() if seen is None else seen
    if id(obj) in seen or depth > 6:
        return []
    seen.add(id(obj))
    if isinstance(obj, pygame.Surface):
        return [obj]
    if isinstance(obj, dict):
        children = [*obj.keys(), *obj.values()]
    elif isinstance(obj, (list, tuple, set, frozenset)):
        children = list(obj)
    elif hasattr(obj, "__dict__") and type(obj).__module__.startswith("device_app"):
        children = list(vars(obj).values())
    else:
        return []
    return [s for c in children for s in surfaces_in(c, seen, depth + 1)]


@pytest.mark.parametrize("board", ["pi-hdmi-1080p", "tv-4k"])
@pytest.mark.parametrize("screen", [vm.ACTIVATION, vm.HOME])
def test_the_renderer_keeps_only_the_surface_it_draws_on(
    board: str, screen: str, fonts: Fonts
) -> None:
    r = render(load_board(board), screen, "en", fonts)
    assert surfaces_in(r) == [r.surface]


@pytest.mark.parametrize("ppm", [1, 3, 12])
def test_the_qr_painted_in_place_equals_the_scaled_qr_surface(ppm: int) -> None:
    payload = "https://example.com/activate?user_code=BCDFGHJKL"
    dark, light = (10, 20, 30), (240, 230, 220)
    side = qr.modules(payload) * ppm
    target = pygame.Surface((side + 7, side + 5))
    target.fill((1, 2, 3))
    area = qr.draw(target, (7, 5), payload, ppm, dark, light)
    assert area == pygame.Rect(7, 5, side, side)
    painted = target.subsurface(area)
    expected = qr.surface(payload, ppm, dark, light)
    assert pygame.image.tobytes(painted, "RGB") == pygame.image.tobytes(expected, "RGB")
    assert target.get_at((0, 0))[:3] == (1, 2, 3)  # nothing outside the QR's square


def test_a_qr_partly_off_the_target_paints_only_what_shows() -> None:
    payload = "https://example.com/activate?user_code=BCDFGHJKL"
    dark, light = (10, 20, 30), (240, 230, 220)
    target = pygame.Surface((20, 20))
    area = qr.draw(target, (-3, -2), payload, 2, dark, light)
    assert area == pygame.Rect(0, 0, 20, 20)
    expected = pygame.Surface((20, 20))
    expected.blit(qr.surface(payload, 2, dark, light), (-3, -2))
    assert pygame.image.tobytes(target, "RGB") == pygame.image.tobytes(expected, "RGB")
