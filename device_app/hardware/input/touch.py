"""Touch panels and mouse clicks: a tap on a button is the same action as the remote's key.

Screens register the rectangles they drew (logical coordinates) with the action each stands
for; taps arrive in panel coordinates, so a panel mounted turned is mapped back first.
"""

from __future__ import annotations

from collections.abc import Iterator

import pygame

from device_app.hardware.display.rotation import panel_size, point_to_logical
from device_app.hardware.input.actions import ALL_ACTIONS

RectLike = pygame.Rect | tuple[int, int, int, int]


class TouchTargets:
    """Rectangles on the logical surface, each standing for an action; last added wins."""

    def __init__(self, size: tuple[int, int], rotation: int = 0) -> None:
        self.size = size
        self.rotation = rotation
        self._targets: list[tuple[pygame.Rect, str]] = []

    def clear(self) -> None:
        """Forget every target (call when a screen is redrawn from scratch)."""
        self._targets.clear()

    def add(self, rect: RectLike, action: str) -> None:
        """Make taps inside ``rect`` (logical coordinates) produce ``action``."""
        if action not in ALL_ACTIONS:
            raise ValueError(f"unknown action {action!r}")
        self._targets.append((pygame.Rect(rect), action))

    def __iter__(self) -> Iterator[tuple[pygame.Rect, str]]:
        return iter(list(self._targets))

    def __len__(self) -> int:
        return len(self._targets)

    def hit(self, pos: tuple[int, int]) -> str | None:
        """The action under a logical point, or None."""
        for rect, action in reversed(self._targets):  # drawn last = on top
            if rect.collidepoint(pos):
                return action
        return None

    def hit_panel(self, pos: tuple[int, int]) -> str | None:
        """The action under a panel (screen) point, undoing the board's rotation."""
        pw, ph = panel_size(self.size, self.rotation)
        if not (0 <= pos[0] < pw and 0 <= pos[1] < ph):
            return None
        return self.hit(point_to_logical(pos, self.size, self.rotation))

    def translate(self, event: pygame.event.Event) -> str | None:
        """The action for a tap (FINGERDOWN) or a left click (MOUSEBUTTONDOWN), else None.

        SDL also turns each touch into a synthetic mouse click (``event.touch`` is True);
        those are skipped so one tap gives one action.
        """
        if event.type == pygame.FINGERDOWN:
            # Finger positions are fractions of the panel, 0..1.
            pw, ph = panel_size(self.size, self.rotation)
            x = min(pw - 1, int(float(event.x) * pw))
            y = min(ph - 1, int(float(event.y) * ph))
            return self.hit_panel((x, y))
        if event.type == pygame.MOUSEBUTTONDOWN and getattr(event, "button", 0) == 1:
            if getattr(event, "touch", False):
                return None
            px, py = event.pos
            return self.hit_panel((int(px), int(py)))
        return None
