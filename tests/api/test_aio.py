"""The asyncio driver runs the real core against a scripted server on a fake clock.

Nothing sleeps: the driver's ``sleep`` moves the fake clock, and asyncio.run drives it.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

import pytest

from device_app.core.errors import TransportError
from device_app.core.events import Event
from device_app.core.flow import DeviceFlow
from device_app.core.http import Request, Response
from device_app.engine import aio
from tests.core.fakes import (
    T0,
    FakeClock,
    FakeServer,
    code_reply,
    pending,
    slow_down,
    standard,
    token_reply,
    waiting_flow,
)


def fake_sleep(clock: FakeClock, slept: list[float]) -> Callable[[float], object]:
    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock.advance(seconds)
        await asyncio.sleep(0)  # still a real suspension point, as asyncio.sleep is

    return sleep


def run(flow: DeviceFlow, transport: object, clock: FakeClock) -> tuple[Event, list[Event]]:
    seen: list[Event] = []
    slept: list[float] = []

    async def main() -> Event:
        return await aio.run_flow(
            flow,
            transport,
            clock,
            seen.append,
            sleep=fake_sleep(clock, slept),  # type: ignore[arg-type]
        )

    return asyncio.run(main()), seen


def test_a_sync_transport_runs_in_a_thread_and_polls_on_the_interval() -> None:
    clock = FakeClock()
    server = FakeServer([code_reply(), pending(), slow_down(), token_reply()], clock)
    threads: set[str] = set()

    def transport(request: Request) -> Response:
        threads.add(threading.current_thread().name)
        return server(request)

    final, seen = run(DeviceFlow(standard()), transport, clock)
    assert final.kind == "authorized"
    assert [e.kind for e in seen] == ["code", "pending", "slow_down", "authorized"]
    assert seen[-1] is final
    # RFC 8628 §3.5: the first poll one interval after the code, slow_down adds 5 s.
    assert server.times == [T0, T0 + 5, T0 + 10, T0 + 20]
    assert threading.main_thread().name not in threads


def test_an_async_transport_is_awaited_on_the_loop() -> None:
    clock = FakeClock()
    server = FakeServer([code_reply(), pending(), token_reply()], clock)
    threads: set[str] = set()

    async def transport(request: Request) -> Response:
        threads.add(threading.current_thread().name)
        return server(request)

    final, _ = run(DeviceFlow(standard()), transport, clock)
    assert final.kind == "authorized"
    assert threads == {threading.main_thread().name}
    assert server.times == [T0, T0 + 5, T0 + 10]


def test_an_object_with_an_async_call_is_awaited() -> None:
    clock = FakeClock()
    server = FakeServer([code_reply(), token_reply()], clock)

    class Client:
        async def __call__(self, request: Request) -> Response:
            return server(request)

    final, _ = run(DeviceFlow(standard()), Client(), clock)
    assert final.kind == "authorized"


def test_network_failures_back_off_and_recover() -> None:
    clock = FakeClock()
    down = TransportError("connection refused", "connect")
    server = FakeServer([code_reply(), down, token_reply()], clock)
    final, seen = run(DeviceFlow(standard()), server, clock)
    assert [e.kind for e in seen] == ["code", "retrying", "authorized"]
    assert final.kind == "authorized"
    # §3.5: after a connection failure the device polls less often than the interval.
    assert server.times[2] - server.times[1] >= 2 * 5


def test_the_local_deadline_ends_the_flow() -> None:
    clock = FakeClock()
    server = FakeServer([code_reply(expires_in=12, interval=5)], clock, then=pending())
    final, seen = run(DeviceFlow(standard()), server, clock)
    assert final.kind == "expired" and final.data["reason"] == "deadline"
    assert clock() == T0 + 12
    assert [e.kind for e in seen] == ["code", "pending", "pending", "expired"]


def test_a_resumed_flow_waits_for_its_next_poll() -> None:
    clock = FakeClock()
    flow = waiting_flow(now=clock())
    server = FakeServer([token_reply()], clock)
    final, seen = run(flow, server, clock)
    assert final.kind == "authorized" and [e.kind for e in seen] == ["authorized"]
    assert server.times == [T0 + 5]


def test_cancelling_the_task_cancels_the_flow() -> None:
    clock = FakeClock()
    server = FakeServer([code_reply()], clock, then=pending())
    flow = DeviceFlow(standard())
    seen: list[Event] = []

    async def main() -> None:
        asleep = asyncio.Event()

        async def sleep(seconds: float) -> None:
            asleep.set()
            await asyncio.Event().wait()  # for ever: only cancellation ends it

        task = asyncio.create_task(aio.run_flow(flow, server, clock, seen.append, sleep=sleep))
        await asleep.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    assert flow.done and flow.state == "cancelled"
    assert flow.device_code is None  # RFC 8628 §5.2: the secret is dropped
    assert [e.kind for e in seen] == ["code"]


class FakeLoginSession:
    """A session whose login reports a code, then waits for cancel or approval."""

    def __init__(self, approve: bool) -> None:
        self.approve = approve
        self.cancel: threading.Event | None = None
        self.thread = ""

    def login(self, on_event: Callable[[Event], None], cancel: threading.Event) -> Event:
        self.cancel = cancel
        self.thread = threading.current_thread().name
        on_event(Event("code", {"user_code": "WDJB-MJHT"}))
        if not self.approve:
            cancel.wait(5)
            return Event("error", {"category": "cancelled"})
        final = Event("authorized", {"token_type": "Bearer"})
        on_event(final)
        return final


def test_login_relays_events_to_the_loop_thread() -> None:
    session = FakeLoginSession(approve=True)
    where: list[str] = []

    def on_event(event: Event) -> None:
        where.append(threading.current_thread().name + ":" + event.kind)

    async def main() -> Event:
        return await aio.login(session, on_event)

    final = asyncio.run(main())
    assert final.kind == "authorized"
    main_thread = threading.main_thread().name
    assert where == [main_thread + ":code", main_thread + ":authorized"]
    assert session.thread != main_thread


def test_cancelling_login_sets_the_sessions_cancel_event() -> None:
    session = FakeLoginSession(approve=False)

    async def main() -> None:
        shown = asyncio.Event()
        task = asyncio.create_task(aio.login(session, lambda event: shown.set()))
        await shown.wait()  # the code is on screen: the user presses Back
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    assert session.cancel is not None and session.cancel.is_set()
