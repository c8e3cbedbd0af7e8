"""Software rotation: the UI draws on a logical surface; the panel may be mounted turned.

``rotation`` is clockwise degrees: with 90 the logical top edge appears on the panel's right
side. kmsdrm ignores the firmware's ``display_lcd_rotate`` (design-notes §6), so every
back end rotates in software, one dirty rectangle at a time.
"""

from __future__ import annotations

import pygame

Rect = tuple[int, int, int, int]


def panel_size(size: tuple[int, int], rotation: int) -> tuple[int, int]:
    """The panel's size for a logical size: width and height swap at 90 and 270 degrees."""
    w, h = size
    return (h, w) if rotation in (90, 270) else (w, h)


def rect_to_panel(rect: Rect, size: tuple[int, int], rotation: int) -> Rect:
    """Where a logical rectangle lands on the panel."""
    x, y, w, h = rect
    lw, lh = size
    if rotation == 0:
        return (x, y, w, h)
    if rotation == 90:
        return (lh - y - h, x, h, w)
    if rotation == 180:
        return (lw - x - w, lh - y - h, w, h)
    if rotation == 270:
        return (y, lw - x - w, h, w)
    raise ValueError(f"rotation must be 0, 90, 180 or 270, not {rotation!r}")


def point_to_logical(pos: tuple[int, int], size: tuple[int, int], rotation: int) -> tuple[int, int]:
    """The logical point under a panel pixel (for touch panels mounted turned)."""
    px, py = pos
    lw, lh = size
    if rotation == 0:
        return (px, py)
    if rotation == 90:
        return (py, lh - 1 - px)
    if rotation == 180:
        return (lw - 1 - px, lh - 1 - py)
    if rotation == 270:
        return (lw - 1 - py, px)
    raise ValueError(f"rotation must be 0, 90, 180 or 270, not {rotation!r}")


def clip_rects(rects: list[pygame.Rect] | None, size: tuple[int, int]) -> list[pygame.Rect]:
    """Dirty rectangles clipped to the surface; None means the whole surface."""
    full = pygame.Rect(0, 0, size[0], size[1])
    if rects is None:
        return [full]
    out = [full.clip(r) for r in rects]
    return [r for r in out if r.w > 0 and r.h > 0]


def blit_rotated(
    src: pygame.Surface, dst: pygame.Surface, rects: list[pygame.Rect], rotation: int
) -> list[pygame.Rect]:
    """Copy ``rects`` of the logical ``src`` onto the panel surface ``dst``, turned.

    Returns the panel rectangles that changed.
    """
    size = src.get_size()
    out = []
    for r in rects:
        pr = pygame.Rect(rect_to_panel((r.x, r.y, r.w, r.h), size, rotation))
        piece = src.subsurface(r)
        if rotation:
            # transform.rotate turns counter-clockwise; ours is clockwise.
            piece = pygame.transform.rotate(piece, -rotation)
        dst.blit(piece, pr.topleft)
        out.append(pr)
    return out
