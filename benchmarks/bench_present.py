"""Measure what ``present()`` costs per board: ``python benchmarks/bench_present.py [BOARD...]``.

Runs off-screen (and into a temporary file standing in for the framebuffer), so it works on a
build machine and on a Pi over SSH while the service is stopped.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

from device_app.hardware.boards import Board, load_board
from device_app.hardware.display import Display, open_display


def _per_call_ms(d: Display, rects: list[tuple[int, int, int, int]] | None, n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        d.present(rects)
    return (time.perf_counter() - start) / n * 1000


def measure(board: Board, n: int = 20) -> list[str]:
    """Full-frame and small-rectangle present times for one board, as printable lines."""
    w, h = board.size
    small = (w // 8, h // 4, w // 4, h // 8)
    with tempfile.TemporaryDirectory() as tmp:
        if board.display == "framebuffer":
            fb = Path(tmp) / "fb"
            fb.write_bytes(b"")
            d = open_display(board, sysfs_root=Path(tmp), framebuffer=str(fb))
        else:
            d = open_display(board, offscreen=True)
        try:
            d.surface.fill((30, 60, 90))
            full = _per_call_ms(d, None, n)
            part = _per_call_ms(d, [small], n * 5)
        finally:
            d.close()
    return [
        f"{board.name} {w}x{h} rotation {board.rotation}: full frame {full:.2f} ms, "
        f"{small[2]}x{small[3]} rectangle {part:.3f} ms"
    ]


def main(argv: list[str]) -> int:
    """Measure the named boards (default: every shipped board, plus 1080p turned 90°)."""
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    boards = [load_board(n) for n in argv] or [
        load_board(n) for n in ("spi-480x320", "pi-dsi-7in", "pi-hdmi-1080p", "tv-4k")
    ]
    if not argv:
        boards.append(load_board("pi-hdmi-1080p")._replace(rotation=90))
    for b in boards:
        for line in measure(b):
            sys.stdout.write(line + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
