"""The one loop that drives a :class:`DeviceFlow` to its end, for any blocking driver.

Portable like the rest of the core: the transport, the clock and the wait are passed in, so
the same loop runs the CLI and the TV (engine/runner.py adds logging) and the MicroPython
firmware (firmware/signin.py adds its screen), and tests run it without sleeping.
"""

from device_app.core.errors import TransportError


def drive(flow, transport, clock, wait, on_event, request=None):
    """Run ``flow`` until it ends and return its final event (an outcome, outcomes.py).

    ``transport(request)`` returns a Response or raises TransportError; ``clock()`` gives
    monotonic seconds; ``wait(seconds)`` sleeps up to that long and returns True to cancel;
    ``on_event(event)`` hears every event in order. ``request`` is the first request to send
    (from ``flow.start``); a resumed flow has none.
    """
    while True:
        if request is not None:
            try:
                response = transport(request)
            except TransportError as e:
                evs = flow.fail(clock(), e)
            else:
                evs = flow.receive(response, clock())
            _emit(evs, on_event)
        if flow.done:
            return flow.result
        request = flow.next_request(clock())
        if request is not None:
            continue
        wake = flow.wake_at()
        if wait(0.0 if wake is None else max(0.0, wake - clock())):
            _emit(flow.cancel(), on_event)
        else:
            _emit(flow.check(clock()), on_event)


def _emit(evs, on_event):
    for ev in evs:
        on_event(ev)
