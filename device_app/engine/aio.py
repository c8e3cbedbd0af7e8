"""The asyncio driver of :class:`DeviceFlow`: the blocking runner's loop, with awaits.

The core decides what to send and when; this loop only awaits the transport and sleeps
until ``flow.wake_at()``. The transport is either a coroutine function ``request ->
Response`` or a plain callable (``HttpTransport``), which then runs in a worker thread so
the event loop never blocks. Cancelling the task cancels the flow. ``sleep`` is injected
so that tests move a fake clock instead of waiting.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import threading
from collections.abc import Awaitable, Callable
from typing import Protocol

from device_app.core import states
from device_app.core.errors import TransportError
from device_app.core.events import Event
from device_app.core.flow import DeviceFlow
from device_app.core.http import Request, Response

log = logging.getLogger("device_app.flow")

SyncTransport = Callable[[Request], Response]
AsyncTransport = Callable[[Request], Awaitable[Response]]
Sleep = Callable[[float], Awaitable[object]]


def _ignore(event: Event) -> None:
    """The default listener: the caller only wants the final event."""


async def _send(transport: SyncTransport | AsyncTransport, request: Request) -> Response:
    if inspect.iscoroutinefunction(transport) or inspect.iscoroutinefunction(
        getattr(transport, "__call__", None)  # noqa: B004 - an object with an async __call__
    ):
        return await transport(request)  # type: ignore[no-any-return,misc]
    response = await asyncio.to_thread(transport, request)
    assert isinstance(response, Response)
    return response


async def run_flow(
    flow: DeviceFlow,
    transport: SyncTransport | AsyncTransport,
    clock: Callable[[], float],
    on_event: Callable[[Event], None] = _ignore,
    *,
    sleep: Sleep = asyncio.sleep,
    request: Request | None = None,
) -> Event:
    """Run ``flow`` to its end and return the final event.

    A flow that was not started is started here; a resumed one (``DeviceFlow.resume``)
    waits for its next poll. Cancelling the awaiting task cancels the flow.
    """
    if request is None and flow.state == states.IDLE:
        request = flow.start(clock())
    try:
        while True:
            if request is not None:
                log.debug("sending %s", request.redacted())
                try:
                    response = await _send(transport, request)
                except TransportError as e:
                    evs = flow.fail(clock(), e)
                else:
                    evs = flow.receive(response, clock())
                _tell(evs, on_event)
            if flow.done:
                assert isinstance(flow.result, Event)
                return flow.result
            request = flow.next_request(clock())
            if request is None:
                wake = flow.wake_at()
                await sleep(0.0 if wake is None else max(0.0, wake - clock()))
                _tell(flow.check(clock()), on_event)
    except asyncio.CancelledError:
        flow.cancel()
        raise


def _tell(evs: list[Event], on_event: Callable[[Event], None]) -> None:
    for ev in evs:
        log.info("flow event: %s", ev.public())
        on_event(ev)


class LoginSession(Protocol):
    """What :func:`login` needs of :class:`~device_app.engine.session.Session`."""

    def login(self, on_event: Callable[[Event], None], cancel: threading.Event) -> Event: ...


async def login(session: LoginSession, on_event: Callable[[Event], None] = _ignore) -> Event:
    """``session.login`` from asyncio: it runs in a thread, its events reach ``on_event``
    on the event loop, and cancelling the awaiting task cancels the sign-in."""
    loop = asyncio.get_running_loop()
    cancel = threading.Event()

    def relay(event: Event) -> None:
        loop.call_soon_threadsafe(on_event, event)

    try:
        final = await asyncio.to_thread(session.login, relay, cancel)
    except asyncio.CancelledError:
        cancel.set()  # the worker thread ends at its next wait
        raise
    # The events were handed to the loop before the thread's result: they have all run.
    return final
