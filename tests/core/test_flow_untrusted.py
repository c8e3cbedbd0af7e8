"""Server strings are untrusted: URIs checked, text cleaned, the device code never shown."""

from __future__ import annotations

from typing import Any

import pytest

from device_app.core.errors import TransportError
from device_app.core.events import Event
from device_app.core.flow import DeviceFlow
from device_app.core.http import Response

from .fakes import (
    ACCESS_TOKEN,
    DEVICE_CODE,
    ISSUER,
    REFRESH_TOKEN,
    T0,
    FakeClock,
    FakeServer,
    assert_display_safe,
    code_reply,
    drive,
    error_reply,
    form_reply,
    kinds,
    pending,
    slow_down,
    standard,
    token_reply,
    unsafe_chars,
)

# Hostile text: terminal escapes (CSI, OSC title, BEL), C1 CSI, bidi override and isolate,
# zero-width, line separators, a tag character, NUL, and plain bulk.
HOSTILE = [
    "\x1b[2J\x1b[31mYOU ARE HACKED\x1b[0m",
    "\x1b]0;owned\x07title",
    "bell\x07\x07",
    "c1 csi \x9b31m red",
    "evil\u202etxt.exe",
    "\u2066isolate\u2069 \u200bzero\u200dwidth\ufeff",
    "line\u2028separator\u2029para",
    "tag\U000e0041\U000e0042hidden",
    "nul\x00byte\r\nnewline\ttab\x7fdel",
    "A" * 10_000,
    "\ud800 lone surrogate",
]


def code_event_for(profile: Any = None, **fields: Any) -> tuple[DeviceFlow, list[Event]]:
    flow = DeviceFlow(profile or standard())
    flow.start(T0)
    return flow, flow.receive(code_reply(**fields), T0)


# ----------------------------------------------------------------------------- verification URI
@pytest.mark.parametrize(
    "uri",
    [
        "http://auth.example.com/device",  # plain http to a real host
        "javascript:alert(document.cookie)",
        "JavaScript://auth.example.com/%0aalert(1)",
        "data:text/html;base64,PHNjcmlwdD4=",
        "https://user@auth.example.com/device",
        "https://user:pass@auth.example.com/device",
        "https://auth.example.com\\@evil.example/",
        "ftp://auth.example.com/device",
        "file:///etc/passwd",
        "https://",
        "//auth.example.com/device",
        "auth.example.com/device",
        "https://auth.example.com/de vice",
        "https://auth.example.com/\x1b[2Jdevice",
        "https://auth.example.com/device\u202e",
        "https://éxample.com/device",  # non-ASCII host: must be punycode
        "https://auth.example.com:99999/device",
        "https://auth.example.com:８０/device",  # full-width digits in the port
        "https://[::1/device",
        "https://auth.example.com/" + "a" * 10_000,
    ],
)
def test_unsafe_verification_uri_is_refused(uri: Any) -> None:
    flow, evs = code_event_for(verification_uri=uri, verification_uri_complete=None)
    assert kinds(evs) == ["error"]
    pub = evs[0].public()
    assert pub["category"] == "protocol" and pub["error"] == "unsafe_verification_uri"
    assert flow.done and flow.next_request(T0 + 100) is None
    assert_display_safe(evs, limit=200)


@pytest.mark.parametrize(
    ("uri", "settings"),
    [
        ("http://127.0.0.1:8080/device", {}),
        ("http://localhost/device", {}),
        ("http://[::1]:8080/device", {}),
        ("http://tv-sim.lan:8000/device", {"insecure_hosts": ("tv-sim.lan",)}),
        ("https://xn--bcher-kva.example/device", {}),
        ("https://auth.example.com/device", {"allowed_hosts": ("auth.example.com",)}),
    ],
)
def test_acceptable_verification_uris(uri: Any, settings: Any) -> None:
    _flow, evs = code_event_for(
        standard(**settings), verification_uri=uri, verification_uri_complete=None
    )
    assert kinds(evs) == ["code"] and evs[0].public()["verification_uri"] == uri


def test_allow_list_refuses_other_hosts() -> None:
    _flow, evs = code_event_for(standard(allowed_hosts=("login.example.org",)))
    assert evs[0].public()["error"] == "unsafe_verification_uri"


@pytest.mark.parametrize(
    "complete",
    [
        "https://evil.example.com/device?user_code=WDJB-MJHT",  # another host
        ISSUER + "/device?user_code=WDJB-MJHT&device_code=" + DEVICE_CODE,  # carries the secret
        "javascript:alert(1)",
        "http://auth.example.com/device?user_code=WDJB-MJHT",
        ISSUER + "/device?user_code=\x1b[2J",
        "https://user@auth.example.com/device",
        "not a url",
    ],
)
def test_unsafe_complete_uri_is_dropped_and_the_qr_falls_back(complete: Any) -> None:
    flow, evs = code_event_for(verification_uri_complete=complete)
    pub = evs[0].public()
    assert kinds(evs) == ["code"]
    assert pub["verification_uri_complete"] is None
    assert pub["verification_uri"] == ISSUER + "/device"  # what the QR code shows instead
    assert pub["user_code"] == "WDJB-MJHT"  # §3.3.1: still shown
    assert flow.verification_uri_complete is None


def test_complete_uri_on_the_same_host_is_kept() -> None:
    _flow, evs = code_event_for(verification_uri_complete=ISSUER + "/device?user_code=WDJB-MJHT")
    assert evs[0].public()["verification_uri_complete"] == ISSUER + "/device?user_code=WDJB-MJHT"


# ----------------------------------------------------------------------------- hostile text
@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_user_code_never_reaches_the_screen(text: Any) -> None:
    _flow, evs = code_event_for(user_code=text)
    # A user code must be shown verbatim or not at all: a code that is not safe to show ends
    # the flow (the user could not type what they cannot see).
    assert kinds(evs) == ["error"]
    assert evs[0].public()["error"] == "invalid_response"
    assert_display_safe(evs, limit=200)


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
@pytest.mark.parametrize("where", ["denied", "error", "error_code", "message", "retry"])
def test_hostile_server_text_is_cleaned(text: Any, where: Any) -> None:
    clock = FakeClock()
    if where == "message":
        script = [code_reply(message=text), error_reply(400, "access_denied")]
    elif where == "denied":
        script = [code_reply(), error_reply(400, "access_denied", error_description=text)]
    elif where == "error":
        script = [code_reply(), error_reply(400, "invalid_grant", error_description=text)]
    elif where == "error_code":
        script = [code_reply(), error_reply(400, text, error_description=text)]
    else:
        script = [code_reply(), error_reply(400, "x")]
        script.insert(0, TransportError(text, reason=text))  # type: ignore[arg-type]
    flow = DeviceFlow(standard())
    evs = drive(flow, FakeServer(script, clock), clock)
    assert flow.done
    assert_display_safe(evs, limit=200)
    for e in evs:
        for k in ("error", "reason"):
            v = e.public().get(k)
            assert v is None or (isinstance(v, str) and len(v) <= 80)


def test_form_encoded_hostile_description_is_cleaned() -> None:
    clock = FakeClock()
    script = [
        code_reply(),
        form_reply(200, {"error": "access_denied", "error_description": "\x1b[31mno\x07\u202e"}),
    ]
    evs = drive(DeviceFlow(standard()), FakeServer(script, clock), clock)
    # ESC and BEL become spaces: what is left of the sequence is inert text.
    assert evs[-1].public()["description"] == "[31mno"


def test_long_description_is_cut_with_an_ellipsis() -> None:
    clock = FakeClock()
    script = [code_reply(), error_reply(400, "access_denied", error_description="word " * 2000)]
    evs = drive(DeviceFlow(standard()), FakeServer(script, clock), clock)
    desc = evs[-1].public()["description"]
    assert len(desc) == 200 and desc.endswith("…") and desc.startswith("word word")


# ----------------------------------------------------------------------------- secrets
SCRIPTS = [
    [code_reply(), pending(), slow_down(), TransportError("x", reason="timeout"), token_reply()],
    [code_reply(), error_reply(400, "access_denied")],
    [code_reply(), error_reply(400, "expired_token")],
    [code_reply(), error_reply(400, "invalid_grant", error_description="bad " + DEVICE_CODE)],
    [code_reply(expires_in=20)] + [pending()] * 10,
    [code_reply(), TransportError("handshake", reason="tls")],
    [code_reply(verification_uri_complete=ISSUER + "/device?c=" + DEVICE_CODE), token_reply()],
]


@pytest.mark.parametrize("script", SCRIPTS, ids=range(len(SCRIPTS)))
def test_secrets_never_reach_public_views(script: Any) -> None:
    clock = FakeClock()
    server = FakeServer(script, clock)
    flow = DeviceFlow(standard(client_secret="CLIENT-SECRET", client_auth="post"))
    evs = drive(flow, server, clock)
    secrets = (DEVICE_CODE, ACCESS_TOKEN, REFRESH_TOKEN, "CLIENT-SECRET")
    for e in evs:
        shown = str(e.public()) + repr(e)
        for s in secrets:
            assert s not in shown, (s, e.kind)
    for _t, req in server.log:
        shown = str(req.redacted()) + repr(req)
        for s in secrets:
            assert s not in shown
    assert flow.device_code is None  # §5.2: dropped when the flow ended


def test_authorized_event_keeps_the_tokens_out_of_public() -> None:
    clock = FakeClock()
    evs = drive(
        DeviceFlow(standard()),
        FakeServer([code_reply(), token_reply(id_token="idt")], clock),
        clock,
    )
    ev = evs[-1]
    assert ev.public() == {
        "event": "authorized",
        "token_type": "Bearer",
        "scope": "openid profile",
        "expires_in": 3600,
    }
    assert ev.data["tokens"]["access_token"] == ACCESS_TOKEN
    assert ev.data["tokens"]["refresh_token"] == REFRESH_TOKEN
    assert ev.data["tokens"]["id_token"] == "idt"
    assert ev.terminal


def test_unsafe_chars_helper_catches_what_it_should() -> None:
    # The test oracle itself: it must flag every hostile sample but plain text.
    for text in HOSTILE[:-2]:
        assert unsafe_chars(text), text
    assert unsafe_chars(HOSTILE[-1])
    assert not unsafe_chars("WDJB-MJHT https://example.com/device Ünïcode ✓")


def test_responses_with_odd_bodies_are_display_safe() -> None:
    clock = FakeClock()
    script = [
        code_reply(),
        Response(400, {"Content-Type": "application/json"}, b'{"error": "\\u001b[31mred\\u0007"}'),
    ]
    evs = drive(DeviceFlow(standard()), FakeServer(script, clock), clock)
    assert evs[-1].public()["error"] == "[31mred"
    assert_display_safe(evs)
