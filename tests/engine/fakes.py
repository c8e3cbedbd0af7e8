"""Fakes for engine tests: a clock that jumps instead of sleeping, and a scripted transport."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from device_app.core.errors import TransportError
from device_app.core.formenc import decode_form
from device_app.core.http import Request, Response


class FakeClock:
    """Monotonic and wall clocks that move only when the code under test waits."""

    def __init__(self, wall: float = 1_800_000_000.0) -> None:
        self.now = 1000.0
        self.wall_offset = wall - self.now
        self.waits: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def wall(self) -> float:
        return self.now + self.wall_offset

    def wait(self, seconds: float) -> bool:
        self.waits.append(seconds)
        self.now += seconds
        return False

    def advance(self, seconds: float) -> None:
        self.now += seconds


def reply(status: int, body: Any = None, headers: dict[str, str] | None = None) -> Response:
    h = {"Content-Type": "application/json"}
    h.update(headers or {})
    raw = (
        body if isinstance(body, bytes) else json.dumps(body).encode() if body is not None else b""
    )
    return Response(status, h, raw)


Handler = Callable[[Request, dict[str, str]], Response]


class FakeServer:
    """A callable transport answering by URL path from scripted queues (last answer repeats).

    A scripted item may be a Response, a TransportError (raised), or a function
    ``(request, form) -> Response``.
    """

    def __init__(self, clock: FakeClock | None = None) -> None:
        self.routes: dict[str, list[Any]] = {}
        self.log: list[tuple[float, str, dict[str, str], dict[str, str]]] = []
        self.clock = clock

    def on(self, path: str, *items: Any) -> FakeServer:
        self.routes.setdefault(path, []).extend(items)
        return self

    def calls(self, path: str) -> list[dict[str, str]]:
        return [form for _t, p, _h, form in self.log if p == path]

    def __call__(self, request: Request) -> Response:
        path = "/" + request.url.split("/", 3)[3] if request.url.count("/") >= 3 else "/"
        form = decode_form(request.body) if request.body else {}
        self.log.append((self.clock.now if self.clock else 0.0, path, dict(request.headers), form))
        queue = self.routes.get(path)
        if not queue:
            return reply(404, {"error": "not_found"})
        item = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(item, TransportError):
            raise item
        if callable(item):
            return item(request, form)
        return item
