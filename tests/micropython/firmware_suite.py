"""Portable tests of the example firmware's logic (firmware/): CPython and MicroPython.

The sign-in loop runs against a scripted fake server, a fake clock whose sleep only moves
time, and a fake display that records every frame; the HTTP client runs on fake streams.
On MicroPython the SSD1306 path is also drawn into a real ``framebuf.FrameBuffer``.
Prints "N passed, M failed" and exits 1 when anything failed.
"""

import io
import sys

try:
    import signin
except ImportError:  # CPython, run from the repository: firmware/ is not on the path yet
    _here = __file__.rsplit("/", 1)[0]
    sys.path.insert(0, _here + "/../../firmware")
    import signin

import https
import qr
from core_suite import DEVICE_CODE, TOKENS, FakeServer, code_body, error_body, json_reply
from display import CELL, ConsoleDisplay, Display, FrameBufferDisplay
from screen import SignInScreen, clock_text, shown_uri, split_code

from device_app.core.errors import TransportError
from device_app.core.flow import DeviceFlow
from device_app.core.http import Request
from device_app.core.profile import build_profile

SECRETS = (DEVICE_CODE, "at-SECRET", "rt-SECRET")


class Skip(Exception):
    """The test cannot run on this implementation (counted and reported, never passed)."""


class FakeDisplay(Display):
    """Records text per frame; ``frames`` holds the text rows of each ``show()``."""

    def __init__(self, width=128, height=64):
        self.width = width
        self.height = height
        self.frames = []
        self.current = []
        self.rects = []  # (x, y, w, h, color) of the frame being drawn
        self.frame_rects = []

    def clear(self):
        self.current = []
        self.rects = []

    def text(self, s, x, y):
        assert x >= 0 and y >= 0 and x + len(s) * CELL <= self.width, (s, x, y)
        assert y + CELL <= self.height, (s, y)
        self.current.append((y // CELL, s))

    def fill_rect(self, x, y, w, h, color=1):
        assert 0 <= x and x + w <= self.width and 0 <= y and y + h <= self.height
        self.rects.append((x, y, w, h, color))

    def show(self):
        self.frames.append(list(self.current))
        self.frame_rects.append(list(self.rects))

    def texts(self):
        return [s for frame in self.frames for (_, s) in frame]

    def last(self):
        return [s for (_, s) in self.frames[-1]]


class FakeClock:
    """Monotonic seconds that only move when the code under test sleeps."""

    def __init__(self, start=50.0):
        self.t = start
        self.sleeps = []

    def now(self):
        return self.t

    def sleep(self, seconds):
        assert seconds > 0, "sleeping %r would spin" % seconds
        self.sleeps.append(seconds)
        self.t += seconds


def profile():
    return build_profile("standard", "tv-client", issuer="https://auth.example.com")


def run(replies, display=None, repeat_last=False):
    display = display or FakeDisplay()
    clock = FakeClock()
    logged = []
    server = FakeServer(replies, repeat_last)
    ev, tokens = signin.run_sign_in(
        profile(), server, SignInScreen(display), clock, clock.sleep, log=logged.append
    )
    return ev, tokens, display, clock, logged


def assert_nothing_secret(display, logged):
    for s in SECRETS:
        for t in display.texts():
            assert s not in t, "%s reached the screen" % s
        for entry in logged:
            assert s not in repr(entry), "%s reached the log" % s


# ----------------------------------------------------------------------------- the sign-in loop
def test_shows_code_and_url_then_signs_in():
    ev, tokens, d, clock, logged = run(
        [
            json_reply(200, code_body(expires_in=600, interval=5)),
            json_reply(400, error_body("authorization_pending")),
            json_reply(400, error_body("slow_down")),
            json_reply(200, TOKENS),
        ]
    )
    assert ev.kind == "authorized" and tokens["access_token"] == "at-SECRET"
    code_frames = [f for f in d.frames if (0, "Go to:") in f]
    assert code_frames, "the code screen was never shown"
    first = [s for (_, s) in code_frames[0]]
    assert first[:4] == ["Go to:", "auth.example.com", "/device", "Code: WDJB-MJHT"]
    assert first[-1] == "10:00 left"
    assert "Slower: 10s" in d.texts()
    assert d.last()[0] == "Signed in."
    assert_nothing_secret(d, logged)
    assert [e["event"] for e in logged] == ["code", "pending", "slow_down", "authorized"]
    # never a sleep past the next poll, and the countdown ticks once a second
    assert max(clock.sleeps) <= signin.TICK
    assert abs(clock.t - (50 + 5 + 5 + 10)) < 1e-6
    assert "9:55 left" in d.texts()  # the text page, the first 8 s
    qr_frames = [i for i in range(len(d.frames)) if (0, "Scan or") in d.frames[i]]
    assert qr_frames and d.frame_rects[qr_frames[0]], "the QR page was never drawn"
    assert "9:50" in d.texts()  # the QR page's shorter countdown


def test_server_pending_forever_ends_at_the_local_deadline():
    ev, tokens, d, clock, logged = run(
        [
            json_reply(200, code_body(expires_in=40, interval=5)),
            json_reply(400, error_body("authorization_pending")),
        ],
        repeat_last=True,
    )
    assert ev.kind == "expired" and tokens is None
    assert d.last()[:2] == ["The code has", "expired."]
    assert abs(clock.t - 90.0) < 1e-6  # 50 + 40: not a second more
    assert_nothing_secret(d, logged)


def test_network_down_before_the_code_then_up():
    down = TransportError("no route", reason="connect")
    ev, _, d, _, logged = run([down, json_reply(200, code_body()), json_reply(200, TOKENS)])
    assert ev.kind == "authorized"
    delay = next(e for e in logged if e["event"] == "retrying")["delay"]
    want = ["No network.", "Retry in %ds" % int(delay + 0.999)]
    assert want in [[s for (_, s) in f] for f in d.frames]


def test_denied_and_errors_show_public_fields_only():
    ev, _, d, _, logged = run(
        [json_reply(200, code_body()), json_reply(400, error_body("access_denied", "no"))]
    )
    assert ev.kind == "denied" and d.last()[:2] == ["Sign-in was", "refused."]
    assert_nothing_secret(d, logged)
    ev, _, d, _, logged = run(
        [json_reply(200, code_body()), json_reply(401, error_body("invalid_client"))]
    )
    assert ev.kind == "error"
    assert d.last() == ["Sign-in failed:", "configuration", "invalid_client"]
    assert_nothing_secret(d, logged)


def test_a_uri_too_long_for_the_screen_is_not_cut():
    long_uri = "https://auth.example.com/" + "d" * 100  # 8 rows: more than the screen has
    ev, tokens, d, _, _ = run(
        [json_reply(200, code_body(verification_uri=long_uri, verification_uri_complete=None))]
    )
    # Cancelled (an outcome since cancel() emits it), nothing polled, and the screen still
    # says why: the cancelled event draws nothing.
    assert ev.kind == "cancelled" and tokens is None
    assert d.last()[0] == "The sign-in URL"
    for t in d.texts():
        assert "dddd" not in t


def test_non_ascii_from_the_server_is_drawn_as_question_marks():
    d = FakeDisplay()
    SignInScreen(d).code(
        {"verification_uri": "https://auth.example.com/device", "user_code": "ÄBC-123"}, 60
    )
    assert "Code: ?BC-123" in d.texts()


def qr_from_frame(rects, size):
    """The module matrix drawn by the QR page: dark modules are unlit 2x2 squares."""
    bg = rects[0]
    assert bg[4] == 1, "the QR page starts with its light background"
    scale = 2
    ox, oy = bg[0] + scale, bg[1] + scale
    m = [bytearray(size) for _ in range(size)]
    for x, y, w, h, c in rects[1:]:
        assert c == 0 and w == scale and h == scale
        m[(y - oy) // scale][(x - ox) // scale] = 1
    return m


def test_qr_page_alternates_with_the_text_page():
    d = FakeDisplay()
    s = SignInScreen(d)
    complete = "https://auth.example.com/device?user_code=WDJB-MJHT"
    s.code(
        {
            "verification_uri": "https://auth.example.com/device",
            "verification_uri_complete": complete,
            "user_code": "WDJB-MJHT",
        },
        600,
    )
    assert d.last()[0] == "Go to:"
    s.countdown(593)
    assert len(d.frames) == 2 and d.last()[0] == "Go to:"
    s.countdown(592)  # 8 s later: the QR page
    assert d.last() == ["Scan or", "type:", "WDJB-", "MJHT", "9:52"]
    assert s.qr is not None
    code = qr.encode(complete, s.qr.level)
    assert qr_from_frame(d.frame_rects[-1], code.size) == code.modules
    s.countdown(584)  # and back
    assert d.last()[0] == "Go to:"
    # no complete URI, or one too long for 64 pixels: text page only
    s.code({"verification_uri": "https://a.example/d", "user_code": "ABCD"}, 600)
    s.countdown(590)
    assert s.qr is None and d.last()[0] == "Go to:"
    s.code(
        {
            "verification_uri": "https://a.example/d",
            "verification_uri_complete": "https://a.example/d?c=" + "x" * 120,
            "user_code": "ABCD",
        },
        600,
    )
    assert s.qr is None


def test_split_code():
    assert split_code("WDJB-MJHT", 8) == ["WDJB-", "MJHT"]
    assert split_code("WDJB-MJHT", 9) == ["WDJB-MJHT"]
    assert split_code("ABC-DEF-GHI", 8) == ["ABC-DEF-", "GHI"]
    assert split_code("Q6GR3KMGLXX", 8) == ["Q6GR3KMG", "LXX"]


def test_qr_encoder_structure():
    """Finder, timing, dark module and format bits where ISO/IEC 18004 puts them.

    (Module-for-module equality with the ``qrcode`` package and decoding with zxing-cpp are
    checked under CPython by test_qr.py, which also compares this runtime's output.)
    """
    code = qr.encode("HELLO", "M", mask=5)
    assert code.version == 1 and code.size == 21 and code.mask == 5
    rows = ["".join("#" if v else "." for v in r) for r in code.modules]
    finder = ["#######", "#.....#", "#.###.#", "#.###.#", "#.###.#", "#.....#", "#######"]
    for i in range(7):
        assert rows[i][:7] == finder[i] and rows[i][14:] == finder[i]
        assert rows[14 + i][:7] == finder[i]
        assert rows[i][7] == rows[i][13] == rows[14 + i][7] == "."  # separators
    assert rows[6][8:13] == "#.#.#"  # horizontal timing pattern
    assert "".join(rows[i][6] for i in range(8, 13)) == "#.#.#"  # vertical timing pattern
    assert rows[13][8] == "#"  # the dark module
    # format information, level M (00) and mask 5 (101), BCH-coded and masked with 0x5412
    data = 0b00101
    rem = data
    for _ in range(10):
        rem = (rem << 1) ^ ((rem >> 9) * 0x537)
    bits = (data << 10 | rem) ^ 0x5412
    for i in range(8):  # the copy along the top-right finder: bit i at (x=20-i, y=8)
        assert code.modules[8][20 - i] == (bits >> i) & 1
    assert qr.encode("x" * 20, "M").version == 2 and qr.encode("x" * 14, "M").version == 1
    try:
        qr.encode("x" * 300, "M")
    except ValueError:
        pass
    else:
        raise AssertionError("300 bytes do not fit version 10")


def test_screen_helpers():
    assert shown_uri("https://github.com/login/device") == "github.com/login/device"
    assert shown_uri("https://example.com/") == "example.com"
    assert shown_uri("http://127.0.0.1:8080/device") == "http://127.0.0.1:8080/device"
    assert clock_text(599.9) == "9:59 left" and clock_text(-3) == "0:00 left"


def test_console_display_grid():
    lines = []
    d = ConsoleDisplay(out=lines.append)
    SignInScreen(d).code(
        {"verification_uri": "https://github.com/login/device", "user_code": "WDJB-MJHT"}, 61
    )
    assert lines[0] == "+" + "-" * 16 + "+"
    assert lines[1:6] == [
        "|Go to:          |",
        "|github.com/login|",
        "|/device         |",
        "|Code: WDJB-MJHT |",
        "|                |",
    ]
    assert lines[8] == "|1:01 left       |"


def test_ticks_clock_survives_the_wrap():
    period = 1 << 30  # MicroPython's ticks_ms wraps at 2**30 on most ports
    ticks = [period - 1500]

    def ticks_ms():
        return ticks[0]

    def ticks_diff(a, b):
        d = (a - b) % period
        return d - period if d >= period // 2 else d

    c = signin.TicksClock(ticks_ms, ticks_diff)
    assert c.now() == 0
    ticks[0] = period - 500
    assert c.now() == 1.0
    ticks[0] = 700  # wrapped
    assert c.now() == 2.2
    ticks[0] = 1700
    assert c.now() == 3.2


# ----------------------------------------------------------------------------- HTTP client
class FakeStream:
    """A socket-like stream: reads from a canned reply, records what was written."""

    def __init__(self, reply, chunk=None):
        self.rx = io.BytesIO(reply)
        self.tx = b""
        self.closed = False
        self.chunk = chunk  # serve at most this many bytes per read(), like a socket

    def write(self, data):
        self.tx += data
        return len(data)

    def readline(self):
        return self.rx.readline()

    def read(self, n=-1):
        if self.chunk is not None and (n < 0 or n > self.chunk):
            n = self.chunk
        return self.rx.read(n)

    def close(self):
        self.closed = True


class FakeOpener:
    def __init__(self, replies, chunk=None):
        self.replies = list(replies)
        self.opened = []
        self.streams = []
        self.chunk = chunk

    def __call__(self, scheme, host, port):
        self.opened.append((scheme, host, port))
        item = self.replies.pop(0)
        if isinstance(item, Exception):
            raise item
        s = FakeStream(item, self.chunk)
        self.streams.append(s)
        return s


def http_reply(status, body, extra=""):
    head = "HTTP/1.1 %d X\r\nContent-Type: application/json\r\n%s" % (status, extra)
    return head.encode() + b"Content-Length: %d\r\n\r\n" % len(body) + body


def test_request_bytes_are_exact():
    req = DeviceFlow(profile()).start(0)
    opener = FakeOpener([http_reply(200, b"{}")])
    https.HttpsTransport(opener)(req)
    assert opener.opened == [("https", "auth.example.com", 443)]
    sent = opener.streams[0].tx
    head, body = sent.split(b"\r\n\r\n", 1)
    lines = head.split(b"\r\n")
    assert lines[0] == b"POST /device_authorization HTTP/1.1"
    assert b"Host: auth.example.com" in lines
    assert b"Content-Type: application/x-www-form-urlencoded" in lines
    assert b"Content-Length: %d" % len(body) in lines
    assert b"Connection: close" in lines
    assert body == req.body
    assert opener.streams[0].closed


def test_response_parsing_lengths_chunks_and_limits():
    r = https.read_response(FakeStream(http_reply(428, b'{"error":"x"}', "X-A: 1\r\n"), chunk=3))
    assert r.status == 428 and r.body == b'{"error":"x"}' and r.headers["x-a"] == "1"
    chunked = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        b'4\r\n{"a"\r\n5;ext=1\r\n: 12}\r\n0\r\n\r\n'
    )
    assert https.read_response(FakeStream(chunked, chunk=2)).body == b'{"a": 12}'
    until_close = b"HTTP/1.0 200 OK\r\n\r\nhello"
    assert https.read_response(FakeStream(until_close)).body == b"hello"
    for bad, reason in (
        (http_reply(200, b"x" * 100), "too_large"),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n80\r\n" + b"x" * 128, "too_large"),
        (b"SSH-2.0-OpenSSH\r\n", "other"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", "other"),
        (b"HTTP/1.1 200 OK\r\n" + b"X: y\r\n" * 100 + b"\r\n", "too_large"),
    ):
        try:
            https.read_response(FakeStream(bad), limit=64)
        except TransportError as e:
            assert e.reason == reason, (bad[:20], e.reason)
        else:
            raise AssertionError("accepted %r" % bad[:30])


def test_redirects_are_not_followed():
    moved = b"HTTP/1.1 307 Temporary Redirect\r\nLocation: https://evil.example/\r\n\r\n"
    opener = FakeOpener([moved])
    req = Request("POST", "https://auth.example.com/token", {}, None, b"")
    r = https.HttpsTransport(opener)(req)
    assert r.status == 307 and len(opener.opened) == 1


def test_header_injection_is_refused():
    opener = FakeOpener([http_reply(200, b"{}")])
    req = Request("GET", "https://auth.example.com/x", {"X-Bad": "a\r\nHost: evil"})
    try:
        https.HttpsTransport(opener)(req)
    except TransportError:
        pass
    else:
        raise AssertionError("a header with a line break was sent")


def test_socket_errors_become_transport_errors():
    class Broken(FakeStream):
        def readline(self):
            raise OSError(110)

    def opener(scheme, host, port):
        return Broken(b"")

    try:
        https.HttpsTransport(opener)(Request("GET", "https://auth.example.com/x"))
    except TransportError as e:
        assert e.reason == "timeout"
    else:
        raise AssertionError("no TransportError")


def test_full_stack_through_the_http_client():
    opener = FakeOpener(
        [
            http_reply(200, json_reply(200, code_body(interval=5)).body),
            http_reply(403, b'{"error":"authorization_pending"}'),
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked"
            b"\r\n\r\n"
            + b"%x\r\n" % len(json_reply(200, TOKENS).body)
            + json_reply(200, TOKENS).body
            + b"\r\n0\r\n\r\n",
        ],
        chunk=7,
    )
    clock = FakeClock()
    d = FakeDisplay()
    ev, tokens = signin.run_sign_in(
        profile(), https.HttpsTransport(opener), SignInScreen(d), clock, clock.sleep
    )
    assert ev.kind == "authorized" and tokens["refresh_token"] == "rt-SECRET"
    assert [o[1] for o in opener.opened] == ["auth.example.com"] * 3
    assert b"device_code=" + DEVICE_CODE.encode() in opener.streams[1].tx
    assert "Code: WDJB-MJHT" in d.texts()


# ----------------------------------------------------------------------------- real framebuf
def test_ssd1306_path_draws_into_a_real_framebuf():
    try:
        import framebuf
    except ImportError:
        raise Skip("framebuf is MicroPython's; the MicroPython run covers this test") from None

    class FakeOled(framebuf.FrameBuffer):
        """What ssd1306.SSD1306_I2C is: a 1-bit FrameBuffer with show()."""

        def __init__(self):
            self.buf = bytearray(128 * 64 // 8)
            super().__init__(self.buf, 128, 64, framebuf.MONO_VLSB)
            self.shown = 0

        def show(self):
            self.shown += 1

    oled = FakeOled()
    screen = SignInScreen(FrameBufferDisplay(oled))
    assert screen.code(
        {"verification_uri": "https://github.com/login/device", "user_code": "WDJB-MJHT"}, 900
    )
    assert oled.shown == 1

    def lit(row):
        n = 0
        for y in range(row * 8, row * 8 + 8):
            for x in range(128):
                n += oled.pixel(x, y)
        return n

    assert lit(0) > 0 and lit(1) > 0 and lit(3) > 0 and lit(7) > 0
    assert lit(4) == 0 and lit(5) == 0 and lit(6) == 0
    # the code row shows exactly what framebuf draws for that text
    ref = framebuf.FrameBuffer(bytearray(128), 128, 8, framebuf.MONO_VLSB)
    ref.text("Code: WDJB-MJHT", 0, 0, 1)
    for x in range(128):
        for y in range(8):
            assert oled.pixel(x, 24 + y) == ref.pixel(x, y), (x, y)


# ----------------------------------------------------------------------------- runner
def suite_names():
    names = [n for n in globals() if n.startswith("test_")]
    names.sort()
    return names


def run_all(verbose=False):
    """Run every test; return (passed, failed_names, skipped_names)."""
    passed = 0
    failed = []
    skipped = []
    g = globals()
    for name in suite_names():
        try:
            g[name]()
        except Skip as e:
            skipped.append(name)
            print("SKIP %s: %s" % (name, e))
        except Exception as e:
            failed.append(name)
            print("FAIL %s: %s: %s" % (name, type(e).__name__, e))
            if verbose and hasattr(sys, "print_exception"):
                sys.print_exception(e)
            elif verbose:
                import traceback  # type: ignore[import-not-found]  # the CPython-only branch

                traceback.print_exception(type(e), e, e.__traceback__)
        else:
            passed += 1
    return passed, failed, skipped


def main():
    print("firmware suite on %s" % sys.implementation.name)
    passed, failed, skipped = run_all("-v" in sys.argv)
    print("%d passed, %d failed" % (passed, len(failed)))
    print("%d skipped" % len(skipped))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
