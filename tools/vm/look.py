"""What is on the TV's screen, judged from a host screenshot: black or not, QR, text."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from PIL import Image


def is_black(png: Path, threshold: int = 16) -> bool:
    """True when no pixel is brighter than ``threshold`` (a frame that never reached the screen)."""
    with Image.open(png) as im:
        _low, high = im.convert("L").getextrema()
    return bool(high <= threshold)


def qr_texts(png: Path) -> list[str]:
    """The text of every QR code zxing-cpp finds in the screenshot."""
    import zxingcpp

    with Image.open(png) as im:
        return [r.text for r in zxingcpp.read_barcodes(im.convert("RGB"))]


# RFC 8628 section 6.1's user-code alphabet (base-20 consonants), which the simulator's
# standard dialect uses. Told the alphabet, tesseract stops reading "JN" in the TV's
# monospace font as "JIN".
CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ-"


def read_code(png: Path) -> str | None:
    """The user codes drawn in the text half of an activation screen, one per line; None
    without tesseract."""
    if not shutil.which("tesseract"):
        return None
    crop = png.with_suffix(".code.png")
    with Image.open(png) as im:
        from PIL import ImageOps

        gray = im.convert("L")
        ImageOps.invert(gray.crop((0, 0, gray.width // 2, gray.height))).save(crop)
    done = subprocess.run(
        ["tesseract", str(crop), "-", "--psm", "11", "-c",
         "tessedit_char_whitelist=" + CODE_ALPHABET],
        capture_output=True,
        text=True,
        timeout=120,
    )  # fmt: skip
    crop.unlink(missing_ok=True)
    return done.stdout


def ocr_text(png: Path) -> str | None:
    """The screen's text by tesseract, or None when tesseract is not installed.

    The TV draws light text on a dark theme; tesseract reads dark on light better, so the
    image is inverted first.
    """
    if not shutil.which("tesseract"):
        return None
    inverted = png.with_suffix(".ocr.png")
    with Image.open(png) as im:
        from PIL import ImageOps

        ImageOps.invert(im.convert("L")).save(inverted)
    done = subprocess.run(
        ["tesseract", str(inverted), "-", "--psm", "11"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    inverted.unlink(missing_ok=True)
    return done.stdout


def squash(text: str) -> str:
    """Upper case without spaces, so 'WDJB - MJHT' read by OCR matches 'WDJB-MJHT'."""
    return "".join(text.split()).upper()
