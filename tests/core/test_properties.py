"""Hypothesis properties of the flow: no undeclared exception, and a schedule that obeys §3.5."""

from __future__ import annotations

import json
import math
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from device_app.core import states
from device_app.core.errors import DeviceAppError, TransportError
from device_app.core.events import Event
from device_app.core.flow import SLOW_DOWN_STEP, DeviceFlow
from device_app.core.formenc import encode_form
from device_app.core.http import Response
from device_app.core.profile import build_profile

from .fakes import (
    T0,
    FakeClock,
    FakeServer,
    Slow,
    assert_display_safe,
    code_reply,
    error_reply,
    pending,
    standard,
    token_reply,
    waiting_flow,
)

PROPS = settings(max_examples=200, deadline=None)

PROFILES = {
    "standard": standard(),
    "github": build_profile("github", "gh"),
    "auth0": build_profile("auth0", "a0", issuer="https://auth.example.com"),
    "google": build_profile("google", "g", client_secret="s"),
}

CODES = [
    "authorization_pending",
    "slow_down",
    "access_denied",
    "expired_token",
    "invalid_grant",
    "invalid_client",
    "server_error",
    "temporarily_unavailable",
    "rate_limit_exceeded",
    "authorization_declined",
    "bad_verification_code",
    "device_not_found",
    "foo",
]
CONTENT_TYPES = [
    "application/json",
    "application/json; charset=utf-8",
    "APPLICATION/JSON",
    "application/problem+json",
    "application/x-www-form-urlencoded",
    "application/x-www-form-urlencoded; charset=iso-8859-1",
    "text/html",
    "text/plain",
    "text/plain; charset=utf-8",
    "multipart/form-data",
    "",
    "application/octet-stream",
]

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(10**20), 10**20)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30)
    | st.sampled_from(["5", "NaN", "1e400", "-1", "0", " 7 "])
)
json_values = st.recursive(
    json_scalars,
    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=5), c, max_size=3),
    max_leaves=6,
)
uris = st.sampled_from(
    [
        "https://auth.example.com/device",
        "https://auth.example.com/device?user_code=ABCD",
        "https://evil.example/device",
        "http://auth.example.com/device",
        "javascript:alert(1)",
        "https://u@auth.example.com/",
        "http://127.0.0.1:8000/d",
    ]
) | st.text(max_size=40)
fields = st.fixed_dictionaries(
    {},
    optional={
        "error": st.sampled_from(CODES) | st.text(max_size=20) | json_values,
        "error_code": st.sampled_from(CODES),
        "error_description": st.text(max_size=300) | json_values,
        "interval": json_values,
        "expires_in": json_values,
        "device_code": st.sampled_from(["dc-1", ""]) | json_values,
        "user_code": st.sampled_from(["WDJB-MJHT", "A\x1bB"]) | json_values,
        "verification_uri": uris | json_values,
        "verification_url": uris,
        "verification_uri_complete": uris | json_values,
        "message": st.text(max_size=50) | json_values,
        "access_token": st.sampled_from(["at-1", ""]) | json_values,
        "token_type": st.sampled_from(["Bearer", "bearer", "mac", ""]) | json_values,
        "refresh_token": json_values,
        "scope": json_values,
    },
)
bodies = st.one_of(
    st.binary(max_size=400),
    fields.map(lambda d: json.dumps(d).encode()),
    fields.map(lambda d: encode_form({k: str(v) for k, v in d.items()})),
    json_values.map(lambda v: json.dumps(v).encode()),
)
header_names = st.sampled_from(
    ["Retry-After", "Date", "Location", "X-Other", "WWW-Authenticate", "Content-Length"]
)
header_values = st.text(max_size=40) | st.sampled_from(
    ["120", "Sun, 06 Nov 1994 08:49:37 GMT", "0", "-1", "99999999999999999999"]
)


def receiving(stage: str, profile_name: str) -> DeviceFlow:
    profile = PROFILES[profile_name]
    if stage == "requesting":
        flow = DeviceFlow(profile)
        flow.start(T0)
        return flow
    flow = waiting_flow(
        profile,
        verification_uri=None,
        verification_uri_complete=None,
        verification_url=profile.token_endpoint.rsplit("/", 1)[0] + "/device",
    )
    assert flow.next_request(T0 + 5) is not None
    return flow


@PROPS
@given(
    stage=st.sampled_from(["requesting", "polling"]),
    profile_name=st.sampled_from(sorted(PROFILES)),
    status=st.integers(100, 599),
    ctype=st.sampled_from(CONTENT_TYPES) | st.text(max_size=30),
    headers=st.dictionaries(header_names, header_values, max_size=3),
    body=bodies,
)
def test_any_response_gives_events_or_a_declared_error(
    stage: str, profile_name: str, status: int, ctype: str, headers: dict[str, str], body: bytes
) -> None:
    flow = receiving(stage, profile_name)
    headers = dict(headers, **{"Content-Type": ctype})
    now = T0 + 6
    try:
        evs = flow.receive(Response(status, headers, body), now)
    except DeviceAppError:  # declared; none is expected today, but the contract allows it
        return
    assert isinstance(evs, list) and evs and all(isinstance(e, Event) for e in evs)
    assert_display_safe(evs)
    if flow.done:
        assert evs[-1].terminal and flow.device_code is None and flow.wake_at() is None
    else:
        assert not any(e.terminal for e in evs)
        assert flow.wake_at() is not None and flow.wake_at() > now
        assert flow.state in (states.WAITING, states.BACKING_OFF)
    for e in evs:
        json.dumps(e.public())  # printable as a JSON line
        if e.kind == "retrying":
            assert 0 < e.data["delay"] <= 300 * 1.25


@PROPS
@given(
    stage=st.sampled_from(["requesting", "polling"]),
    reason=st.sampled_from(["connect", "timeout", "tls", "too_large", "redirect", "other"]),
    retry_after=st.none() | st.floats(allow_nan=True, allow_infinity=True),
)
def test_any_transport_failure_gives_events(stage: Any, reason: Any, retry_after: Any) -> None:
    flow = receiving(stage, "standard")
    evs = flow.fail(T0 + 6, TransportError("failed", reason=reason, retry_after=retry_after))
    assert evs and flow.done == (reason == "tls")
    if not flow.done:
        assert T0 + 6 < flow.wake_at() and math.isfinite(flow.wake_at())


# ----------------------------------------------------------------------------- the poll schedule
def poll_answer(draw_interval: Any) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.builds(
            lambda i, s: error_reply(s, "authorization_pending", **i),
            draw_interval,
            st.sampled_from([400, 403, 428, 200]),
        ),
        st.builds(
            lambda i, s: error_reply(s, "slow_down", **i),
            draw_interval,
            st.sampled_from([400, 403, 429, 200]),
        ),
        st.builds(
            lambda r: TransportError("down", reason=r), st.sampled_from(["connect", "timeout"])
        ),
        st.builds(
            lambda ra: Response(503, {"Retry-After": ra}, b""),
            st.sampled_from(["1", "30", "400", "x"]),
        ),
        st.just(Response(200, {"Content-Type": "text/html"}, b"<html>portal</html>")),
        st.just(Response(302, {"Location": "http://portal/"}, b"")),
    )


intervals = st.one_of(
    st.just({}),
    st.builds(
        lambda v: {"interval": v},
        st.integers(-5, 200) | st.floats(-1, 1e6) | st.sampled_from(["7", "x", None]),
    ),
)
answers = st.one_of(
    poll_answer(intervals),
    st.builds(Slow, st.floats(0, 20), poll_answer(intervals)),
)
endings = st.sampled_from([None, "tokens", "denied", "expired", "bad"])


@PROPS
@given(
    code_failures=st.lists(st.sampled_from(["connect", "503"]), max_size=4),
    code_interval=st.none() | st.integers(0, 20) | st.floats(0, 20),
    expires_in=st.integers(10, 240),
    script=st.lists(answers, max_size=30),
    ending=endings,
    jitter=st.floats(0, 0.999),
)
def test_the_poll_schedule_obeys_the_rfc(
    code_failures: list[str],
    code_interval: float | None,
    expires_in: int,
    script: list[Any],
    ending: str | None,
    jitter: float,
) -> None:
    clock = FakeClock()
    prefix = [
        TransportError("x", reason="connect") if f == "connect" else Response(503, {}, b"")
        for f in code_failures
    ]
    last = {
        None: [],
        "tokens": [token_reply()],
        "denied": [error_reply(400, "access_denied")],
        "expired": [error_reply(400, "expired_token")],
        "bad": [error_reply(400, "foo")],
    }
    full = [
        *prefix,
        code_reply(interval=code_interval, expires_in=expires_in),
        *script,
        *last[ending],
    ]
    server = FakeServer(full, clock, then=pending())
    flow = DeviceFlow(standard(), rand=lambda: jitter)

    polls = []  # (time sent, the last answer before it: (time received, interval after it))
    receipts: list[tuple[float, float]] = []  # (time received, interval after it)
    request = flow.start(clock())
    steps = 0
    while True:
        steps += 1
        assert steps < 2000, "the flow does not end"
        if request.form and "grant_type" in request.form:
            polls.append((clock(), receipts[-1]))
        before = flow.interval
        try:
            response = server(request)
        except TransportError as e:
            evs = flow.fail(clock(), e)
        else:
            evs = flow.receive(response, clock())
        if flow.expires_in is not None:  # a code is held
            receipts.append((clock(), flow.interval))
        if any(e.kind == "slow_down" for e in evs):
            assert flow.interval >= before + SLOW_DOWN_STEP
        if flow.done:
            break
        request = None
        while request is None and not flow.done:
            flow.check(clock())
            if flow.done:
                break
            request = flow.next_request(clock())
            if request is None:
                wake = flow.wake_at()
                assert wake is not None and wake > clock()
                clock.to(wake)
        if flow.done:
            break

    assert flow.done and flow.wake_at() is None and flow.device_code is None
    if not receipts:
        return  # the device authorization request never succeeded
    code_time = receipts[0][0]
    assert flow.expires_in is not None
    deadline = code_time + flow.expires_in
    # §3.5: the first poll waits one interval after the code ...
    if polls:
        assert polls[0][0] - code_time >= receipts[0][1] - 1e-9
    # ... each later poll waits at least the interval in force, counted from the last answer ...
    for (sent, (received, interval)), (prev_sent, _) in zip(polls[1:], polls, strict=False):
        assert sent - received >= interval - 1e-9
        assert sent - prev_sent >= interval - 1e-9
    # ... no poll is sent at or after the deadline ...
    assert all(t < deadline for t, _ in polls)
    # ... and the interval never goes down (slow_down is for all later requests).
    seen = [i for _t, i in receipts]
    assert seen == sorted(seen)
    assert flow.result is not None
    if flow.state == states.EXPIRED and flow.result.data["reason"] == "deadline":
        assert clock() >= deadline
