"""What the sign-in shows on a small display (16x8 text cells on a 128x64 SSD1306).

The text page, always shown::

    Go to:
    example.com/devi      the verification URI, wrapped (https:// is dropped: browsers add it)
    ce
    Code: WDJB-MJHT       the user code exactly as received (RFC 8628 §3.3: always shown)
    ...
    9:58 left             the last row: time left, or why the device is waiting

When the server sent a ``verification_uri_complete`` that fits a QR code at two pixels per
module, a QR page alternates with the text page every ``PAGE_SECONDS``: the code on the
left (light background, as scanners expect), the user code and the time on the right.

It is fed the public view of the flow's events only, so the device code and tokens never
reach it.
"""

from qr import encode

PAGE_SECONDS = 8  # long enough to read a 9-character code, short enough to wait for the QR
# Pixels per module. On a 0.96" 128x64 panel one pixel is about 0.17 mm, below what phone
# cameras resolve at arm's length (a judgement, not measured); two pixels fit version 3.
QR_SCALE = 2
QR_QUIET = 1  # modules of light margin; the spec asks 4, a black OLED frame does the rest


def wrap(text, width):
    """Cut ``text`` into lines of ``width`` characters (URLs and codes have no spaces to keep)."""
    return [text[i : i + width] for i in range(0, len(text), width)] or [""]


def split_code(code, width):
    """The user code in lines of ``width``, broken after its dashes when it must be broken."""
    if len(code) <= width:
        return [code]
    lines = []
    for part in code.replace("-", "- ").split(" "):
        if lines and len(lines[-1]) + len(part) <= width:
            lines[-1] += part
        else:
            lines.extend(wrap(part, width))
    return lines


def shown_uri(uri):
    """The URI as a person types it: without ``https://`` (plain http stays explicit)."""
    if uri.startswith("https://"):
        uri = uri[8:]
    return uri[:-1] if uri.endswith("/") and uri.count("/") == 1 else uri


def clock_text(seconds):
    """``m:ss left`` for a countdown."""
    s = int(seconds)
    if s < 0:
        s = 0
    return "%d:%02d left" % (s // 60, s % 60)


def fit_qr(text, height):
    """A QR code for ``text`` that fits ``height`` pixels at QR_SCALE, or None."""
    for level in ("M", "L"):
        try:
            code = encode(text, level)
        except ValueError:
            return None
        if (code.size + 2 * QR_QUIET) * QR_SCALE <= height:
            return code
    return None


class SignInScreen:
    """Draws the sign-in states on a :class:`display.Display`."""

    def __init__(self, display):
        self.d = display
        self.code_rows = None  # the text page's rows while a code is shown
        self.user_code = None
        self.qr = None
        self.page = 0
        self.shown_at_left = 0
        self.status = ""

    def _draw_rows(self, rows, status=""):
        d = self.d
        d.clear()
        for i in range(min(len(rows), d.rows - 1)):
            d.row(i, rows[i])
        if status:
            d.row(d.rows - 1, status)
        d.show()

    def _draw_qr(self, code, status):
        d = self.d
        d.clear()
        side = (code.size + 2 * QR_QUIET) * QR_SCALE
        top = (d.height - side) // 2
        d.fill_rect(0, top, side, side, 1)
        origin_y = top + QR_QUIET * QR_SCALE
        origin_x = QR_QUIET * QR_SCALE
        for y in range(code.size):
            row = code.modules[y]
            for x in range(code.size):
                if row[x]:
                    d.fill_rect(
                        origin_x + x * QR_SCALE, origin_y + y * QR_SCALE, QR_SCALE, QR_SCALE, 0
                    )
        left = side + 2
        cols = (d.width - left) // 8
        # rows 0-1: the prompt; from row 3: the user code; last row: the time
        placed = [(0, "Scan or"), (1, "type:")]
        for i, part in enumerate(split_code(self.user_code, cols)):
            placed.append((3 + i, part))
        for r, text in placed:
            if r < d.rows - 1:
                d.text(text[:cols], left, r * 8)
        d.text(status.replace(" left", "")[:cols], left, (d.rows - 1) * 8)
        d.show()

    def _draw(self):
        if self.page == 1 and self.qr is not None:
            self._draw_qr(self.qr, self.status)
        else:
            self._draw_rows(self.code_rows, self.status)

    def message(self, *lines):
        """A screen of short lines, each wrapped to the display's width."""
        self.code_rows = None
        self.qr = None
        rows = []
        for line in lines:
            rows.extend(wrap(line, self.d.columns))
        self._draw_rows(rows[: self.d.rows])

    def code(self, public, seconds_left):
        """The code screen, from a ``code`` event's ``public()`` dict. False: cannot show it."""
        cols = self.d.columns
        rows = ["Go to:"]
        rows.extend(wrap(shown_uri(public["verification_uri"]), cols))
        code = public["user_code"]
        if len("Code: " + code) <= cols:
            rows.append("Code: " + code)
        else:
            rows.append("Code:")
            rows.extend(wrap(code, cols))
        if len(rows) > self.d.rows - 1:
            # The URI or code cannot be shown whole: a cut URL would send people elsewhere.
            self.message("The sign-in URL", "is too long for", "this screen.", "See the console.")
            return False
        self.code_rows = rows
        self.user_code = code
        complete = public.get("verification_uri_complete")
        self.qr = fit_qr(complete, self.d.height) if complete else None
        self.page = 0
        self.shown_at_left = seconds_left
        self.status = clock_text(seconds_left)
        self._draw()
        return True

    def set_status(self, text):
        """Redraw the last row (countdown or waiting reason) when it changed."""
        if self.code_rows is None or text == self.status:
            return
        self.status = text
        self._draw()

    def countdown(self, seconds_left):
        """Once a second while waiting: the time left, and the page to show."""
        if self.code_rows is None:
            return
        shown_for = self.shown_at_left - seconds_left
        page = int(shown_for // PAGE_SECONDS) % 2 if self.qr is not None else 0
        text = clock_text(seconds_left)
        if page != self.page or (text != self.status and self.status.endswith("left")):
            self.page = page
            if self.status.endswith("left"):
                self.status = text
            self._draw()
