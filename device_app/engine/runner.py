"""The blocking driver of :class:`DeviceFlow`: the core's only loop, short on purpose.

The clock and the wait are injected so that tests run the real loop without sleeping.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from device_app.core.errors import TransportError
from device_app.core.events import Event
from device_app.core.flow import DeviceFlow
from device_app.core.http import Request, Response

log = logging.getLogger("device_app.flow")

Transport = Callable[[Request], Response]
# wait(seconds) sleeps up to ``seconds``; it returns True when the run was cancelled.
Wait = Callable[[float], bool]


def run_flow(
    flow: DeviceFlow,
    transport: Transport,
    clock: Callable[[], float],
    wait: Wait,
    on_event: Callable[[Event], None],
    request: Request | None = None,
) -> Event | None:
    """Run ``flow`` until it ends (returns its final event) or ``wait`` says cancel (None).

    ``request`` is the first request to send (from ``flow.start``); a resumed flow has none.
    """
    while True:
        if request is not None:
            log.debug("sending %s", request.redacted())
            try:
                response = transport(request)
            except TransportError as e:
                evs = flow.fail(clock(), e)
            else:
                log.debug("received HTTP %d (%d bytes)", response.status, len(response.body))
                evs = flow.receive(response, clock())
            for ev in evs:
                log.info("flow event: %s", ev.public())
                on_event(ev)
        if flow.done:
            return flow.result
        request = flow.next_request(clock())
        if request is not None:
            continue
        wake = flow.wake_at()
        delay = 0.0 if wake is None else max(0.0, wake - clock())
        if wait(delay):
            flow.cancel()
            return None
        for ev in flow.check(clock()):
            log.info("flow event: %s", ev.public())
            on_event(ev)
