"""The firmware's blocking driver of the portable device flow, with injected clock and sleep.

Everything here runs on MicroPython and CPython alike: the board-specific parts (Wi-Fi,
TLS sockets, the OLED, ``time.sleep_ms``) are passed in by ``main.py``, and tests pass a fake
clock whose ``sleep`` just moves time forward.
"""

from screen import clock_text

from device_app.core import events
from device_app.core.errors import TransportError
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
    if k == events.AUTHORIZED:
        screen.message("Signed in.", "", "Scope:", p.get("scope") or "(default)")
    elif k == events.DENIED:
        screen.message("Sign-in was", "refused.", "", "Press the button", "to try again.")
    elif k == events.EXPIRED:
        screen.message("The code has", "expired.", "", "Press the button", "to try again.")
    else:
        screen.message("Sign-in failed:", p.get("category") or "", p.get("error") or "")


def run_sign_in(profile, transport, screen, clock, sleep, rand=None, log=None, tick=TICK):
    """Run one sign-in to its end; return ``(final_event, tokens_or_None)``.

    ``transport(request) -> Response`` raises ``TransportError``; ``clock.now()`` gives
    monotonic seconds; ``sleep(seconds)`` waits. ``log`` receives each event's ``public()``
    dict (safe for the serial console: no device code, no token).
    """
    flow = DeviceFlow(profile, rand)
    screen.message("Asking for a", "sign-in code...")
    request = flow.start(clock.now())
    while True:
        try:
            response = transport(request)
        except TransportError as e:
            evs = flow.fail(clock.now(), e)
        else:
            evs = flow.receive(response, clock.now())
        _show(flow, evs, screen, clock, log)
        request = None
        while not flow.done:
            _show(flow, flow.check(clock.now()), screen, clock, log)
            if flow.done:
                break
            request = flow.next_request(clock.now())
            if request is not None:
                break
            # Time moves between the calls above: the wake-up may already have passed, and a
            # negative sleep_ms is no "don't sleep" on every port.
            wait = flow.wake_at() - clock.now()
            if wait > 0:
                sleep(wait if wait < tick else tick)
            if flow.user_code is not None:
                screen.countdown(flow.deadline - clock.now())
        if flow.done:
            return flow.result, flow.tokens


def _show(flow, evs, screen, clock, log):
    for ev in evs:
        if log is not None:
            log(ev.public())
        left = flow.deadline - clock.now() if flow.user_code is not None else 0
        if ev.kind == events.CODE:
            if not screen.code(ev.public(), left):
                flow.cancel()
        elif ev.terminal:
            show_result(screen, ev)
        elif ev.kind == events.RETRYING and screen.code_rows is None:
            # Still asking for a code: there is no code screen to put a status row on.
            screen.message("No network.", "Retry in %ds" % int(ev.data["delay"] + 0.999))
        else:
            text = status_for(ev, left)
            if text is not None:
                screen.set_status(text)
