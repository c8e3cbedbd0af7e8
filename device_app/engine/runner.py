"""The blocking driver of :class:`DeviceFlow`: the core's loop (core/driver.py), logged.

The clock and the wait are injected so that tests run the real loop without sleeping.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from device_app.core.driver import drive
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
) -> Event:
    """Run ``flow`` until it ends; return its final event (``cancelled`` when ``wait`` says so).

    ``request`` is the first request to send (from ``flow.start``); a resumed flow has none.
    """

    def send(req: Request) -> Response:
        log.debug("sending %s", req.redacted())
        response = transport(req)
        log.debug("received HTTP %d (%d bytes)", response.status, len(response.body))
        return response

    def tell(ev: Event) -> None:
        log.info("flow event: %s", ev.public())
        on_event(ev)

    final: Event = drive(flow, send, clock, wait, tell, request)
    return final
