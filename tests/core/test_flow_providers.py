"""DeviceFlow against each provider's dialect (docs/design-notes.md §1)."""

from __future__ import annotations

import base64
import itertools
import urllib.parse
from typing import Any

import pytest

from device_app.core.errors import ConfigurationError
from device_app.core.events import Event
from device_app.core.flow import DeviceFlow
from device_app.core.formenc import decode_form
from device_app.core.http import Response
from device_app.core.profile import (
    FORM_TYPE,
    MAX_EXPIRES,
    MAX_INTERVAL,
    MIN_INTERVAL,
    Profile,
    build_profile,
)

from .fakes import (
    ACCESS_TOKEN,
    DEVICE_CODE,
    T0,
    FakeClock,
    FakeServer,
    code_body,
    code_reply,
    drive,
    error_reply,
    form_reply,
    json_reply,
    kinds,
    pending,
    slow_down,
    standard,
    token_reply,
    waiting_flow,
)


def make(*args: Any, **kw: Any) -> Profile:
    profile: Profile = build_profile(*args, **kw)
    return profile


def auth0() -> Profile:
    return make(
        "auth0",
        "a0-client",
        issuer="https://tenant.eu.auth0.com/",
        extra_params={"audience": "https://api.example.com"},
    )


def google() -> Profile:
    return make(
        "google", "123-abc.apps.googleusercontent.com", client_secret="GOCSPX-google-secret"
    )


def github() -> Profile:
    return make("github", "Iv1.github-client")


def microsoft() -> Profile:
    return make("microsoft", "00000000-0000-0000-0000-000000000001")


def keycloak() -> Profile:
    return make(
        "keycloak", "tv", issuer="https://kc.example.com/realms/home", client_secret="kc-secret"
    )


def dot() -> Profile:
    return make("django-oauth-toolkit", "dot-client", issuer="https://site.example.com/o")


def okta() -> Profile:
    return make("okta", "okta-client", issuer="https://org.okta.com/oauth2/default")


def run(profile: Profile, script: list[Any]) -> tuple[DeviceFlow, FakeServer, list[Event]]:
    clock = FakeClock()
    server = FakeServer(script, clock)
    flow = DeviceFlow(profile)
    evs = drive(flow, server, clock)
    return flow, server, evs


def code_for(profile: Profile, **fields: Any) -> Response:
    """A code answer whose URIs are on the provider's own host."""
    host = urllib.parse.urlsplit(profile.device_authorization_endpoint).netloc
    base = "https://%s/device" % host
    return json_reply(
        200,
        code_body(
            verification_uri=base, verification_uri_complete=base + "?code=WDJB-MJHT", **fields
        ),
    )


# ----------------------------------------------------------------------------- dialect tables
PROVIDER_CASES = [
    # (name, profile factory, poll answers, expected kinds after "code", last public fields)
    (
        "auth0 403 pending, 429 slow_down",
        auth0,
        [error_reply(403, "authorization_pending"), error_reply(429, "slow_down"), token_reply()],
        ["pending", "slow_down", "authorized"],
        {"token_type": "Bearer"},
    ),
    (
        "auth0 expired_token",
        auth0,
        [error_reply(403, "expired_token")],
        ["expired"],
        {"reason": "server"},
    ),
    (
        "auth0 access_denied",
        auth0,
        [error_reply(403, "access_denied")],
        ["denied"],
        {"error": "access_denied"},
    ),
    (
        "google 428 pending, 403 slow_down",
        google,
        [error_reply(428, "authorization_pending"), error_reply(403, "slow_down"), token_reply()],
        ["pending", "slow_down", "authorized"],
        {"scope": "openid profile"},
    ),
    (
        "google org_internal",
        google,
        [error_reply(403, "org_internal")],
        ["error"],
        {"category": "configuration"},
    ),
    (
        "google admin_policy_enforced",
        google,
        [error_reply(400, "admin_policy_enforced")],
        ["error"],
        {"category": "configuration"},
    ),
    (
        "github 200 + form errors",
        github,
        [
            form_reply(200, {"error": "authorization_pending"}),
            form_reply(
                200,
                {"error": "slow_down", "interval": "10", "error_description": "Too many requests"},
            ),
            form_reply(
                200, {"access_token": ACCESS_TOKEN, "token_type": "bearer", "scope": "read:user"}
            ),
        ],
        ["pending", "slow_down", "authorized"],
        {"scope": "read:user", "expires_in": None},
    ),
    (
        "github incorrect_device_code",
        github,
        [form_reply(200, {"error": "incorrect_device_code"})],
        ["error"],
        {"category": "bad_code"},
    ),
    (
        "github incorrect_client_credentials",
        github,
        [form_reply(200, {"error": "incorrect_client_credentials"})],
        ["error"],
        {"category": "configuration"},
    ),
    (
        "github device_flow_disabled",
        github,
        [form_reply(200, {"error": "device_flow_disabled"})],
        ["error"],
        {"category": "configuration"},
    ),
    (
        "github token_expired",
        github,
        [form_reply(200, {"error": "token_expired"})],
        ["expired"],
        {"reason": "server"},
    ),
    (
        "github expired_token",
        github,
        [form_reply(200, {"error": "expired_token"})],
        ["expired"],
        {"reason": "server"},
    ),
    (
        "github access_denied",
        github,
        [form_reply(200, {"error": "access_denied"})],
        ["denied"],
        {"error": "access_denied"},
    ),
    (
        "github 200 form-encoded charset",
        github,
        [
            Response(
                200,
                {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
                b"error=authorization_pending&error_description=pending&error_uri=https%3A%2F%2Fx",
            ),
            token_reply(),
        ],
        ["pending", "authorized"],
        {},
    ),
    (
        "microsoft authorization_declined",
        microsoft,
        [
            error_reply(
                400,
                "authorization_pending",
                error_codes=[70016],
                trace_id="t",
                correlation_id="c",
                timestamp="2024-01-01 00:00:00Z",
            ),
            error_reply(400, "authorization_declined", error_codes=[70000]),
        ],
        ["pending", "denied"],
        {"error": "authorization_declined"},
    ),
    (
        "microsoft bad_verification_code",
        microsoft,
        [error_reply(400, "bad_verification_code", error_codes=[70018])],
        ["error"],
        {"category": "bad_code", "error": "bad_verification_code"},
    ),
    ("microsoft expired_token", microsoft, [error_reply(400, "expired_token")], ["expired"], {}),
    (
        "keycloak all 400",
        keycloak,
        [pending(400), slow_down(400), pending(400), token_reply()],
        ["pending", "slow_down", "pending", "authorized"],
        {},
    ),
    ("keycloak access_denied", keycloak, [error_reply(400, "access_denied")], ["denied"], {}),
    ("keycloak expired_token", keycloak, [error_reply(400, "expired_token")], ["expired"], {}),
    (
        "keycloak invalid_grant",
        keycloak,
        [error_reply(400, "invalid_grant")],
        ["error"],
        {"category": "bad_code"},
    ),
    (
        "dot 404 device_not_found",
        dot,
        [pending(400), error_reply(404, "device_not_found")],
        ["pending", "error"],
        {"category": "bad_code", "error": "device_not_found"},
    ),
    ("dot access_denied", dot, [error_reply(400, "access_denied")], ["denied"], {}),
    ("okta 400 pending", okta, [pending(400), token_reply()], ["pending", "authorized"], {}),
]


@pytest.mark.parametrize(
    ("factory", "answers", "expected", "public"),
    [c[1:] for c in PROVIDER_CASES],
    ids=[c[0] for c in PROVIDER_CASES],
)
def test_provider_dialects(factory: Any, answers: Any, expected: Any, public: Any) -> None:
    profile = factory()
    _flow, server, evs = run(profile, [code_for(profile), *answers])
    assert kinds(evs) == ["code", *expected]
    last = evs[-1].public()
    for k, v in public.items():
        assert last[k] == v, (k, last)
    # Polls go to the provider's token endpoint with the RFC 8628 §3.4 grant type.
    for _t, req in server.polls():
        assert req.url == profile.token_endpoint
        assert decode_form(req.body)["grant_type"] == "urn:ietf:params:oauth:grant-type:device_code"


def test_github_slow_down_takes_the_interval_it_sends() -> None:
    profile = github()
    answers = [
        form_reply(200, {"error": "slow_down", "interval": "15"}),
        form_reply(200, {"error": "authorization_pending"}),
        token_reply(),
    ]
    _flow, server, evs = run(profile, [code_for(profile), *answers])
    assert [e.public()["interval"] for e in evs[1:3]] == [15, 15]
    times = [t for t, _ in server.polls()]
    assert [b - a for a, b in itertools.pairwise(times)] == [15, 15]


def test_auth0_invalid_grant_after_the_deadline_window_means_expired() -> None:
    # Auth0 says expired_token once, then invalid_grant. Near the deadline (within one interval)
    # an invalid_grant means the code expired; earlier it means the code is bad.
    profile = auth0()
    flow = DeviceFlow(profile)
    flow.start(T0)
    flow.receive(code_for(profile, expires_in=60), T0)
    flow.next_request(T0 + 56)
    evs = flow.receive(error_reply(403, "invalid_grant"), T0 + 56)
    assert [e.public() for e in evs] == [{"event": "expired", "reason": "server"}]

    flow = DeviceFlow(profile)
    flow.start(T0)
    flow.receive(code_for(profile, expires_in=60), T0)
    flow.next_request(T0 + 5)
    evs = flow.receive(error_reply(403, "invalid_grant"), T0 + 5)
    assert evs[0].public()["category"] == "bad_code"


def test_invalid_grant_near_the_deadline_is_a_bad_code_for_other_providers() -> None:
    flow = waiting_flow(expires_in=60)
    flow.next_request(T0 + 56)
    evs = flow.receive(error_reply(400, "invalid_grant"), T0 + 56)
    assert evs[0].public()["category"] == "bad_code"


def test_a_profile_error_map_classifies_new_codes() -> None:
    provider = {
        "title": "Custom",
        "endpoints": {"device_authorization": "{issuer}/dev", "token": "{issuer}/tok"},
        "error_map": {
            "user_cancelled": "denied",
            "code_gone": "expired",
            "still_waiting": "pending",
            "client_disabled": "configuration",
            "no_such_code": "bad_code",
        },
    }
    profile = build_profile(provider, "c", issuer="https://idp.example.com")
    for code, kind, category in [
        ("user_cancelled", "denied", None),
        ("code_gone", "expired", None),
        ("client_disabled", "error", "configuration"),
        ("no_such_code", "error", "bad_code"),
    ]:
        _flow, _server, evs = run(
            profile, [code_for(profile), error_reply(400, "still_waiting"), error_reply(400, code)]
        )
        assert kinds(evs) == ["code", "pending", kind]
        if category:
            assert evs[-1].public()["category"] == category


# ----------------------------------------------------------------------------- request shapes
def test_auth0_sends_the_audience() -> None:
    req = DeviceFlow(auth0()).start(T0)
    assert req.url == "https://tenant.eu.auth0.com/oauth/device/code"
    assert decode_form(req.body) == {
        "client_id": "a0-client",
        "scope": "openid profile email offline_access",
        "audience": "https://api.example.com",
    }


def test_google_sends_the_client_secret_in_both_bodies() -> None:
    profile = google()
    flow = DeviceFlow(profile)
    req = flow.start(T0)
    assert decode_form(req.body)["client_secret"] == "GOCSPX-google-secret"
    assert "client_secret" in req.secret_fields
    flow.receive(
        code_reply(
            verification_uri=None,
            verification_url="https://www.google.com/device",
            verification_uri_complete=None,
        ),
        T0,
    )
    assert flow.verification_uri == "https://www.google.com/device"  # the verification_url alias
    poll = flow.next_request(T0 + 5)
    form = decode_form(poll.body)
    assert form["client_secret"] == "GOCSPX-google-secret"
    assert form["client_id"] == profile.client_id
    assert set(poll.secret_fields) >= {"client_secret", "device_code"}
    shown = str(poll.redacted()) + repr(poll)
    assert "GOCSPX-google-secret" not in shown and DEVICE_CODE not in shown


def test_google_without_a_secret_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="client secret"):
        build_profile("google", "123.apps.googleusercontent.com")


def expected_basic(client_id: str, secret: str) -> str:
    # RFC 6749 §2.3.1: both are form-urlencoded (Appendix B) before being joined with ":".
    pair = (
        urllib.parse.quote_plus(client_id, safe="") + ":" + urllib.parse.quote_plus(secret, safe="")
    )
    return "Basic " + base64.b64encode(pair.encode()).decode()


@pytest.mark.parametrize(
    ("client_id", "secret"),
    [("tv", "s3cret"), ("my client", "p@ss:w/rd+=%é"), ("id:with:colons", "ünïcødé ")],
)
def test_basic_client_authentication(client_id: Any, secret: Any) -> None:
    profile = build_profile(
        "standard",
        client_id,
        issuer="https://auth.example.com",
        client_secret=secret,
        client_auth="basic",
    )
    flow = DeviceFlow(profile)
    req = flow.start(T0)
    assert req.headers["Authorization"] == expected_basic(client_id, secret)
    form = decode_form(req.body)
    assert "client_id" not in form and "client_secret" not in form  # authenticated: no client_id
    assert req.redacted()["headers"]["Authorization"] == "<redacted>"
    flow.receive(code_reply(), T0)
    poll = flow.next_request(T0 + 5)
    assert poll.headers["Authorization"] == expected_basic(client_id, secret)
    assert set(decode_form(poll.body)) == {"grant_type", "device_code"}


@pytest.mark.parametrize(
    ("settings", "form_keys", "auth_header"),
    [
        ({}, {"client_id"}, False),  # public client
        ({"client_secret": "s", "client_auth": "post"}, {"client_id", "client_secret"}, False),
        ({"client_secret": "s", "client_auth": "basic"}, set(), True),
        ({"client_secret": None, "client_auth": "basic"}, {"client_id"}, False),  # no secret
    ],
)
def test_client_authentication_modes(settings: Any, form_keys: Any, auth_header: Any) -> None:
    flow = waiting_flow(standard(scope=None, **settings))
    req = flow.next_request(T0 + 5)
    assert set(decode_form(req.body)) == form_keys | {"grant_type", "device_code"}
    assert ("Authorization" in req.headers) is auth_header
    assert req.headers["Content-Type"] == FORM_TYPE  # exactly: no charset (oauthlib refuses it)


# ----------------------------------------------------------------------------- code answers
@pytest.mark.parametrize(
    ("value", "interval"),
    [
        (None, 5),
        (0, 5),
        (-3, 5),
        ("5", 5),
        (" 7 ", 7),
        (5.7, 5.7),
        (1e12, MAX_INTERVAL),
        ("NaN", 5),
        ("inf", 5),
        ("abc", 5),
        (True, 5),
        ([], 5),
        ({}, 5),
        (0.2, MIN_INTERVAL),
        (10**400, 5),
    ],
    ids=repr,
)
def test_absurd_intervals_are_coerced_and_clamped(value: Any, interval: Any) -> None:
    flow = waiting_flow(interval=value if value is not None else None)
    ev = flow.code_event(T0)
    assert ev.public()["interval"] == interval
    assert flow.next_request(T0 + interval - 0.01) is None
    assert flow.next_request(T0 + interval) is not None


def test_null_interval_is_the_default() -> None:
    body = code_body()
    body["interval"] = None
    flow = DeviceFlow(standard())
    flow.start(T0)
    assert flow.receive(json_reply(200, body), T0)[0].public()["interval"] == 5


@pytest.mark.parametrize(
    ("value", "expires_in"),
    [
        (None, 600),
        ("900", 900),
        (-5, 600),
        (0, 600),
        (1e9, MAX_EXPIRES),
        ("x", 600),
        (3, 10),
        (1800.9, 1801),
    ],  # shown rounded
)
def test_absurd_expiry_is_coerced_and_clamped(value: Any, expires_in: Any) -> None:
    flow = waiting_flow(expires_in=value)
    assert flow.code_event(T0).public()["expires_in"] == expires_in
    assert flow.check(T0 + expires_in - 0.5) == []
    assert kinds(flow.check(T0 + expires_in + 1)) == ["expired"]


def test_camel_case_fields_are_accepted() -> None:
    body = {
        "deviceCode": DEVICE_CODE,
        "userCode": "ABCD-EFGH",
        "verificationUri": "https://device.sso.us-east-1.amazonaws.com/",
        "verificationUriComplete": "https://device.sso.us-east-1.amazonaws.com/?user_code=ABCD-EFGH",
        "expiresIn": 600,
        "interval": 1,
    }
    flow = DeviceFlow(standard())
    flow.start(T0)
    pub = flow.receive(json_reply(200, body), T0)[0].public()
    assert pub["user_code"] == "ABCD-EFGH"
    assert pub["verification_uri"] == "https://device.sso.us-east-1.amazonaws.com/"
    assert pub["verification_uri_complete"].endswith("?user_code=ABCD-EFGH")
    assert pub["expires_in"] == 600 and pub["interval"] == 1
    assert decode_form(flow.next_request(T0 + 1).body)["device_code"] == DEVICE_CODE


def test_form_encoded_code_answer_with_numbers_as_strings() -> None:
    text = (
        "device_code=%s&user_code=WDJB-MJHT&verification_uri=https%%3A%%2F%%2Fgithub.com"
        "%%2Flogin%%2Fdevice&expires_in=899&interval=5" % DEVICE_CODE
    )
    flow = DeviceFlow(github())
    flow.start(T0)
    resp = Response(200, {"Content-Type": "application/x-www-form-urlencoded"}, text.encode())
    pub = flow.receive(resp, T0)[0].public()
    assert pub == {
        "event": "code",
        "user_code": "WDJB-MJHT",
        "verification_uri": "https://github.com/login/device",
        "verification_uri_complete": None,
        "expires_in": 899,
        "interval": 5,
        "message": None,
    }


def test_microsoft_message_is_kept_and_cleaned() -> None:
    flow = DeviceFlow(microsoft())
    flow.start(T0)
    msg = "To sign in, use a web browser to open the page https://microsoft.com/devicelogin\x1b[2J"
    pub = flow.receive(
        code_reply(
            verification_uri="https://microsoft.com/devicelogin",
            verification_uri_complete=None,
            message=msg,
        ),
        T0,
    )[0].public()
    assert pub["message"].startswith("To sign in, use a web browser")
    assert "\x1b" not in pub["message"]
    assert pub["verification_uri_complete"] is None


@pytest.mark.parametrize(
    "fields",
    [
        {"device_code": None},
        {"device_code": ""},
        {"device_code": 12345},
        {"device_code": "x" * 5000},
        {"user_code": None},
        {"user_code": "   "},
        {"user_code": 42},
        {"verification_uri": None},
    ],
)
def test_missing_required_fields_fail_closed_without_polling(fields: Any) -> None:
    flow = DeviceFlow(standard())
    flow.start(T0)
    evs = flow.receive(code_reply(**fields), T0)
    assert kinds(evs) == ["error"] and evs[0].public()["category"] == "protocol"
    assert flow.done and flow.next_request(T0 + 1000) is None


@pytest.mark.parametrize("status", [201, 203])
def test_other_2xx_code_answers_are_read(status: Any) -> None:
    flow = DeviceFlow(standard())
    flow.start(T0)
    assert kinds(flow.receive(json_reply(status, code_body()), T0)) == ["code"]


def test_a_4xx_code_answer_without_an_error_is_a_protocol_error() -> None:
    flow = DeviceFlow(standard())
    flow.start(T0)
    evs = flow.receive(json_reply(400, code_body()), T0)
    assert evs[0].public()["error"] == "invalid_response"
