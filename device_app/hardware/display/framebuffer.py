"""Linux framebuffer back end for SPI panels (fbtft ``/dev/fb1``) that SDL2 cannot drive.

SDL2 has no fbcon driver any more (design-notes §6), so the UI draws with SDL's dummy
driver and each ``present`` copies the changed rows into the framebuffer device in its own
pixel format: RGB565 or XRGB8888, little-endian, as the kernel's fbdev drivers use on the Pi.
"""

# No ``from __future__ import annotations``: typing.NamedTuple compiles every string
# annotation when the class is made (issue 14: ~2.5 ms of the TV's start over its modules).

import array
import errno
import logging
import os
import sys
from pathlib import Path
from typing import Any, NamedTuple, cast

import pygame

from device_app.hardware.boards import Board
from device_app.hardware.display.base import Display, DisplayError, start_video
from device_app.hardware.display.rotation import panel_size

log = logging.getLogger(__name__)

# Channel masks of the two layouts, as native integers (the Pi is little-endian).
FORMATS: dict[str, tuple[int, tuple[int, int, int, int]]] = {
    "rgb565": (16, (0xF800, 0x07E0, 0x001F, 0)),
    "xrgb8888": (32, (0xFF0000, 0x00FF00, 0x0000FF, 0)),
}
_BY_BPP = {16: "rgb565", 32: "xrgb8888"}


class FbGeometry(NamedTuple):
    """What the kernel says about a framebuffer: size in pixels, format, bytes per row."""

    width: int
    height: int
    fmt: str
    stride: int


def read_geometry(device: str, sysfs_root: Path = Path("/sys")) -> FbGeometry | None:
    """Read ``/sys/class/graphics/fbN/{virtual_size,bits_per_pixel,stride}``; None if absent."""
    base = sysfs_root / "class" / "graphics" / Path(device).name
    try:
        w_text, h_text = (base / "virtual_size").read_text(encoding="ascii").strip().split(",")
        bpp = int((base / "bits_per_pixel").read_text(encoding="ascii").strip())
        width, height = int(w_text), int(h_text)
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    if bpp not in _BY_BPP:
        raise DisplayError(
            f"{device}: {bpp} bits per pixel is not supported (use a 16-bit "
            "RGB565 or a 32-bit XRGB8888 framebuffer)"
        )
    try:
        stride = int((base / "stride").read_text(encoding="ascii").strip())
    except (OSError, ValueError, UnicodeDecodeError):
        stride = width * bpp // 8  # older kernels have no stride file: rows are packed
    return FbGeometry(width, height, _BY_BPP[bpp], stride)


def resolve_geometry(board: Board, device: str, sysfs_root: Path) -> FbGeometry:
    """The geometry to write with: the kernel's when known, checked against the board."""
    psize = panel_size(board.size, board.rotation)
    geo = read_geometry(device, sysfs_root)
    if geo is None:
        fmt = board.framebuffer_format or "rgb565"
        log.info("%s: no sysfs geometry; assuming %dx%d %s", device, psize[0], psize[1], fmt)
        return FbGeometry(psize[0], psize[1], fmt, psize[0] * FORMATS[fmt][0] // 8)
    if board.framebuffer_format and board.framebuffer_format != geo.fmt:
        raise DisplayError(
            f"{device} is {geo.fmt} but board {board.source or board.name} says "
            f"framebuffer_format = {board.framebuffer_format!r}; fix the board "
            "file or leave it empty to follow the device"
        )
    if psize[0] > geo.width or psize[1] > geo.height:
        hint = " (try rotation = 90)" if (psize[1], psize[0]) == (geo.width, geo.height) else ""
        raise DisplayError(
            f"{device} is {geo.width}x{geo.height} but board {board.name} needs "
            f"{psize[0]}x{psize[1]} after rotation{hint}"
        )
    return geo


def dirty_spans(rects: list[pygame.Rect], height: int) -> list[tuple[int, int]]:
    """Merge rectangles into sorted, non-overlapping row spans [start, end)."""
    spans = sorted((max(0, r.top), min(height, r.bottom)) for r in rects if r.h > 0)
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        elif start < end:
            merged.append((start, end))
    return merged


class FramebufferWriter:
    """Write rows of a surface already in the device's pixel format to a framebuffer file."""

    def __init__(self, device: str, geo: FbGeometry) -> None:
        self.device = device
        self.geo = geo
        try:
            self.fd = os.open(device, os.O_WRONLY | getattr(os, "O_CLOEXEC", 0))
        except OSError as e:
            hint = ""
            if e.errno in (errno.EACCES, errno.EPERM):
                hint = " (add the service user to the video group)"
            elif e.errno == errno.ENOENT:
                hint = " (is the panel's dtoverlay in config.txt and the panel connected?)"
            raise DisplayError(f"cannot open framebuffer {device}: {e.strerror}{hint}") from None

    def write(self, panel: pygame.Surface, spans: list[tuple[int, int]]) -> int:
        """Copy the row spans of ``panel`` to the device; returns bytes written."""
        bytes_pp = FORMATS[self.geo.fmt][0] // 8
        row_bytes = panel.get_width() * bytes_pp
        pitch = panel.get_pitch()
        stride = self.geo.stride
        written = 0
        buf = panel.get_buffer()
        try:
            with memoryview(cast(Any, buf)) as view:  # BufferProxy speaks the buffer protocol
                for start, end in spans:
                    if pitch == stride == row_bytes:
                        chunks = [(start * stride, view[start * pitch : end * pitch])]
                    else:
                        chunks = [
                            (y * stride, view[y * pitch : y * pitch + row_bytes])
                            for y in range(start, end)
                        ]
                    for offset, data in chunks:
                        written += self._pwrite(self._native_to_le(data, bytes_pp), offset)
        finally:
            del buf  # releases the surface lock taken by get_buffer()
        return written

    @staticmethod
    def _native_to_le(data: memoryview, bytes_pp: int) -> bytes | memoryview:
        if sys.byteorder == "little":
            return data
        arr = array.array("H" if bytes_pp == 2 else "I", bytes(data))
        arr.byteswap()
        return arr.tobytes()

    def _pwrite(self, data: bytes | memoryview, offset: int) -> int:
        total = 0
        while total < len(data):
            try:
                n = os.pwrite(self.fd, data[total:], offset + total)
            except OSError as e:
                raise DisplayError(f"writing to {self.device} failed: {e.strerror}") from None
            if n <= 0:
                raise DisplayError(f"writing to {self.device} failed: device full")
            total += n
        return total

    def close(self) -> None:
        """Close the device file."""
        os.close(self.fd)


class FramebufferDisplay(Display):
    """Draw with SDL's dummy driver; present copies changed rows to the framebuffer device."""

    def __init__(
        self, board: Board, device: str | None = None, sysfs_root: Path = Path("/sys")
    ) -> None:
        device = device or board.framebuffer
        geo = resolve_geometry(board, device, sysfs_root)
        self.writer = FramebufferWriter(device, geo)
        try:
            self.driver, screen = start_video(["dummy"], board.size, 0, "device-app: " + board.name)
        except DisplayError:
            self.writer.close()
            raise
        depth, masks = FORMATS[geo.fmt]
        panel = pygame.Surface(panel_size(board.size, board.rotation), 0, depth, masks)
        super().__init__(screen, panel, board.rotation)
        self.driver = "framebuffer"
        self.bytes_written = 0

    def _flush(self, changed: list[pygame.Rect], full: bool) -> None:
        spans = dirty_spans(changed, self.panel.get_height())
        self.bytes_written += self.writer.write(self.panel, spans)

    def _release(self) -> None:
        self.writer.close()
        super()._release()
