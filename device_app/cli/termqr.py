"""A QR code drawn in a terminal with half-block characters, two modules per character row."""

from __future__ import annotations

import qrcode
import qrcode.constants

QUIET_ZONE = 4  # modules; ISO/IEC 18004 asks for four


def qr_matrix(data: str, border: int = QUIET_ZONE) -> list[list[bool]]:
    """The module matrix (True = dark) of ``data`` at error correction M, with a quiet zone."""
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=border)
    qr.add_data(data)
    qr.make(fit=True)
    return [list(row) for row in qr.get_matrix()]


def render_terminal(data: str, colour: bool = True) -> str:
    """Text that shows a scannable QR code: dark modules on a light background.

    Colour mode forces black on white with ANSI codes, so it scans in dark terminals too.
    """
    m = qr_matrix(data)
    if len(m) % 2:
        m.append([False] * len(m[0]))
    lines = []
    for y in range(0, len(m), 2):
        row = []
        for top, bottom in zip(m[y], m[y + 1], strict=True):
            # Characters draw the LIGHT parts, so dark modules stay background-black.
            row.append(
                {
                    (False, False): "█",
                    (True, False): "▄",
                    (False, True): "▀",
                    (True, True): " ",
                }[(top, bottom)]
            )
        line = "".join(row)
        lines.append("\x1b[97;40m" + line + "\x1b[0m" if colour else line)
    return "\n".join(lines)
