"""DeviceFlow against the client rules of RFC 8628 §3.1-3.5, with a fake clock and server."""

from __future__ import annotations

import email.utils
import itertools
from typing import Any

import pytest

from device_app.core import states
from device_app.core.errors import TransportError, UsageError
from device_app.core.events import Event
from device_app.core.flow import CODE_ATTEMPTS, DeviceFlow
from device_app.core.formenc import decode_form
from device_app.core.http import Response
from device_app.core.profile import DEVICE_GRANT, FORM_TYPE

from .fakes import (
    DEVICE_CODE,
    DEVICE_ENDPOINT,
    T0,
    TOKEN_ENDPOINT,
    FakeClock,
    FakeServer,
    Slow,
    code_reply,
    drive,
    error_reply,
    json_reply,
    kinds,
    pending,
    slow_down,
    standard,
    token_reply,
    waiting_flow,
)


def gaps(times: list[float]) -> list[float]:
    return [round(b - a, 6) for a, b in itertools.pairwise(times)]


def run(
    script: list[Any], profile: Any = None, rand: Any = None, latency: float = 0.0
) -> tuple[DeviceFlow, FakeServer, list[Event], FakeClock]:
    clock = FakeClock()
    server = FakeServer(script, clock, latency)
    flow = DeviceFlow(profile or standard(), rand=rand)
    evs = drive(flow, server, clock)
    return flow, server, evs, clock


# ----------------------------------------------------------------------------- §3.1 / §3.4
def test_device_authorization_request_shape() -> None:
    req = DeviceFlow(standard(scope="openid tv")).start(T0)
    assert req.method == "POST"
    assert req.url == DEVICE_ENDPOINT
    assert req.headers["Content-Type"] == "application/x-www-form-urlencoded" == FORM_TYPE
    assert req.headers["Accept"] == "application/json"
    assert req.form == {"client_id": "tv-client", "scope": "openid tv"}
    assert decode_form(req.body) == req.form
    assert "Authorization" not in req.headers


def test_poll_request_shape() -> None:
    flow = waiting_flow()
    assert flow.next_request(T0 + 4.999) is None
    req = flow.next_request(T0 + 5)
    assert req is not None and flow.state == states.POLLING
    assert req.method == "POST" and req.url == TOKEN_ENDPOINT
    assert req.headers["Content-Type"] == FORM_TYPE
    assert decode_form(req.body) == {
        "grant_type": DEVICE_GRANT,
        "device_code": DEVICE_CODE,
        "client_id": "tv-client",
    }
    assert "device_code" in req.secret_fields
    # §5.2: the device code is a secret; nothing printable carries it.
    assert DEVICE_CODE not in repr(req) and DEVICE_CODE not in str(req.redacted())


# ----------------------------------------------------------------------------- §3.2/§3.5 timing
@pytest.mark.parametrize(
    ("interval", "expected"),
    [(None, 5), (3, 3), (12, 12), (5.5, 5.5)],
)
def test_first_poll_comes_one_interval_after_the_code(interval: Any, expected: Any) -> None:
    # §3.2 "If no value is provided, clients MUST use 5 as the default."
    _flow, server, evs, _ = run(
        [code_reply(interval=interval), pending(), token_reply()],
    )
    assert kinds(evs) == ["code", "pending", "authorized"]
    assert evs[0].public()["interval"] == expected
    assert gaps(server.times) == [expected, expected]


def test_wait_counts_from_the_receipt_of_the_last_response() -> None:
    # A poll whose answer takes 3 s: the next poll is one interval after the answer arrived,
    # not one interval after the poll was sent (no fixed ticker).
    _flow, server, evs, _ = run([code_reply(), Slow(3, pending()), pending(), token_reply()])
    assert kinds(evs) == ["code", "pending", "pending", "authorized"]
    assert gaps(server.times) == [5, 8, 5]


def test_slow_down_adds_five_seconds_for_this_and_all_later_polls() -> None:
    script = [
        code_reply(),
        slow_down(),
        pending(),
        slow_down(),
        pending(),
        pending(),
        token_reply(),
    ]
    _flow, server, evs, _ = run(script)
    assert kinds(evs) == [
        "code",
        "slow_down",
        "pending",
        "slow_down",
        "pending",
        "pending",
        "authorized",
    ]
    assert [e.public()["interval"] for e in evs[1:-1]] == [10, 10, 15, 15, 15]
    assert gaps(server.times) == [5, 10, 10, 15, 15, 15]


@pytest.mark.parametrize(
    ("first", "then", "interval_after"),
    [
        (pending(interval=12), pending(), 12),  # larger: honoured
        (pending(interval=2), pending(), 5),  # smaller: never lowers
        (slow_down(interval=30), pending(), 30),  # GitHub sends the new interval: the larger wins
        (slow_down(interval=7), pending(), 10),  # +5 beats a smaller server value
        (slow_down(), pending(interval=3), 10),  # a later small value does not undo slow_down
        (slow_down(interval="20"), pending(), 20),  # numbers as strings
        (pending(interval=1e12), pending(), 120),  # absurd values are capped
    ],
)
def test_server_interval_raises_but_never_lowers(
    first: Any, then: Any, interval_after: Any
) -> None:
    _flow, server, evs, _ = run([code_reply(), first, then, token_reply()])
    assert gaps(server.times)[1:] == [interval_after, interval_after]
    assert evs[-2].public()["interval"] == interval_after


def test_a_slowed_interval_above_the_cap_is_never_lowered_by_the_server() -> None:
    # 24 slow_downs take the interval to 125 s, above the cap applied to server values (120 s);
    # a server interval of 200 must then not bring it back down to 120.
    flow = waiting_flow(expires_in=3600)
    now = T0
    for _ in range(24):
        now = flow.next_due
        assert flow.next_request(now) is not None
        flow.receive(slow_down(), now)
    assert flow.interval == 125
    now = flow.next_due
    flow.next_request(now)
    evs = flow.receive(pending(interval=200), now)
    assert evs[0].public()["interval"] >= 125
    assert flow.next_due - now >= 125


def test_pending_keeps_polling_until_tokens() -> None:
    flow, server, evs, _ = run([code_reply()] + [pending()] * 7 + [token_reply()])
    assert kinds(evs) == ["code"] + ["pending"] * 7 + ["authorized"]
    assert len(server.polls()) == 8
    assert flow.state == states.AUTHORIZED and flow.done
    assert flow.device_code is None  # §5.2: dropped once of no use
    assert flow.tokens is not None
    assert flow.tokens["access_token"] == evs[-1].data["tokens"]["access_token"]
    assert flow.next_request(T0 + 10_000) is None and flow.wake_at() is None


@pytest.mark.parametrize(
    ("answer", "kind", "public"),
    [
        (error_reply(400, "access_denied"), "denied", {"error": "access_denied"}),
        (
            error_reply(400, "access_denied", error_description="The user said no"),
            "denied",
            {"description": "The user said no"},
        ),
        (error_reply(400, "expired_token"), "expired", {"reason": "server"}),
        (error_reply(400, "token_expired"), "expired", {"reason": "server"}),
    ],
)
def test_denied_and_expired_end_the_flow(answer: Any, kind: Any, public: Any) -> None:
    flow, _server, evs, clock = run([code_reply(), pending(), answer])
    assert kinds(evs) == ["code", "pending", kind]
    assert flow.done and flow.result is evs[-1]
    for k, v in public.items():
        assert evs[-1].public()[k] == v
    assert flow.device_code is None
    assert flow.next_request(clock() + 100) is None
    assert flow.check(clock() + 10_000) == []  # nothing more after the end


@pytest.mark.parametrize(
    ("answer", "category", "error"),
    [
        (error_reply(400, "invalid_grant"), "bad_code", "invalid_grant"),
        (error_reply(400, "invalid_request"), "protocol", "invalid_request"),
        (error_reply(404, "device_not_found"), "bad_code", "device_not_found"),
        (error_reply(400, "foo"), "protocol", "foo"),
        (error_reply(500, "internal_error"), "protocol", "internal_error"),
        # §3.5 "any other error code ... MUST stop polling": also an error code with a 500.
        (error_reply(500, "server_error"), "protocol", "server_error"),
        (error_reply(401, "invalid_client"), "configuration", "invalid_client"),
        (error_reply(400, "unauthorized_client"), "configuration", "unauthorized_client"),
        (error_reply(400, "unsupported_grant_type"), "configuration", "unsupported_grant_type"),
        (error_reply(400, "invalid_scope"), "configuration", "invalid_scope"),
        (
            Response(404, {"Content-Type": "text/html"}, b"<h1>Not Found</h1>"),
            "protocol",
            "invalid_response",
        ),
        (Response(401, {}, b""), "protocol", "invalid_response"),
        (json_reply(400, {"detail": "bad"}), "protocol", "invalid_response"),
        (json_reply(200, {"token": "x"}), "protocol", "invalid_response"),
        (token_reply(token_type="mac"), "protocol", "invalid_token_response"),
        (token_reply(token_type=None), "protocol", "invalid_token_response"),
        (token_reply(access_token=""), "protocol", "invalid_token_response"),
        (token_reply(access_token=12), "protocol", "invalid_token_response"),
    ],
)
def test_any_other_answer_stops_polling(answer: Any, category: Any, error: Any) -> None:
    flow, server, evs, clock = run([code_reply(), answer])
    assert kinds(evs) == ["code", "error"]
    assert evs[-1].public()["category"] == category
    assert evs[-1].public()["error"] == error
    assert flow.state == states.FAILED and flow.device_code is None
    assert len(server.polls()) == 1
    assert flow.next_request(clock() + 1000) is None


@pytest.mark.parametrize(
    "outage",
    [
        error_reply(503, "temporarily_unavailable"),
        error_reply(502, "server_error"),
        error_reply(504, "foo"),
        error_reply(429, "rate_limit_exceeded"),
    ],
    ids=["503", "502", "504", "429"],
)
def test_an_outage_with_an_error_body_is_retried_not_final(outage: Any) -> None:
    # A gateway or availability failure is the server not answering, whatever its body says:
    # it slows polling down like a failed connection, and the flow goes on.
    flow, server, evs, _clock = run([code_reply(), outage, token_reply()])
    assert kinds(evs) == ["code", "retrying", "authorized"]
    polls = [t for t, _ in server.polls()]
    assert polls[1] - polls[0] >= 5 * 2  # backed off: at least twice the interval
    assert flow.state == states.AUTHORIZED


@pytest.mark.parametrize("status", [200, 400, 403, 428])
def test_garbled_json_is_retried_whatever_the_status(status: int) -> None:
    # A truncated body is damage on the way (design-notes §2), not a refusal.
    garbled = Response(status, {"Content-Type": "application/json"}, b'{"error": "authorizati')
    _flow, _server, evs, _clock = run([code_reply(), garbled, token_reply()])
    assert kinds(evs) == ["code", "retrying", "authorized"]
    assert evs[1].public()["reason"] == "an unreadable JSON answer"


def test_local_deadline_ends_a_flow_the_server_keeps_pending() -> None:
    # django-oauth-toolkit never says expired_token by itself: the client enforces expires_in.
    flow, server, evs, clock = run([code_reply(expires_in=30)] + [pending()] * 100)
    assert kinds(evs) == ["code"] + ["pending"] * 5 + ["expired"]
    assert evs[-1].public() == {"event": "expired", "reason": "deadline"}
    assert [t - T0 for t, _ in server.polls()] == [5, 10, 15, 20, 25]
    assert all(t < T0 + 30 for t in server.times)
    assert clock() == T0 + 30
    assert flow.state == states.EXPIRED and flow.device_code is None


@pytest.mark.parametrize(
    "late",
    [pending(), slow_down(), Response(503, {}, b""), TransportError("x", reason="timeout")],
    ids=["pending", "slow_down", "503", "timeout"],
)
def test_an_answer_that_arrives_after_the_deadline_is_an_expiry(late: Any) -> None:
    _flow, _server, evs, clock = run(
        [code_reply(expires_in=30)] + [pending()] * 4 + [Slow(12, late)]
    )
    assert kinds(evs)[-1] == "expired" and evs[-1].data["reason"] == "deadline"
    assert clock() == T0 + 37


def test_no_poll_is_sent_at_or_after_the_deadline() -> None:
    flow = waiting_flow(expires_in=12, interval=6)  # clamped up to 2 intervals = 12
    assert flow.next_request(T0 + 6) is not None
    flow.receive(pending(), T0 + 6.5)  # next due at 12.5 > deadline 12
    assert flow.wake_at() == T0 + 12
    assert flow.next_request(T0 + 12.5) is None
    assert flow.state == states.WAITING
    assert [e.public() for e in flow.check(T0 + 12)] == [{"event": "expired", "reason": "deadline"}]
    assert flow.next_request(T0 + 13) is None


def test_deadline_while_a_poll_is_in_flight() -> None:
    flow = waiting_flow(expires_in=30)
    flow.next_request(T0 + 25)
    assert flow.state == states.POLLING and flow.wake_at() == T0 + 30
    assert flow.check(T0 + 29.9) == []
    assert kinds(flow.check(T0 + 30)) == ["expired"]
    with pytest.raises(UsageError):
        flow.receive(token_reply(), T0 + 31)  # the late answer has nowhere to go


# ----------------------------------------------------------------------------- §3.5 failures
def connect_error() -> TransportError:
    return TransportError("connection refused", reason="connect")


def timeout_error() -> TransportError:
    return TransportError("read timed out", reason="timeout")


def test_connection_failures_back_off_exponentially_with_jitter_until_the_deadline() -> None:
    script = [code_reply(expires_in=600)] + [connect_error(), timeout_error()] * 50
    _flow, server, evs, _clock = run(script, rand=lambda: 0.5)
    retrying = [e.public() for e in evs if e.kind == "retrying"]
    # The first failure already doubles the interval (§3.5 "reduce their polling
    # frequency"), then doubling, capped at 60 s, then +12.5 % jitter (rand() = 0.5).
    assert [r["delay"] for r in retrying[:7]] == [11.25, 22.5, 45.0, 67.5, 67.5, 67.5, 67.5]
    assert [r["attempt"] for r in retrying[:3]] == [1, 2, 3]
    assert retrying[0]["reason"] == "connect" and retrying[1]["reason"] == "timeout"
    assert kinds(evs)[-1] == "expired" and evs[-1].data["reason"] == "deadline"
    assert all(t < T0 + 600 for t in server.times)
    assert gaps(server.times)[1:6] == [11.25, 22.5, 45.0, 67.5, 67.5]


def test_jitter_spreads_retries_but_never_polls_faster() -> None:
    for r in (0.0, 0.3, 0.999):
        flow = waiting_flow()
        flow.rand = lambda r=r: r
        flow.next_request(T0 + 5)
        ev = flow.fail(T0 + 5, connect_error())[0]
        assert 10 <= ev.data["delay"] <= 10 * 1.25
        assert flow.next_due == pytest.approx(T0 + 5 + 10 * (1 + 0.25 * r))


def test_a_good_answer_resets_the_backoff() -> None:
    script = [
        code_reply(),
        connect_error(),
        connect_error(),
        pending(),
        connect_error(),
        token_reply(),
    ]
    _flow, server, evs, _ = run(script)
    assert kinds(evs) == ["code", "retrying", "retrying", "pending", "retrying", "authorized"]
    assert [e.data["attempt"] for e in evs if e.kind == "retrying"] == [1, 2, 1]
    assert gaps(server.times) == [5, 10, 20, 5, 10]


@pytest.mark.parametrize(
    "answer",
    [
        Response(200, {"Content-Type": "text/html"}, b"<html>Sign in to the hotel Wi-Fi</html>"),
        Response(200, {"Content-Type": "application/json"}, b'{"access_token": "cut sh'),
        Response(200, {}, b""),
        Response(302, {"Location": "http://portal.example/login"}, b""),
        Response(301, {"Location": "https://elsewhere.example/"}, b""),
        Response(307, {"Location": "https://elsewhere.example/token"}, b""),
        Response(308, {"Location": "https://elsewhere.example/token"}, b""),
        Response(502, {"Content-Type": "text/html"}, b"<html>Bad Gateway</html>"),
        Response(429, {}, b""),
    ],
    ids=["portal-200", "truncated-json", "empty-200", "302", "301", "307", "308", "502", "429"],
)
def test_captive_portals_redirects_and_5xx_while_polling_are_retried(answer: Any) -> None:
    # Neither success nor a terminal error: the device keeps its code and tries again later,
    # never faster than the interval.
    _flow, server, evs, _ = run([code_reply(), answer, token_reply()])
    assert kinds(evs) == ["code", "retrying", "authorized"]
    assert evs[1].public()["delay"] >= 5
    assert gaps(server.times)[1] >= 5


@pytest.mark.parametrize("reason", ["other", "too_large", "redirect"])
def test_other_transport_failures_while_polling_are_retried(reason: Any) -> None:
    _flow, _server, evs, _ = run([code_reply(), TransportError("x", reason=reason), token_reply()])
    assert kinds(evs) == ["code", "retrying", "authorized"]


@pytest.mark.parametrize("when", ["code", "poll"])
def test_tls_failure_is_fatal(when: Any) -> None:
    tls = TransportError("certificate verify failed", reason="tls")
    script = [tls] if when == "code" else [code_reply(), tls]
    flow, server, evs, _ = run(script)
    assert evs[-1].public() == {
        "event": "error",
        "category": "network",
        "error": "tls",
        "description": "certificate verify failed",
    }
    assert flow.state == states.FAILED and len(server.log) == len(script)


# ----------------------------------------------------------------------------- Retry-After
def http_date(t: float) -> str:
    return email.utils.formatdate(t, usegmt=True)


@pytest.mark.parametrize(
    ("answer", "delay"),
    [
        (Response(429, {"Retry-After": "42"}, b""), 42),
        (Response(503, {"Retry-After": "17"}, b"<html>busy</html>"), 17),  # backoff (10) less
        (Response(503, {"Retry-After": "7"}, b""), 10),  # never faster than the backoff
        (Response(503, {"Retry-After": "999999999999999"}, b""), 300),  # capped
        (Response(503, {"Retry-After": "soon"}, b""), 10),  # unreadable: plain backoff
        (
            Response(
                503,
                {"Retry-After": http_date(1_700_000_090), "Date": http_date(1_700_000_000)},
                b"",
            ),
            90,
        ),
        (
            Response(
                503,
                {"Retry-After": http_date(1_600_000_000), "Date": http_date(1_700_000_000)},
                b"",
            ),
            10,
        ),  # a date in the past
        (
            Response(
                503,
                {"Retry-After": http_date(1_800_000_000), "Date": http_date(1_700_000_000)},
                b"",
            ),
            300,
        ),  # capped
    ],
)
def test_retry_after_is_honoured_while_polling(answer: Any, delay: Any) -> None:
    _flow, server, evs, _ = run([code_reply(), answer, token_reply()])
    assert kinds(evs) == ["code", "retrying", "authorized"]
    assert evs[1].public()["delay"] == delay
    assert gaps(server.times) == [5, delay]


def first_code_retry_delay() -> float:
    """The wait after the first failed device authorization request (rand() = 0)."""
    flow = DeviceFlow(standard())
    flow.start(T0)
    return float(flow.fail(T0, TransportError("x", reason="connect"))[0].data["delay"])


@pytest.mark.parametrize(
    ("retry_after", "poll_delay", "code_delay"),
    [(30, 30, 30), (1e9, 300, 300), (-4, 10, None), (None, 10, None), (float("nan"), 10, None)],
)
def test_transport_retry_after_is_honoured_and_capped(
    retry_after: Any, poll_delay: Any, code_delay: Any
) -> None:
    err = TransportError("busy", reason="other", retry_after=retry_after)
    _flow, _server, evs, _ = run([code_reply(), err, token_reply()])
    assert evs[1].public()["delay"] == poll_delay
    _flow, _server, evs, _ = run([err, code_reply(), token_reply()])
    assert evs[0].public()["delay"] == (code_delay or first_code_retry_delay())


# ----------------------------------------------------------------------------- §3.1 retries
def test_device_authorization_is_retried_then_reports_a_network_error() -> None:
    assert CODE_ATTEMPTS >= 2
    flow, server, evs, _clock = run([connect_error()] * CODE_ATTEMPTS)
    assert kinds(evs) == ["retrying"] * (CODE_ATTEMPTS - 1) + ["error"]
    base = first_code_retry_delay()
    assert 0 < base <= 5
    expected = [base * 2**i for i in range(CODE_ATTEMPTS - 1)]  # doubling, rand() = 0
    assert [e.data["delay"] for e in evs[:-1]] == expected
    assert gaps(server.times) == expected
    assert [e.data["attempt"] for e in evs[:-1]] == list(range(1, CODE_ATTEMPTS))
    assert all(r.url == DEVICE_ENDPOINT for _, r in server.log)
    assert evs[-1].public()["category"] == "network"
    assert evs[-1].public()["error"] == "unreachable"
    assert flow.state == states.FAILED


@pytest.mark.parametrize(
    ("failure", "reason"),
    [
        (TransportError("refused", reason="connect"), "connect"),
        (Response(503, {}, b""), "HTTP 503"),
        (
            Response(200, {"Content-Type": "text/html"}, b"<html>Wi-Fi login</html>"),
            "not an OAuth answer",
        ),
    ],
)
def test_device_authorization_succeeds_after_transient_failures(failure: Any, reason: Any) -> None:
    failures = [failure] * (CODE_ATTEMPTS - 1)
    flow, _server, evs, _ = run([*failures, code_reply(), token_reply()])
    assert kinds(evs) == ["retrying"] * len(failures) + ["code", "authorized"]
    assert {e.data["reason"] for e in evs[:-2]} == {reason}
    assert flow.state == states.AUTHORIZED


def test_backing_off_waits_for_its_time() -> None:
    base = first_code_retry_delay()
    flow = DeviceFlow(standard())
    flow.start(T0)
    flow.fail(T0, connect_error())
    assert flow.state == states.BACKING_OFF and flow.wake_at() == T0 + base
    assert flow.next_request(T0 + base - 0.01) is None
    assert flow.check(T0 + 1000) == []  # no deadline before there is a code
    req = flow.next_request(T0 + base)
    assert req is not None and req.url == DEVICE_ENDPOINT and flow.state == states.REQUESTING
    assert flow.wake_at() is None


@pytest.mark.parametrize(
    ("answer", "category", "error"),
    [
        (error_reply(400, "invalid_client"), "configuration", "invalid_client"),
        (error_reply(400, "unauthorized_client"), "configuration", "unauthorized_client"),
        (error_reply(400, "invalid_scope"), "configuration", "invalid_scope"),
        (error_reply(400, "device_flow_disabled"), "configuration", "device_flow_disabled"),
        (error_reply(400, "invalid_request"), "protocol", "invalid_request"),
        (error_reply(400, "authorization_pending"), "protocol", "authorization_pending"),
        (
            Response(404, {"Content-Type": "text/html"}, b"<h1>nope</h1>"),
            "protocol",
            "invalid_response",
        ),
        (json_reply(200, ["not", "an", "object"]), None, None),  # transient: retried
    ],
)
def test_device_authorization_errors(answer: Any, category: Any, error: Any) -> None:
    flow = DeviceFlow(standard())
    flow.start(T0)
    evs = flow.receive(answer, T0)
    if category is None:
        assert kinds(evs) == ["retrying"]
        return
    assert kinds(evs) == ["error"]
    assert evs[0].public()["category"] == category
    assert evs[0].public()["error"] == error
    assert flow.done


@pytest.mark.parametrize(
    "answer",
    [
        error_reply(400, "slow_down"),
        error_reply(503, "temporarily_unavailable"),
        json_reply(403, {"error_code": "rate_limit_exceeded"}),  # Google's quota error
        Response(302, {"Location": "http://portal.example/"}, b""),
        Response(200, {"Content-Type": "text/html"}, b"<html>captive portal</html>"),
        Response(500, {}, b""),
        Response(429, {}, b""),
        Response(408, {}, b""),
    ],
)
def test_device_authorization_transient_answers_are_retried(answer: Any) -> None:
    flow = DeviceFlow(standard())
    flow.start(T0)
    assert kinds(flow.receive(answer, T0)) == ["retrying"]
    assert flow.state == states.BACKING_OFF


# ----------------------------------------------------------------------------- cancel and misuse
@pytest.mark.parametrize("stage", ["idle", "requesting", "backing_off", "waiting", "polling"])
def test_cancel_ends_any_live_state(stage: Any) -> None:
    flow = DeviceFlow(standard())
    if stage != "idle":
        flow.start(T0)
    if stage == "backing_off":
        flow.fail(T0, connect_error())
    if stage in ("waiting", "polling"):
        flow.receive(code_reply(), T0)
    if stage == "polling":
        flow.next_request(T0 + 5)
    assert flow.state == stage
    flow.cancel()
    assert flow.state == states.CANCELLED and flow.done and flow.device_code is None
    assert flow.next_request(T0 + 100) is None and flow.wake_at() is None
    flow.cancel()  # idempotent
    with pytest.raises(UsageError):
        flow.start(T0)


def test_api_misuse_is_a_usage_error() -> None:
    flow = DeviceFlow(standard())
    with pytest.raises(UsageError):
        flow.receive(pending(), T0)
    with pytest.raises(UsageError):
        flow.fail(T0, connect_error())
    flow.start(T0)
    with pytest.raises(UsageError):
        flow.start(T0)
    flow.receive(code_reply(), T0)
    with pytest.raises(UsageError):  # WAITING: nothing is in flight
        flow.receive(pending(), T0 + 1)
    with pytest.raises(UsageError):
        flow.fail(T0 + 1, connect_error())
    assert flow.state == states.WAITING
