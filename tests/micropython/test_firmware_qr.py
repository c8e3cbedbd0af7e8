"""firmware/qr.py against independent references: the ``qrcode`` package, zxing-cpp, and the
same encoder running on the real MicroPython."""

from __future__ import annotations

import importlib.util
import random
import sys
from pathlib import Path
from typing import Any

import mpy
import pytest
import qrcode
import qrcode.util
import zxingcpp
from PIL import Image

FIRMWARE = mpy.REPO / "firmware"
# screen.py imports qr by its top-level name, as on the board.
sys.path.insert(0, str(FIRMWARE))


def load(name: str) -> Any:
    """A firmware module under a private name: tests/display/ is a package called display."""
    spec = importlib.util.spec_from_file_location("firmware_" + name, FIRMWARE / (name + ".py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# firmware/ is untyped MicroPython code (checked by tools/micropython/typecheck.py).
qr = load("qr")
display = load("display")
screen = load("screen")

LEVELS = {
    "L": qrcode.constants.ERROR_CORRECT_L,
    "M": qrcode.constants.ERROR_CORRECT_M,
    "Q": qrcode.constants.ERROR_CORRECT_Q,
    "H": qrcode.constants.ERROR_CORRECT_H,
}
QR_ONLY = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
# Payload lengths that land in every version 1-10 at some level.
LENGTHS = (1, 14, 20, 33, 53, 78, 106, 134, 154, 192, 230, 271)


def payloads() -> list[tuple[str, bytes]]:
    rnd = random.Random(8628)
    out = []
    for level in "LMQH":
        for n in LENGTHS:
            data = bytes(rnd.randrange(0, 256) for _ in range(n))
            try:
                qr.encode(data, level)
            except ValueError:
                continue
            out.append((level, data))
    return out


def image(code: Any, scale: int = 4, border: int = 4) -> Image.Image:
    side = (code.size + 2 * border) * scale
    img = Image.new("L", (side, side), 255)
    for y in range(code.size):
        for x in range(code.size):
            if code.dark(x, y):
                x0, y0 = (x + border) * scale, (y + border) * scale
                img.paste(0, (x0, y0, x0 + scale, y0 + scale))
    return img


def test_every_version_is_reached() -> None:
    versions = {qr.encode(d, level).version for level, d in payloads()}
    assert versions == set(range(1, 11))


@pytest.mark.parametrize("mask", range(8))
def test_matches_the_qrcode_package_module_for_module(mask: int) -> None:
    for level, data in payloads():
        mine = qr.encode(data, level, mask=mask)
        ref = qrcode.QRCode(
            version=mine.version, error_correction=LEVELS[level], border=0, mask_pattern=mask
        )
        ref.add_data(qrcode.util.QRData(data, mode=qrcode.util.MODE_8BIT_BYTE))
        ref.make(fit=False)
        want = [bytearray(1 if c else 0 for c in row) for row in ref.modules]
        assert mine.modules == want, (level, len(data), mine.version)


def test_zxing_decodes_every_size() -> None:
    for level, data in payloads():
        code = qr.encode(data, level)
        found = zxingcpp.read_barcodes(image(code), formats=QR_ONLY, try_invert=False)
        assert len(found) == 1 and found[0].bytes == data, (level, len(data), code.version)


class PillowOled:
    """A 128x64 1-bit frame buffer on Pillow, with the framebuf calls the screen uses."""

    def __init__(self) -> None:
        self.img = Image.new("1", (128, 64), 0)
        self.shown = 0

    def fill(self, c: int) -> None:
        self.img.paste(c, (0, 0, 128, 64))

    def fill_rect(self, x: int, y: int, w: int, h: int, c: int) -> None:
        self.img.paste(c, (x, y, x + w, y + h))

    def text(self, s: str, x: int, y: int, c: int) -> None:
        pass  # glyphs do not matter to the scanner

    def show(self) -> None:
        self.shown += 1


def test_the_oled_qr_page_scans() -> None:
    """What the SSD1306 shows (lit = light) decodes to verification_uri_complete."""
    oled = PillowOled()
    s = screen.SignInScreen(display.FrameBufferDisplay(oled))
    complete = "https://auth.example.com/device?user_code=WDJB-MJHT"
    public = {
        "verification_uri": "https://auth.example.com/device",
        "verification_uri_complete": complete,
        "user_code": "WDJB-MJHT",
    }
    assert s.code(public, 900)
    s.countdown(900 - screen.PAGE_SECONDS)
    assert s.page == 1 and oled.shown == 2
    # A camera sees the glass: lit pixels light, the rest of the panel dark. Put the panel on
    # a dark desk (zxing needs the dark surround, as a phone gets from the bezel) and scale up.
    panel = Image.new("L", (128 + 40, 64 + 40), 0)
    panel.paste(oled.img.convert("L"), (20, 20))
    big = panel.resize((panel.width * 4, panel.height * 4))
    # try_invert=False: a QR drawn with the wrong polarity (dark background) must not pass.
    found = zxingcpp.read_barcodes(big, formats=QR_ONLY, try_invert=False)
    assert [f.text for f in found] == [complete]


def test_micropython_builds_the_same_symbols(micropython: None, tmp_path: Path) -> None:
    """The encoder on MicroPython (masks chosen by its own penalty) equals CPython's."""
    cases = payloads()[::3]
    script = tmp_path / "qr_dump.py"
    script.write_text(
        "import qr, binascii\n"
        "for level, hexdata in %r:\n"
        "    c = qr.encode(binascii.unhexlify(hexdata), level)\n"
        "    print(c.version, c.mask, ''.join(binascii.hexlify(bytes(r)).decode()"
        " for r in c.modules))\n" % [(lv, d.hex()) for lv, d in cases]
    )
    done = mpy.run(script, copies=[(FIRMWARE, "/firmware")], paths=["/firmware"], timeout=300)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().split("\n")
    assert len(lines) == len(cases)
    for (level, data), line in zip(cases, lines, strict=True):
        c = qr.encode(data, level)
        want = "%d %d %s" % (c.version, c.mask, "".join(bytes(r).hex() for r in c.modules))
        assert line == want, (level, len(data))
