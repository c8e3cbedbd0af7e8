"""Small displays for the example firmware.

``Display`` is what the sign-in screen needs: a grid of 8x8 text cells (MicroPython's
``framebuf`` font), filled rectangles, ``clear()`` and ``show()``. ``FrameBufferDisplay``
draws on any ``framebuf.FrameBuffer`` that has a ``show()`` method, which is what the
micropython-lib ``ssd1306`` driver's ``SSD1306_I2C`` is; ``ConsoleDisplay`` prints the text
grid (for the unix port and for debugging over the serial console).
"""

CELL = 8  # framebuf's built-in font is 8x8 pixels


def printable(text):
    """The built-in font has glyphs for ASCII 32..126 only; anything else shows as '?'."""
    out = []
    for ch in text:
        o = ord(ch)
        out.append(ch if 32 <= o <= 126 else "?")
    return "".join(out)


class Display:
    """A monochrome pixel display addressed as text rows of 8x8 cells."""

    width = 128
    height = 64

    @property
    def columns(self):
        return self.width // CELL

    @property
    def rows(self):
        return self.height // CELL

    def clear(self):
        """Blank the frame buffer (nothing changes on the glass until ``show()``)."""
        raise NotImplementedError

    def text(self, s, x, y):
        """Draw ``s`` with its top-left corner at pixel (x, y)."""
        raise NotImplementedError

    def fill_rect(self, x, y, w, h, color=1):
        raise NotImplementedError

    def show(self):
        """Send the frame buffer to the glass."""
        raise NotImplementedError

    def row(self, n, s, center=False):
        """Draw ``s`` on text row ``n``, cut to the width, optionally centred."""
        s = printable(s)[: self.columns]
        x = (self.columns - len(s)) * CELL // 2 if center else 0
        self.text(s, x, n * CELL)


class FrameBufferDisplay(Display):
    """A display backed by a ``framebuf.FrameBuffer`` with a ``show()`` (e.g. SSD1306_I2C)."""

    def __init__(self, fb, width=128, height=64):
        self.fb = fb
        self.width = width
        self.height = height

    def clear(self):
        self.fb.fill(0)

    def text(self, s, x, y):
        self.fb.text(printable(s), x, y, 1)

    def fill_rect(self, x, y, w, h, color=1):
        self.fb.fill_rect(x, y, w, h, color)

    def show(self):
        self.fb.show()


def ssd1306_i2c(i2c, width=128, height=64, addr=0x3C):
    """A ``FrameBufferDisplay`` on an SSD1306 OLED over I2C (micropython-lib ``ssd1306``)."""
    import ssd1306  # installed on the board with: mpremote mip install ssd1306

    return FrameBufferDisplay(ssd1306.SSD1306_I2C(width, height, i2c, addr), width, height)


class ConsoleDisplay(Display):
    """Prints the text grid on ``show()``; pixels (QR codes) are not drawn."""

    def __init__(self, width=128, height=64, out=print):
        self.width = width
        self.height = height
        self.out = out
        self.clear()

    def clear(self):
        self.grid = [" " * self.columns for _ in range(self.rows)]

    def text(self, s, x, y):
        r = y // CELL
        c = x // CELL
        if 0 <= r < self.rows:
            line = self.grid[r]
            s = printable(s)[: max(0, self.columns - c)]
            self.grid[r] = line[:c] + s + line[c + len(s) :]

    def fill_rect(self, x, y, w, h, color=1):
        pass

    def show(self):
        self.out("+" + "-" * self.columns + "+")
        for line in self.grid:
            self.out("|" + line + "|")
        self.out("+" + "-" * self.columns + "+")
