"""Fakes for the core's unit tests: a clock that is just a number, and a scripted server.

Nothing here sleeps and nothing patches a library: the flow is sans-IO, so the tests hand it
``now`` and :class:`Response` objects, exactly as a real driver does.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable, Iterable
from typing import Any

from device_app.core.errors import TransportError
from device_app.core.events import Event
from device_app.core.flow import DeviceFlow
from device_app.core.formenc import encode_form
from device_app.core.http import Request, Response
from device_app.core.profile import Profile, build_profile

T0 = 1000.0  # the fake monotonic clock starts here; the core only ever subtracts times
ISSUER = "https://auth.example.com"
DEVICE_ENDPOINT = ISSUER + "/device_authorization"
TOKEN_ENDPOINT = ISSUER + "/token"
DEVICE_CODE = "dc-SECRET-GmRhmhcxhwAzkoEqiMEg_DnyEysNkuNhszIySk9eS"
ACCESS_TOKEN = "at-SECRET-2YotnFZFEjr1zCsicMWpAA"
REFRESH_TOKEN = "rt-SECRET-tGzv3JOkF0XG5Qx2TlKWIA"


class FakeClock:
    """Monotonic seconds as a plain number that only the test moves."""

    def __init__(self, t: float = T0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds

    def to(self, when: float) -> None:
        if when > self.t:
            self.t = when


class Slow:
    """A script entry whose answer takes ``seconds`` of fake time to arrive."""

    def __init__(self, seconds: float, item: Any) -> None:
        self.seconds = seconds
        self.item = item


ScriptItem = Any  # Response | TransportError | Slow | Callable[[Request], Response]


class FakeServer:
    """A scripted authorization server.

    Each request takes the next script entry: a :class:`Response` is answered, a
    :class:`TransportError` is raised (the network failed), a callable gets the request and
    returns the answer, and :class:`Slow` makes the answer arrive later on the fake clock.
    Every request is recorded with the time it was sent.
    """

    def __init__(
        self,
        script: Iterable[ScriptItem],
        clock: FakeClock,
        latency: float = 0.0,
        then: ScriptItem = None,
    ) -> None:
        self.script = list(script)
        self.clock = clock
        self.latency = latency
        self.then = then  # the answer once the script has run out (None: that is a test bug)
        self.log: list[tuple[float, Request]] = []

    def __call__(self, request: Request) -> Response:
        self.log.append((self.clock(), request))
        if not self.script and self.then is None:
            raise AssertionError("the script has no answer left for %r" % request)
        item = self.script.pop(0) if self.script else self.then
        delay = self.latency
        if isinstance(item, Slow):
            delay, item = item.seconds, item.item
        self.clock.advance(delay)
        if isinstance(item, TransportError):
            raise item
        if callable(item):
            item = item(request)
        assert isinstance(item, Response)
        return item

    @property
    def times(self) -> list[float]:
        return [t for t, _ in self.log]

    def polls(self) -> list[tuple[float, Request]]:
        """The token-endpoint requests (they carry a grant_type), with their times."""
        return [(t, r) for t, r in self.log if r.form is not None and "grant_type" in r.form]


def drive(
    flow: DeviceFlow,
    server: Callable[[Request], Response],
    clock: FakeClock,
    max_steps: int = 10_000,
) -> list[Event]:
    """Run ``flow`` to its end the way runner.py does, jumping the clock instead of sleeping."""
    out: list[Event] = []
    request = flow.start(clock())
    for _ in range(max_steps):
        try:
            response = server(request)
        except TransportError as e:
            out += flow.fail(clock(), e)
        else:
            out += flow.receive(response, clock())
        if flow.done:
            return out
        while True:
            out += flow.check(clock())
            if flow.done:
                return out
            request = flow.next_request(clock())
            if request is not None:
                break
            wake = flow.wake_at()
            assert wake is not None, "a live flow must say when to wake up"
            assert wake > clock(), "wake_at() is not in the future: the driver would spin"
            clock.to(wake)
    raise AssertionError("the flow did not end in %d steps" % max_steps)


# ----------------------------------------------------------------------------- responses
def json_reply(status: int, obj: Any, headers: dict[str, str] | None = None) -> Response:
    h = {"Content-Type": "application/json"}
    h.update(headers or {})
    return Response(status, h, json.dumps(obj).encode("utf-8"))


def form_reply(status: int, fields: dict[str, str]) -> Response:
    """A form-encoded body, as GitHub answers when JSON was not asked for."""
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    return Response(status, headers, encode_form(fields))


def with_fields(body: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
    """``body`` with ``fields`` set; a field given as ``None`` is removed."""
    for k, v in fields.items():
        if v is None:
            body.pop(k, None)
        else:
            body[k] = v
    return body


def code_body(**fields: Any) -> dict[str, Any]:
    """A valid RFC 8628 §3.2 answer; a field given as ``None`` is removed."""
    body: dict[str, Any] = {
        "device_code": DEVICE_CODE,
        "user_code": "WDJB-MJHT",
        "verification_uri": ISSUER + "/device",
        "verification_uri_complete": ISSUER + "/device?user_code=WDJB-MJHT",
        "expires_in": 600,
        "interval": 5,
    }
    return with_fields(body, fields)


def code_reply(**fields: Any) -> Response:
    return json_reply(200, code_body(**fields))


def token_body(**fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "access_token": ACCESS_TOKEN,
        "token_type": "Bearer",
        "expires_in": 3600,
        "refresh_token": REFRESH_TOKEN,
        "scope": "openid profile",
    }
    return with_fields(body, fields)


def token_reply(**fields: Any) -> Response:
    return json_reply(200, token_body(**fields))


def error_reply(status: int, error: str, **extra: Any) -> Response:
    return json_reply(status, dict({"error": error}, **extra))


def pending(status: int = 400, **extra: Any) -> Response:
    return error_reply(status, "authorization_pending", **extra)


def slow_down(status: int = 400, **extra: Any) -> Response:
    return error_reply(status, "slow_down", **extra)


# ----------------------------------------------------------------------------- profiles
def standard(**settings: Any) -> Profile:
    """The plain RFC 8628 server of the simulator, public client."""
    profile: Profile = build_profile("standard", "tv-client", issuer=ISSUER, **settings)
    return profile


def waiting_flow(profile: Profile | None = None, now: float = T0, **code: Any) -> DeviceFlow:
    """A flow that has just shown its code at ``now``."""
    flow = DeviceFlow(profile or standard())
    flow.start(now)
    evs = flow.receive(code_reply(**code), now)
    assert [e.kind for e in evs] == ["code"], [e.public() for e in evs]
    return flow


def kinds(evs: Iterable[Event]) -> list[str]:
    return [e.kind for e in evs]


# ----------------------------------------------------------------------------- checks
# Characters that must never reach a terminal or a screen: C0/C1 controls and DEL (Cc),
# line/paragraph separators (Zl/Zp), surrogates (Cs), and the invisible format characters
# that reorder or hide text (bidi overrides and isolates, zero-width, tags).
_HIDDEN_CF = {
    0x061C,
    0x180E,
    0xFEFF,
    *range(0x200B, 0x2010),
    *range(0x202A, 0x202F),
    *range(0x2060, 0x2065),
    *range(0x2066, 0x2070),
    *range(0xFFF9, 0xFFFC),
    *range(0xE0000, 0xE0080),
}


def unsafe_chars(text: str) -> list[str]:
    """The characters of ``text`` a display must never receive."""
    bad = []
    for ch in text:
        if unicodedata.category(ch) in ("Cc", "Zl", "Zp", "Cs") or ord(ch) in _HIDDEN_CF:
            bad.append("U+%04X" % ord(ch))
    return bad


def public_strings(evs: Iterable[Event]) -> list[str]:
    out = []
    for e in evs:
        for v in e.public().values():
            if isinstance(v, str):
                out.append(v)
    return out


def assert_display_safe(evs: Iterable[Event], limit: int = 512) -> None:
    """Every public string is free of control/invisible characters and of sane length."""
    for text in public_strings(evs):
        assert not unsafe_chars(text), (text, unsafe_chars(text))
        assert len(text) <= limit, len(text)
        assert DEVICE_CODE not in text
