"""The QR code: a module matrix from the qrcode library, drawn at integer pixels per module."""

from __future__ import annotations

import functools
import sys
import threading
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # the TV's start-up helper encodes without loading pygame
    import pygame

QUIET_ZONE = 4  # modules of light border (ISO/IEC 18004; design-notes §5.1)

Colour = tuple[int, int, int]


DRAWERS = "qrcode.image.styles.moduledrawers"
_IMPORT = threading.Lock()  # one thread at a time hides and restores Pillow

Rows = tuple[tuple[bool, ...], ...]


class Encoder(Protocol):
    """Another encoder to ask first (the TV's start-up helper process); None from either
    call means "encode it here"."""

    def qr_side(self, payload: str) -> int | None:
        """The side in modules (quiet zone included): known before the modules are."""

    def qr_rows(self, payload: str) -> Rows | None:
        """The modules, as :func:`encode` gives them."""


_encoder: Encoder | None = None


def use_encoder(encoder: Encoder | None) -> None:
    """Ask ``encoder`` first, and encode here only when it answers None; ``None`` goes back
    to encoding here. Any encoder gives the same modules."""
    global _encoder
    _encoder = encoder


def _qrcode() -> Any:
    """The ``qrcode`` package, imported without Pillow when nothing has imported Pillow yet.

    qrcode's package of styled module drawers imports Pillow whenever it is installed,
    although only qrcode's Pillow image factories use it: 13 ms and 4 MiB on the way to the
    first activation frame (benchmarks/bench_budget.py). The import runs with Pillow hidden,
    then the drawers' package is forgotten, so that whoever imports it later gets it whole.
    """
    with _IMPORT:
        if "qrcode.main" in sys.modules or "PIL" in sys.modules:
            import qrcode

            return qrcode
        sys.modules["PIL"] = None  # type: ignore[assignment]  # `import PIL` raises ImportError
        try:
            import qrcode
        finally:
            if "PIL" in sys.modules and sys.modules["PIL"] is None:
                del sys.modules["PIL"]
            # list() copies the names in one step under the GIL: other threads import while
            # the first screen is drawn (the flow's worker), and iterating sys.modules itself
            # raised "dictionary changed size during iteration" on the virtual TV.
            for name in list(sys.modules):
                if name == DRAWERS or name.startswith(DRAWERS + ".pil"):
                    sys.modules.pop(name, None)
    return qrcode


def load() -> None:
    """Import the QR encoder now (the first :func:`matrix` would otherwise), unless another
    encoder is in use."""
    if _encoder is None:
        _qrcode()


@functools.lru_cache(maxsize=8)
def matrix(payload: str) -> Rows:
    """Rows of modules (True = dark), quiet zone included."""
    encoder = _encoder
    rows = encoder.qr_rows(payload) if encoder is not None else None
    return rows if rows is not None else encode(payload)


@functools.lru_cache(maxsize=8)
def modules(payload: str) -> int:
    """Side of the QR in modules, quiet zone included. Another encoder knows it before it
    has the modules: the layout goes on while it encodes."""
    encoder = _encoder
    side = encoder.qr_side(payload) if encoder is not None else None
    return side if side is not None else len(matrix(payload))


def fitted(payload: str) -> Any:
    """A ``qrcode.QRCode`` holding ``payload`` at the smallest version that fits it, not yet
    encoded. Level M (design-notes §5.1: screens are not damaged, so M's 15 % recovery is
    plenty and keeps the version small)."""
    qrcode = _qrcode()
    code = qrcode.QRCode(
        version=None,
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        box_size=1,
        border=QUIET_ZONE,
    )
    code.add_data(payload.encode("utf-8"))
    code.best_fit()
    return code


def side_of(code: Any) -> int:
    """The side of a :func:`fitted` code in modules, quiet zone included."""
    return int(code.version) * 4 + 17 + 2 * QUIET_ZONE


def rows_of(code: Any) -> Rows:
    """The modules of a :func:`fitted` code (the mask chosen as the standard says)."""
    code.make(fit=False)
    return tuple(tuple(bool(c) for c in row) for row in code.get_matrix())


def encode(payload: str) -> Rows:
    """:func:`matrix`, always encoded here."""
    return rows_of(fitted(payload))


def draw(
    target: pygame.Surface,
    topleft: tuple[int, int],
    payload: str,
    ppm: int,
    dark: Colour,
    light: Colour,
) -> pygame.Rect:
    """Paint the QR at ``ppm`` pixels per module straight onto ``target``: an image of one
    pixel per module, scaled by the integer ``ppm`` into the target's square (nearest
    neighbour, as :func:`surface`). No surface the QR's size is made (at 4K one would be
    10 MiB), and one scale costs a fifth of filling each run of dark modules (measured)."""
    import pygame

    rows = matrix(payload)
    n = len(rows)
    d, li = bytes(dark), bytes(light)
    small = pygame.image.frombytes(
        b"".join(d if m else li for row in rows for m in row), (n, n), "RGB"
    )
    area = pygame.Rect(topleft[0], topleft[1], n * ppm, n * ppm)
    inside = area.clip(target.get_rect())
    if inside != area:  # partly off the target: paint what shows (never in a layout)
        target.blit(pygame.transform.scale(small, area.size), area)
        return inside
    pygame.transform.scale(small.convert(target), area.size, target.subsurface(area))
    return area


def surface(payload: str, ppm: int, dark: Colour, light: Colour) -> pygame.Surface:
    """The QR at ``ppm`` pixels per module: one pixel per module, then an integer
    nearest-neighbour scale (never smoothscale, which would blur module edges)."""
    import pygame

    rows = matrix(payload)
    n = len(rows)
    small = pygame.Surface((n, n))
    small.fill(light)
    for y, row in enumerate(rows):
        for x, dark_module in enumerate(row):
            if dark_module:
                small.set_at((x, y), dark)
    return pygame.transform.scale(small, (n * ppm, n * ppm))
