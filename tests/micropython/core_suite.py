"""Portable tests of the sans-IO core: they run unchanged on CPython and on MicroPython.

Plain functions with plain asserts: no pytest, no typing, no f-strings. A fake clock (just
numbers handed to the flow) and a scripted fake authorization server (a small class that
returns :class:`device_app.core.http.Response` objects) drive
:class:`device_app.core.flow.DeviceFlow` through every state and rule.

Run it directly (``python tests/micropython/core_suite.py`` or through
``tools/micropython/run.mjs``): it prints one line per failure and ends with
"N passed, M failed"; the exit status is 1 when anything failed.
"""

import json
import sys

from device_app.core import states
from device_app.core.backoff import BACKOFF_CAP, JITTER
from device_app.core.errors import TransportError, UsageError
from device_app.core.flow import CODE_ATTEMPTS, DeviceFlow
from device_app.core.formenc import decode_form
from device_app.core.http import Response
from device_app.core.profile import DEVICE_GRANT, FORM_TYPE, build_profile

T0 = 1000.0  # the fake monotonic clock starts here (any number works: the core only subtracts)
DEVICE_CODE = "dc-SECRET-0123456789abcdef"
ISSUER = "https://auth.example.com"


# ----------------------------------------------------------------------------- fakes
def json_reply(status, obj, headers=None):
    """A JSON response, as most servers send."""
    h = {"Content-Type": "application/json"}
    if headers:
        for k in headers:
            h[k] = headers[k]
    return Response(status, h, json.dumps(obj).encode("utf-8"))


def form_reply(status, text):
    """A form-encoded response, as GitHub sends when JSON was not asked for."""
    return Response(status, {"Content-Type": "application/x-www-form-urlencoded"}, text.encode())


def code_body(**fields):
    """A valid RFC 8628 §3.2 device authorization response, with fields overridden."""
    body = {
        "device_code": DEVICE_CODE,
        "user_code": "WDJB-MJHT",
        "verification_uri": "https://auth.example.com/device",
        "verification_uri_complete": "https://auth.example.com/device?user_code=WDJB-MJHT",
        "expires_in": 600,
        "interval": 5,
    }
    for k in fields:
        if fields[k] is None:
            body.pop(k, None)
        else:
            body[k] = fields[k]
    return body


def error_body(code, description=None, **more):
    body = {"error": code}
    if description is not None:
        body["error_description"] = description
    for k in more:
        body[k] = more[k]
    return body


TOKENS = {
    "access_token": "at-SECRET",
    "token_type": "Bearer",
    "refresh_token": "rt-SECRET",
    "expires_in": 3600,
    "scope": "openid profile",
}


class FakeServer:
    """A scripted authorization server: a transport that answers from a list.

    Each item is a Response, a TransportError (raised), or a callable taking the request.
    The last item repeats forever when ``repeat_last`` is true.
    """

    def __init__(self, replies, repeat_last=False):
        self.replies = list(replies)
        self.repeat_last = repeat_last
        self.requests = []

    def __call__(self, request):
        self.requests.append(request)
        if not self.replies:
            raise AssertionError("the fake server has no reply left for %r" % request)
        item = self.replies[0] if (self.repeat_last and len(self.replies) == 1) else None
        if item is None:
            item = self.replies.pop(0)
        if isinstance(item, TransportError):
            raise item
        if callable(item) and not isinstance(item, Response):
            return item(request)
        return item


def drive(flow, server, now=T0, limit=400):
    """Run ``flow`` to its end against ``server`` with a fake clock.

    Time jumps straight to ``flow.wake_at()`` (nothing sleeps). Returns ``(events, sent)``,
    ``sent`` being the list of ``(time, request)`` in the order they were sent.
    """
    evs = []
    sent = []
    req = flow.start(now)
    for _ in range(limit):
        sent.append((now, req))
        try:
            resp = server(req)
        except TransportError as e:
            evs.extend(flow.fail(now, e))
        else:
            evs.extend(flow.receive(resp, now))
        req = None
        while not flow.done:
            evs.extend(flow.check(now))
            if flow.done:
                break
            req = flow.next_request(now)
            if req is not None:
                break
            wake = flow.wake_at()
            assert wake is not None and wake > now, "the flow must always name a later wake-up"
            now = wake
        if flow.done:
            return evs, sent
    raise AssertionError("the flow did not finish in %d requests" % limit)


def standard(**settings):
    return build_profile("standard", "tv-client", issuer=ISSUER, **settings)


def kinds(evs):
    return [e.kind for e in evs]


def poll_times(sent):
    """Times of the token requests (the polls carry a grant_type, the code request none)."""
    return [t for (t, r) in sent if "grant_type" in r.form]


def gaps(times):
    return [times[i + 1] - times[i] for i in range(len(times) - 1)]


def approx(a, b, eps=1e-6):
    """Lists of numbers equal within ``eps`` (float sums of jittered delays)."""
    # no zip(strict=...): MicroPython's zip takes no keywords
    return len(a) == len(b) and all(abs(a[i] - b[i]) <= eps for i in range(len(a)))


def only(evs, kind):
    return [e for e in evs if e.kind == kind]


def assert_no_secret(evs, secrets=(DEVICE_CODE, "at-SECRET", "rt-SECRET")):
    """No public view of any event may carry the device code or a token."""
    for e in evs:
        text = repr(e.public())
        for s in secrets:
            assert s not in text, "%s leaked in %s" % (s, text)


def assert_clean(text):
    """No control, escape or bidi character in a string meant for a screen."""
    for ch in text:
        o = ord(ch)
        assert not (o < 0x20 or 0x7F <= o < 0xA0), "control character %d in %r" % (o, text)
        assert not (0x202A <= o <= 0x202E or 0x2066 <= o <= 0x2069), "bidi in %r" % text


# ----------------------------------------------------------------------------- requests
def test_device_authorization_request_shape():
    flow = DeviceFlow(standard(scope="openid tv"))
    req = flow.start(T0)
    assert flow.state == states.REQUESTING
    assert req.method == "POST"
    assert req.url == ISSUER + "/device_authorization"
    # oauthlib (django-oauth-toolkit) refuses any charset suffix: exactly this type.
    assert req.headers["Content-Type"] == FORM_TYPE == "application/x-www-form-urlencoded"
    assert decode_form(req.body) == {"client_id": "tv-client", "scope": "openid tv"}
    assert req.form == decode_form(req.body)


def test_poll_request_shape_and_redaction():
    server = FakeServer([json_reply(200, code_body()), json_reply(200, TOKENS)])
    flow = DeviceFlow(standard())
    drive(flow, server)
    poll = server.requests[1]
    form = decode_form(poll.body)
    assert form["grant_type"] == DEVICE_GRANT
    assert form["device_code"] == DEVICE_CODE
    assert form["client_id"] == "tv-client"
    assert "device_code" in poll.secret_fields
    assert DEVICE_CODE not in repr(poll.redacted())


def test_confidential_client_sends_secret_and_marks_it_secret():
    p = build_profile("google", "tv.apps.googleusercontent.com", client_secret="cs-SECRET")
    req = DeviceFlow(p).start(T0)
    assert decode_form(req.body)["client_secret"] == "cs-SECRET"
    assert "client_secret" in req.secret_fields
    assert "cs-SECRET" not in repr(req.redacted())


def test_basic_client_auth_uses_header():
    req = DeviceFlow(standard(client_secret="s e:c", client_auth="basic")).start(T0)
    assert req.headers["Authorization"].startswith("Basic ")
    assert "client_secret" not in decode_form(req.body)
    assert "<redacted>" in repr(req.redacted())


# ----------------------------------------------------------------------------- happy path
def test_code_then_pending_then_tokens():
    server = FakeServer(
        [
            json_reply(200, code_body()),
            json_reply(400, error_body("authorization_pending")),
            json_reply(400, error_body("authorization_pending")),
            json_reply(200, TOKENS),
        ]
    )
    flow = DeviceFlow(standard())
    evs, sent = drive(flow, server)
    assert kinds(evs) == ["code", "pending", "pending", "authorized"]
    code = evs[0].public()
    assert code["user_code"] == "WDJB-MJHT"
    assert code["verification_uri"] == "https://auth.example.com/device"
    assert code["verification_uri_complete"].endswith("user_code=WDJB-MJHT")
    assert code["expires_in"] == 600 and code["interval"] == 5
    # RFC 8628 §3.5: wait at least `interval` before every request, the first poll included.
    assert poll_times(sent) == [T0 + 5, T0 + 10, T0 + 15]
    assert flow.state == states.AUTHORIZED and flow.done
    tokens = evs[-1].data["tokens"]
    assert tokens["access_token"] == "at-SECRET" and tokens["refresh_token"] == "rt-SECRET"
    assert evs[-1].public() == {
        "event": "authorized",
        "token_type": "Bearer",
        "scope": "openid profile",
        "expires_in": 3600,
    }
    assert flow.device_code is None  # dropped as soon as it is of no use
    assert_no_secret(evs)


def test_nothing_is_due_before_the_interval():
    flow = DeviceFlow(standard())
    flow.start(T0)
    flow.receive(json_reply(200, code_body()), T0)
    assert flow.next_request(T0 + 4.999) is None
    assert flow.wake_at() == T0 + 5
    assert flow.next_request(T0 + 5) is not None
    assert flow.state == states.POLLING


# ----------------------------------------------------------------------------- slow_down
def test_slow_down_adds_five_seconds_cumulatively():
    pending = json_reply(400, error_body("authorization_pending"))
    slow = json_reply(400, error_body("slow_down"))
    server = FakeServer([json_reply(200, code_body()), slow, pending, slow, pending, pending])
    server.replies.append(json_reply(200, TOKENS))
    evs, sent = drive(DeviceFlow(standard()), server)
    assert kinds(evs) == [
        "code",
        "slow_down",
        "pending",
        "slow_down",
        "pending",
        "pending",
        "authorized",
    ]
    assert [e.data["interval"] for e in only(evs, "slow_down")] == [10, 15]
    # RFC 8628 §3.5: +5 s "for this and all subsequent requests".
    assert gaps(poll_times(sent)) == [10, 10, 15, 15, 15]


def test_server_interval_is_honoured_but_never_lowers():
    server = FakeServer(
        [
            json_reply(200, code_body()),
            json_reply(400, error_body("authorization_pending", interval=12)),
            json_reply(400, error_body("authorization_pending", interval=2)),
            # GitHub sends the new interval with slow_down: the larger of +5 and it wins.
            json_reply(200, error_body("slow_down", interval=30)),
            json_reply(400, error_body("slow_down", interval=1)),
            json_reply(200, TOKENS),
        ]
    )
    evs, sent = drive(DeviceFlow(standard()), server)
    assert [e.data["interval"] for e in evs[1:-1]] == [12, 12, 30, 35]
    assert gaps(poll_times(sent)) == [12, 12, 30, 35]


# ----------------------------------------------------------------------------- endings
def test_access_denied_ends_the_flow():
    server = FakeServer(
        [
            json_reply(200, code_body()),
            json_reply(400, error_body("access_denied", "The user said no")),
        ]
    )
    flow = DeviceFlow(standard())
    evs, _ = drive(flow, server)
    assert kinds(evs) == ["code", "denied"]
    assert evs[-1].public() == {
        "event": "denied",
        "error": "access_denied",
        "description": "The user said no",
    }
    assert flow.state == states.DENIED
    assert flow.next_request(T0 + 1000) is None and flow.wake_at() is None


def test_expired_token_from_server():
    server = FakeServer(
        [json_reply(200, code_body()), json_reply(400, error_body("expired_token"))]
    )
    flow = DeviceFlow(standard())
    evs, _ = drive(flow, server)
    assert kinds(evs) == ["code", "expired"]
    assert evs[-1].data["reason"] == "server" and flow.state == states.EXPIRED


def test_local_deadline_stops_a_server_that_says_pending_forever():
    # django-oauth-toolkit never reports expired_token by itself (design-notes §1.4).
    server = FakeServer(
        [
            json_reply(200, code_body(expires_in=30, interval=5)),
            json_reply(400, error_body("authorization_pending")),
        ],
        repeat_last=True,
    )
    flow = DeviceFlow(standard())
    evs, sent = drive(flow, server)
    assert evs[-1].kind == "expired" and evs[-1].data["reason"] == "deadline"
    times = poll_times(sent)
    assert times and max(times) < T0 + 30, "no poll at or after the deadline"
    assert len(times) == 5  # T0+5 ... T0+25
    assert flow.device_code is None


def test_check_alone_enforces_the_deadline():
    flow = DeviceFlow(standard())
    flow.start(T0)
    flow.receive(json_reply(200, code_body(expires_in=60)), T0)
    assert flow.check(T0 + 59.9) == []
    evs = flow.check(T0 + 60)
    assert kinds(evs) == ["expired"] and flow.done


# ----------------------------------------------------------------------------- failures
class SeqRand:
    """An injected jitter source: returns the given values in turn."""

    def __init__(self, values):
        self.values = list(values)
        self.calls = 0

    def __call__(self):
        self.calls += 1
        return self.values.pop(0) if self.values else 0.0


def test_connection_failures_back_off_exponentially_with_jitter():
    down = TransportError("connection refused", reason="connect")
    replies = [json_reply(200, code_body(expires_in=1800)), down, down, down, down, down]
    replies.extend([json_reply(400, error_body("authorization_pending")), json_reply(200, TOKENS)])
    server = FakeServer(replies)
    jitter = [0.0, 0.5, 1.0 - 1e-9, 0.0, 0.0]
    rand = SeqRand(jitter)
    evs, sent = drive(DeviceFlow(standard(), rand=rand), server)
    retries = only(evs, "retrying")
    assert [e.data["attempt"] for e in retries] == [1, 2, 3, 4, 5]
    assert [e.data["reason"] for e in retries] == ["connect"] * 5
    assert rand.calls == 5  # one jitter draw per retry, from the injected source
    waits = gaps(poll_times(sent))
    assert approx(waits[:5], [e.data["delay"] for e in retries], 0.01)
    # RFC 8628 §3.5: "MUST unilaterally reduce their polling frequency before retrying".
    assert waits[0] > 5
    # Without its jitter factor (1 + JITTER * r), each wait doubles the one before, up to
    # the cap, which it then keeps.
    raw = [waits[i] / (1 + JITTER * jitter[i]) for i in range(5)]
    for i in range(4):
        assert abs(raw[i + 1] - min(2 * raw[i], BACKOFF_CAP)) < 1e-6, raw
    assert raw[-1] == BACKOFF_CAP and raw[1] > raw[0]
    assert waits[1] > raw[1] and waits[2] > raw[2]  # the jitter really was applied
    # after a good answer, polling is back to the interval
    assert waits[5] == 5
    assert evs[-1].kind == "authorized"


def test_retry_after_on_429_is_respected():
    server = FakeServer(
        [
            json_reply(200, code_body()),
            Response(429, {"Retry-After": "42"}, b""),
            json_reply(200, TOKENS),
        ]
    )
    evs, sent = drive(DeviceFlow(standard()), server)
    assert kinds(evs) == ["code", "retrying", "authorized"]
    assert evs[1].data["delay"] == 42
    assert gaps(poll_times(sent)) == [42]


def test_tls_failure_is_never_retried():
    server = FakeServer(
        [json_reply(200, code_body()), TransportError("certificate verify failed", reason="tls")]
    )
    evs, _ = drive(DeviceFlow(standard()), server)
    assert evs[-1].public()["category"] == "network" and evs[-1].data["error"] == "tls"
    assert len(server.requests) == 2


def test_device_authorization_gives_up_after_repeated_failures():
    down = TransportError("timed out", reason="timeout")
    server = FakeServer([down], repeat_last=True)
    flow = DeviceFlow(standard())
    evs, sent = drive(flow, server)
    assert CODE_ATTEMPTS >= 2
    assert kinds(evs) == ["retrying"] * (CODE_ATTEMPTS - 1) + ["error"]
    assert evs[-1].data["category"] == "network"
    assert len(sent) == CODE_ATTEMPTS and flow.state == states.FAILED
    waits = gaps([t for (t, _) in sent])
    assert waits[0] >= 1.0  # never hammer the server
    for i in range(1, len(waits)):
        assert waits[i] == 2 * waits[i - 1], waits  # doubled each time (no jitter: rand=0)


def test_captive_portal_and_redirect_are_transient():
    html = Response(200, {"Content-Type": "text/html"}, b"<html>Please log in to the Wi-Fi</html>")
    moved = Response(302, {"Location": "http://portal.example/"}, b"")
    server = FakeServer([json_reply(200, code_body()), html, moved, json_reply(200, TOKENS)])
    evs, _ = drive(DeviceFlow(standard()), server)
    assert kinds(evs) == ["code", "retrying", "retrying", "authorized"]


def test_misuse_is_a_usage_error():
    flow = DeviceFlow(standard())
    try:
        flow.receive(json_reply(200, code_body()), T0)
    except UsageError:
        pass
    else:
        raise AssertionError("receive() with no request in flight must raise UsageError")
    flow.start(T0)
    try:
        flow.start(T0)
    except UsageError:
        pass
    else:
        raise AssertionError("start() twice must raise UsageError")


def test_cancel_stops_everything():
    flow = DeviceFlow(standard())
    flow.start(T0)
    flow.receive(json_reply(200, code_body()), T0)
    flow.cancel()
    assert flow.state == states.CANCELLED and flow.done
    assert flow.next_request(T0 + 100) is None and flow.device_code is None


# ----------------------------------------------------------------------------- providers
def test_github_form_bodies_and_errors_with_200():
    gh = build_profile("github", "Iv1.0123456789abcdef")
    server = FakeServer(
        [
            # numbers as strings, form-encoded, as GitHub answers without Accept: JSON
            form_reply(
                200,
                "device_code=%s&expires_in=899&interval=5&user_code=WDJB-MJHT"
                "&verification_uri=https%%3A%%2F%%2Fgithub.com%%2Flogin%%2Fdevice" % DEVICE_CODE,
            ),
            form_reply(200, "error=authorization_pending&error_description=still+waiting"),
            form_reply(200, "error=slow_down&error_description=too+fast&interval=10"),
            form_reply(200, "access_token=at-SECRET&token_type=bearer&scope=read%3Auser"),
        ]
    )
    evs, _ = drive(DeviceFlow(gh), server)
    assert kinds(evs) == ["code", "pending", "slow_down", "authorized"]
    assert evs[0].data["verification_uri"] == "https://github.com/login/device"
    assert evs[0].data["expires_in"] == 899
    assert evs[2].data["interval"] == 10
    assert evs[-1].data["tokens"]["scope"] == "read:user"
    assert evs[-1].data["tokens"]["token_type"] == "Bearer"
    assert server.requests[0].headers["Accept"] == "application/json"
    assert_no_secret(evs)


def test_github_incorrect_device_code_is_bad_code():
    gh = build_profile("github", "Iv1.0123456789abcdef")
    server = FakeServer(
        [json_reply(200, code_body()), json_reply(200, error_body("incorrect_device_code"))]
    )
    evs, _ = drive(DeviceFlow(gh), server)
    assert evs[-1].public()["category"] == "bad_code"


def test_google_verification_url_and_428_pending():
    g = build_profile("google", "tv.apps.googleusercontent.com", client_secret="cs-SECRET")
    body = code_body(verification_uri=None, verification_uri_complete=None, expires_in=1800)
    body["verification_url"] = "https://www.google.com/device"
    server = FakeServer(
        [
            json_reply(200, body),
            json_reply(428, error_body("authorization_pending", "Precondition Required")),
            json_reply(403, error_body("slow_down")),
            json_reply(200, TOKENS),
        ]
    )
    evs, _ = drive(DeviceFlow(g), server)
    assert kinds(evs) == ["code", "pending", "slow_down", "authorized"]
    assert evs[0].data["verification_uri"] == "https://www.google.com/device"
    assert evs[0].data["verification_uri_complete"] is None
    assert decode_form(server.requests[1].body)["client_secret"] == "cs-SECRET"


def test_google_rate_limit_uses_error_code_key():
    g = build_profile("google", "tv.apps.googleusercontent.com", client_secret="cs-SECRET")
    server = FakeServer(
        [json_reply(403, {"error_code": "rate_limit_exceeded"}), json_reply(200, code_body())]
    )
    flow = DeviceFlow(g)
    flow.start(T0)
    evs = flow.receive(server(None), T0)
    assert kinds(evs) == ["retrying"] and flow.state == states.BACKING_OFF


def auth0():
    return build_profile(
        "auth0",
        "auth0-client",
        issuer="https://tenant.auth0.com/",
        extra_params={"audience": "https://api.example.com"},
    )


def test_auth0_403_pending_429_slow_down_then_tokens():
    server = FakeServer(
        [
            json_reply(200, code_body(expires_in=900)),
            json_reply(403, error_body("authorization_pending", "User has yet to authorize")),
            json_reply(429, error_body("slow_down", "polling faster than 5 seconds")),
            json_reply(200, TOKENS),
        ]
    )
    evs, sent = drive(DeviceFlow(auth0()), server)
    assert kinds(evs) == ["code", "pending", "slow_down", "authorized"]
    assert sent[0][1].url == "https://tenant.auth0.com/oauth/device/code"
    assert decode_form(sent[0][1].body)["audience"] == "https://api.example.com"
    assert gaps(poll_times(sent)) == [5, 10]


def test_auth0_expired_token_once_then_invalid_grant():
    # Auth0 says expired_token once, then invalid_grant: near the deadline that means expired.
    server = FakeServer(
        [
            json_reply(200, code_body(expires_in=20, interval=5)),
            json_reply(403, error_body("authorization_pending")),
            json_reply(403, error_body("authorization_pending")),
            json_reply(403, error_body("invalid_grant", "Invalid or expired device code.")),
        ]
    )
    evs, _ = drive(DeviceFlow(auth0()), server)
    assert kinds(evs) == ["code", "pending", "pending", "expired"]
    assert evs[-1].data["reason"] == "server"


def test_auth0_early_invalid_grant_is_a_bad_code():
    server = FakeServer(
        [json_reply(200, code_body(expires_in=900)), json_reply(403, error_body("invalid_grant"))]
    )
    evs, _ = drive(DeviceFlow(auth0()), server)
    assert evs[-1].kind == "error" and evs[-1].data["category"] == "bad_code"


def test_dot_404_device_not_found():
    dot = build_profile("django-oauth-toolkit", "dot-client", issuer="https://site.example.com/o")
    server = FakeServer(
        [json_reply(200, code_body()), json_reply(404, error_body("device_not_found"))]
    )
    evs, sent = drive(DeviceFlow(dot), server)
    assert sent[1][1].url == "https://site.example.com/o/token/"
    assert evs[-1].public() == {
        "event": "error",
        "category": "bad_code",
        "error": "device_not_found",
        "description": None,
    }


def test_numbers_as_strings():
    server = FakeServer(
        [json_reply(200, code_body(expires_in="120", interval=" 7 ")), json_reply(200, TOKENS)]
    )
    evs, sent = drive(DeviceFlow(standard()), server)
    assert evs[0].data["interval"] == 7 and evs[0].data["expires_in"] == 120
    assert gaps([t for (t, _) in sent]) == [7]


def code_event_for(**fields):
    flow = DeviceFlow(standard())
    flow.start(T0)
    evs = flow.receive(json_reply(200, code_body(**fields)), T0)
    return flow, evs[0]


def test_missing_or_absurd_interval_and_expires_in():
    cases = [
        # (interval sent, expires_in sent) -> (interval used, expires_in used)
        ((None, None), (5, 600)),  # RFC 8628 §3.2: missing interval means 5
        ((0, 600), (5, 600)),
        ((-3, 600), (5, 600)),
        ((0.1, 600), (1, 600)),  # never faster than once a second
        ((10**9, 600), (60, 600)),  # a broken server cannot stall sign-in
        (("soon", "later"), (5, 600)),
        ((True, 600), (5, 600)),  # a JSON boolean is not a number
        ((5, 10**12), (5, 3600)),
        ((5, 3), (5, 10)),  # at least two polls' worth
        ((5, -1), (5, 600)),
    ]
    for (interval, expires_in), (want_i, want_e) in cases:
        flow, ev = code_event_for(interval=interval, expires_in=expires_in)
        got = (ev.data["interval"], ev.data["expires_in"])
        assert got == (want_i, want_e), "sent %r, got %r" % ((interval, expires_in), got)
        assert flow.wake_at() == T0 + want_i


def test_missing_required_fields_are_protocol_errors():
    for missing in ("device_code", "user_code", "verification_uri"):
        flow, ev = code_event_for(**{missing: None})
        assert ev.kind == "error", missing
        assert ev.data["category"] == "protocol", missing
        assert flow.state == states.FAILED


def test_not_json_at_all_is_not_a_crash():
    for body in (b"", b"{", b"[1, 2]", b"null", b"\xff\xfe", b"<html></html>", b'{"a": }'):
        flow = DeviceFlow(standard())
        flow.start(T0)
        evs = flow.receive(Response(200, {"Content-Type": "application/json"}, body), T0)
        assert len(evs) == 1 and evs[0].kind in ("retrying", "error"), body


# ----------------------------------------------------------------------------- untrusted strings
def test_javascript_and_data_uris_are_refused():
    for bad in (
        "javascript:alert(1)",
        "data:text/html;base64,PHNjcmlwdD4=",
        "http://evil.example/device",  # plain http to a non-loopback host
        "https://user:pw@auth.example.com/device",
        "https://auth.example.com/dev\x1b[2Jice",
    ):
        flow, ev = code_event_for(verification_uri=bad)
        assert ev.kind == "error", bad
        assert ev.data["error"] == "unsafe_verification_uri", bad
        assert_clean(ev.data["description"])
        assert flow.done


def test_unsafe_or_foreign_complete_uri_is_dropped_not_fatal():
    for bad in (
        "javascript:alert(1)",
        "https://phish.example/device?user_code=WDJB-MJHT",
        "https://auth.example.com/device?code=" + DEVICE_CODE,
    ):
        _, ev = code_event_for(verification_uri_complete=bad)
        assert ev.kind == "code", bad
        assert ev.data["verification_uri_complete"] is None, bad


def test_escape_sequences_are_stripped_from_server_text():
    nasty = "\x1b]8;;https://evil.example\x07Click\x1b[0m here\u202eevil\r\nline"
    _, ev = code_event_for(message=nasty)
    assert ev.kind == "code"
    assert_clean(ev.data["message"])
    assert "Click" in ev.data["message"] and "here" in ev.data["message"]

    server = FakeServer(
        [json_reply(200, code_body()), json_reply(400, error_body("access_denied", nasty))]
    )
    evs, _ = drive(DeviceFlow(standard()), server)
    assert_clean(evs[-1].data["description"])

    weird = error_body("weird\x1b[31m_error", "x" * 5000)
    server = FakeServer([json_reply(200, code_body()), json_reply(400, weird)])
    evs, _ = drive(DeviceFlow(standard()), server)
    assert evs[-1].kind == "error" and evs[-1].data["category"] == "protocol"
    assert_clean(evs[-1].data["error"])
    assert len(evs[-1].data["description"]) <= 200


def test_user_code_with_control_characters_is_refused():
    _, ev = code_event_for(user_code="WDJB\x1b[8mMJHT")
    assert ev.kind == "error" and ev.data["category"] == "protocol"
    _, ev = code_event_for(user_code="X" * 100)
    assert ev.kind == "error"


# ----------------------------------------------------------------------------- persistence
def test_snapshot_and_resume():
    flow = DeviceFlow(standard())
    flow.start(T0)
    flow.receive(json_reply(200, code_body(expires_in=600)), T0)
    snap = flow.snapshot(T0 + 100, 1700000000.0)
    assert snap["device_code"] == DEVICE_CODE  # the caller stores it like a token
    text = json.dumps(snap)
    # after a reboot: another monotonic origin, the wall clock moved on 50 s
    again = DeviceFlow.resume(standard(), json.loads(text), 5.0, 1700000050.0)
    assert again is not None and again.state == states.WAITING
    assert again.deadline == 5.0 + 450
    ev = again.code_event(5.0)
    assert ev.data["user_code"] == "WDJB-MJHT" and ev.data["expires_in"] == 450
    # a clock that went backwards, or a stale snapshot, is not trusted
    assert DeviceFlow.resume(standard(), json.loads(text), 5.0, 1699999000.0) is None
    assert DeviceFlow.resume(standard(), json.loads(text), 5.0, 1700000600.0) is None
    assert DeviceFlow.resume(standard(), {"v": 99}, 5.0, 1700000050.0) is None


# ----------------------------------------------------------------------------- runner
def suite_names():
    """Names of the test functions, sorted (MicroPython's dicts keep no insertion order)."""
    names = [n for n in globals() if n.startswith("test_")]
    names.sort()
    return names


def _print_exception(e):
    if hasattr(sys, "print_exception"):
        sys.print_exception(e)  # MicroPython
    else:
        import traceback  # type: ignore[import-not-found]  # the CPython-only branch

        traceback.print_exception(type(e), e, e.__traceback__)


def run_all(verbose=False):
    """Run every test; return (passed, failed_names)."""
    passed = 0
    failed = []
    g = globals()
    for name in suite_names():
        try:
            g[name]()
        except Exception as e:
            failed.append(name)
            print("FAIL %s: %s: %s" % (name, type(e).__name__, e))
            if verbose:
                _print_exception(e)
        else:
            passed += 1
            if verbose:
                print("ok   %s" % name)
    return passed, failed


def main():
    verbose = "-v" in sys.argv
    impl = sys.implementation.name
    print("core suite on %s %s" % (impl, ".".join(str(x) for x in sys.implementation.version[:3])))
    passed, failed = run_all(verbose)
    print("%d passed, %d failed" % (passed, len(failed)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
