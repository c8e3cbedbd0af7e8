"""The firmware's blocking driver of the portable device flow, with injected clock and sleep.

Everything here runs on MicroPython and CPython alike: the board-specific parts (Wi-Fi,
TLS sockets, the OLED, ``time.sleep_ms``) are passed in by ``main.py``, and tests pass a fake
clock whose ``sleep`` just moves time forward.
"""

from screen import clock_text

from device_app.core import events, outcomes
from device_app.core.driver import drive
from device_app.core.flow import DeviceFlow

# How often the countdown on the screen is redrawn while waiting. One second keeps the
# "m:ss left" honest. An SSD1306 frame is 1024 bytes, about 9.2 kbit with I2C acks: ~23 ms
# at 400 kHz (computed, not measured), so redrawing once a second costs ~2.5 % of the time.
TICK = 1.0


class TicksClock:
    """Monotonic seconds from ``time.ticks_ms``, correct across the tick counter's wrap.

    ``ticks_ms`` wraps (after about 12.4 days on most ports), so absolute ticks are never
    compared: each reading adds ``ticks_diff`` since the previous one to a running total.
    Call ``now()`` at least once per wrap period (the sign-in loop does, every second).
    """

    def __init__(self, ticks_ms=None, ticks_diff=None):
        if ticks_ms is None:
            import time

            ticks_ms = time.ticks_ms
            ticks_diff = time.ticks_diff
        self._ticks_ms = ticks_ms
        self._ticks_diff = ticks_diff
        self._last = ticks_ms()
        self._total_ms = 0

    def now(self):
        t = self._ticks_ms()
        self._total_ms += self._ticks_diff(t, self._last)
        self._last = t
        return self._total_ms / 1000.0


def status_for(event, seconds_left):
    """The status row for an event that does not change the code screen, or None."""
    k = event.kind
    if k == events.SLOW_DOWN:
        return "Slower: %ds" % int(event.data["interval"])
    if k == events.RETRYING:
        return "No net, %ds" % int(event.data["delay"] + 0.999)
    if k == events.PENDING:
        return clock_text(seconds_left)
    return None


def show_result(screen, event):
    """The last screen, for a terminal event (public fields only)."""
    p = event.public()
    k = event.kind
    if k == outcomes.AUTHORIZED:
        screen.message("Signed in.", "", "Scope:", p.get("scope") or "(default)")
    elif k == outcomes.DENIED:
        screen.message("Sign-in was", "refused.", "", "Press the button", "to try again.")
    elif k == outcomes.EXPIRED:
        screen.message("The code has", "expired.", "", "Press the button", "to try again.")
    elif k == outcomes.FAILED:
        screen.message("Sign-in failed:", p.get("category") or "", p.get("error") or "")
    # CANCELLED: the screen already says why the device gave up.


def run_sign_in(profile, transport, screen, clock, sleep, rand=None, log=None, tick=TICK):
    """Run one sign-in to its end; return ``(final_event, tokens_or_None)``.

    ``transport(request) -> Response`` raises ``TransportError``; ``clock.now()`` gives
    monotonic seconds; ``sleep(seconds)`` waits. ``log`` receives each event's ``public()``
    dict (safe for the serial console: no device code, no token). The loop is the core's
    (``device_app.core.driver``); this adds the screen and the countdown.
    """
    flow = DeviceFlow(profile, rand)
    give_up = []  # set when the code cannot be shown: the flow is then cancelled

    def on_event(ev):
        if log is not None:
            log(ev.public())
        left = flow.deadline - clock.now() if flow.user_code is not None else 0
        if ev.kind == events.CODE:
            if not screen.code(ev.public(), left):
                give_up.append(True)
        elif ev.terminal:
            show_result(screen, ev)
        elif ev.kind == events.RETRYING and screen.code_rows is None:
            # Still asking for a code: there is no code screen to put a status row on.
            screen.message("No network.", "Retry in %ds" % int(ev.data["delay"] + 0.999))
        else:
            text = status_for(ev, left)
            if text is not None:
                screen.set_status(text)

    def wait(seconds):
        # In steps of ``tick``, redrawing the countdown. Time moves between the calls: the
        # wake-up may already have passed, and a negative sleep_ms is no "don't sleep" on
        # every port.
        end = clock.now() + seconds
        while not give_up:
            if seconds > 0:
                sleep(seconds if seconds < tick else tick)
            if flow.user_code is not None:
                screen.countdown(flow.deadline - clock.now())
            seconds = end - clock.now()
            if seconds <= 0:
                return False
        return True

    screen.message("Asking for a", "sign-in code...")
    final = drive(flow, transport, clock.now, wait, on_event, flow.start(clock.now()))
    return final, flow.tokens
