"""Token responses, refresh and revocation requests, and the refresh decision."""

from __future__ import annotations

import base64
import urllib.parse
from typing import Any

import pytest

from device_app.core import responses as rs
from device_app.core import tokens as tk
from device_app.core.errors import OAuthError, ProtocolError, TransportError
from device_app.core.formenc import decode_form
from device_app.core.http import Response
from device_app.core.profile import FORM_TYPE, build_profile

from .fakes import ACCESS_TOKEN, REFRESH_TOKEN, error_reply, form_reply, json_reply, standard

WALL = 1_700_000_000.0


# ----------------------------------------------------------------------------- interpret()
@pytest.mark.parametrize(
    ("response", "kind", "error"),
    [
        (json_reply(200, {"access_token": "a", "token_type": "Bearer"}), rs.R_TOKENS, None),
        (json_reply(200, {"error": "authorization_pending"}), rs.R_ERROR, "authorization_pending"),
        (form_reply(200, {"error": "slow_down"}), rs.R_ERROR, "slow_down"),
        (json_reply(403, {"error_code": "rate_limit_exceeded"}), rs.R_ERROR, "rate_limit_exceeded"),
        (json_reply(428, {"error": "authorization_pending"}), rs.R_ERROR, "authorization_pending"),
        (json_reply(404, {"error": "device_not_found"}), rs.R_ERROR, "device_not_found"),
        (json_reply(500, {"error": "internal_error"}), rs.R_ERROR, "internal_error"),
        (json_reply(200, {"error": "x", "access_token": "a"}), rs.R_ERROR, "x"),  # error wins
        (Response(503, {}, b""), rs.R_TRANSIENT, None),
        (
            Response(502, {"Content-Type": "text/html"}, b"<html>Bad gateway</html>"),
            rs.R_TRANSIENT,
            None,
        ),
        (Response(429, {}, b""), rs.R_TRANSIENT, None),
        (Response(408, {}, b""), rs.R_TRANSIENT, None),
        (Response(301, {"Location": "https://elsewhere/"}, b""), rs.R_TRANSIENT, None),
        (Response(307, {}, b""), rs.R_TRANSIENT, None),
        (
            Response(200, {"Content-Type": "text/html"}, b"<html>portal</html>"),
            rs.R_TRANSIENT,
            None,
        ),
        (
            Response(200, {"Content-Type": "application/json"}, b'{"access_token": "a"'),
            rs.R_TRANSIENT,
            None,
        ),  # cut short
        (Response(200, {}, b""), rs.R_TRANSIENT, None),
        (json_reply(200, {"token": "x"}), rs.R_PROTOCOL, None),
        (json_reply(201, {"access_token": "a", "token_type": "Bearer"}), rs.R_TOKENS, None),
        (json_reply(400, {"detail": "nope"}), rs.R_PROTOCOL, None),
        (json_reply(400, {"access_token": "a", "token_type": "Bearer"}), rs.R_PROTOCOL, None),
        (json_reply(400, {"error": 42}), rs.R_PROTOCOL, None),
        (Response(404, {"Content-Type": "text/html"}, b"<h1>404</h1>"), rs.R_PROTOCOL, None),
    ],
)
def test_interpret_reads_the_body_first(response: Any, kind: Any, error: Any) -> None:
    out = rs.interpret(response, retry_after=None)
    assert out.kind == kind
    assert out.error == error
    assert out.status == response.status


def test_interpret_cleans_error_text_and_keeps_retry_after() -> None:
    out = rs.interpret(
        error_reply(400, "\x1bbad" + "x" * 200, error_description="\x07d" * 300), retry_after=12.0
    )
    assert out.error.startswith("bad") and len(out.error) <= 80
    assert len(out.description) <= 200 and "\x07" not in out.description
    assert out.retry_after == 12.0
    out = rs.interpret(json_reply(400, {"error": "e", "message": "from message"}))
    assert out.description == "from message"


# ----------------------------------------------------------------------------- token_set()
def test_token_set_from_a_full_response() -> None:
    data = {
        "access_token": ACCESS_TOKEN,
        "token_type": "bearer",
        "expires_in": "3600",
        "refresh_token": REFRESH_TOKEN,
        "scope": "openid\x1b[2J profile",
        "id_token": "h.p.s",
        "unknown_field": {"ignored": True},
    }
    t = tk.token_set(data, WALL)
    assert t == {
        "access_token": ACCESS_TOKEN,
        "token_type": "Bearer",
        "refresh_token": REFRESH_TOKEN,
        "scope": "openid [2J profile",
        "id_token": "h.p.s",
        "expires_in": 3600,
        "obtained_at": WALL,
        "expires_at": WALL + 3600,
    }


@pytest.mark.parametrize(
    ("changes", "field", "value"),
    [
        ({"expires_in": None}, "expires_at", None),
        ({"expires_in": -5}, "expires_in", None),
        ({"expires_in": 0}, "expires_at", None),
        ({"expires_in": "soon"}, "expires_in", None),
        ({"expires_in": 59.9}, "expires_in", 59),
        ({"refresh_token": ""}, "refresh_token", None),
        ({"refresh_token": 7}, "refresh_token", None),
        ({"scope": ["a"]}, "scope", None),
        ({"id_token": 1}, "id_token", None),
    ],
)
def test_token_set_tolerates_odd_optional_fields(changes: Any, field: Any, value: Any) -> None:
    data = {"access_token": "a", "token_type": "Bearer", "expires_in": 60, "refresh_token": "r"}
    for k, v in changes.items():
        if v is None:
            data.pop(k, None)
        else:
            data[k] = v
    assert tk.token_set(data, WALL)[field] == value


@pytest.mark.parametrize(
    "data",
    [
        {"token_type": "Bearer"},
        {"access_token": "", "token_type": "Bearer"},
        {"access_token": None, "token_type": "Bearer"},
        {"access_token": 5, "token_type": "Bearer"},
        {"access_token": "a" * (tk.MAX_TOKEN + 1), "token_type": "Bearer"},
        {"access_token": "a"},
        {"access_token": "a", "token_type": "mac"},
        {"access_token": "a", "token_type": "DPoP"},
        {"access_token": "a", "token_type": 1},
    ],
)
def test_token_set_refuses_unusable_responses(data: Any) -> None:
    with pytest.raises(ProtocolError):
        tk.token_set(data, WALL)


def test_merge_refreshed_keeps_the_refresh_token_when_none_is_returned() -> None:
    old = tk.token_set(
        {"access_token": "a1", "token_type": "Bearer", "refresh_token": "r1", "scope": "openid"},
        WALL,
    )
    new = tk.token_set({"access_token": "a2", "token_type": "Bearer"}, WALL + 10)
    merged = tk.merge_refreshed(old, new)
    assert merged["access_token"] == "a2" and merged["refresh_token"] == "r1"
    assert merged["scope"] == "openid"
    rotated = tk.token_set(
        {"access_token": "a3", "token_type": "Bearer", "refresh_token": "r2", "scope": "email"},
        WALL + 20,
    )
    merged = tk.merge_refreshed(old, rotated)
    assert merged["refresh_token"] == "r2" and merged["scope"] == "email"


# ----------------------------------------------------------------------------- read_token_response
def test_read_token_response() -> None:
    p = standard()
    t = tk.read_token_response(
        p, json_reply(200, {"access_token": "a", "token_type": "Bearer", "expires_in": 10}), WALL
    )
    assert t["expires_at"] == WALL + 10
    with pytest.raises(OAuthError) as e:
        tk.read_token_response(
            p, error_reply(400, "invalid_grant", error_description="revoked"), WALL
        )
    assert (e.value.error, e.value.description, e.value.status, e.value.category) == (
        "invalid_grant",
        "revoked",
        400,
        "bad_code",
    )
    assert str(e.value) == "invalid_grant: revoked"
    with pytest.raises(OAuthError) as e:
        tk.read_token_response(
            build_profile("github", "c"),
            form_reply(200, {"error": "incorrect_client_credentials"}),
            WALL,
        )
    assert e.value.category == "configuration"
    with pytest.raises(TransportError) as te:
        tk.read_token_response(p, Response(503, {}, b""), WALL)
    assert te.value.reason == "server"
    with pytest.raises(ProtocolError) as pe:
        tk.read_token_response(p, json_reply(200, {"nothing": 1}), WALL)
    assert not isinstance(pe.value, OAuthError)
    assert tk.error_class(p, "access_denied") == "denied"
    assert tk.error_class(p, "whatever") == "other"


# ----------------------------------------------------------------------------- requests
def basic(cid: str, secret: str) -> str:
    pair = urllib.parse.quote_plus(cid, safe="") + ":" + urllib.parse.quote_plus(secret, safe="")
    return "Basic " + base64.b64encode(pair.encode()).decode()


@pytest.mark.parametrize("auth", ["none", "post", "basic"])
def test_refresh_request_shape(auth: Any) -> None:
    settings = {} if auth == "none" else {"client_secret": "s e:c", "client_auth": auth}
    p = standard(**settings)
    req = tk.refresh_request(p, REFRESH_TOKEN)
    assert req.method == "POST" and req.url == "https://auth.example.com/token"
    assert req.headers["Content-Type"] == FORM_TYPE
    form = decode_form(req.body)
    assert form["grant_type"] == "refresh_token" and form["refresh_token"] == REFRESH_TOKEN
    assert set(req.secret_fields) >= {"refresh_token", "client_secret"}
    if auth == "basic":
        assert req.headers["Authorization"] == basic("tv-client", "s e:c")
        assert "client_id" not in form
    else:
        assert form["client_id"] == "tv-client"
        assert ("client_secret" in form) is (auth == "post")
    shown = str(req.redacted()) + repr(req)
    assert REFRESH_TOKEN not in shown and "s e:c" not in shown


def test_revocation_request_shape() -> None:
    p = standard()
    req = tk.revocation_request(p, REFRESH_TOKEN)
    assert req.url == "https://auth.example.com/revoke"
    assert decode_form(req.body) == {
        "token": REFRESH_TOKEN,
        "token_type_hint": "refresh_token",
        "client_id": "tv-client",
    }
    assert "token" in req.secret_fields and REFRESH_TOKEN not in str(req.redacted())
    req = tk.revocation_request(p, ACCESS_TOKEN, hint="access_token")
    assert decode_form(req.body)["token_type_hint"] == "access_token"
    assert tk.revocation_request(build_profile("github", "c"), "t") is None  # no endpoint


def test_bearer_header() -> None:
    assert tk.bearer_header({"access_token": ACCESS_TOKEN}) == "Bearer " + ACCESS_TOKEN


# ----------------------------------------------------------------------------- needs_refresh()
def tokens(life: Any = 3600, rt: Any = "r") -> dict[str, Any]:
    data = {"access_token": "a", "token_type": "Bearer", "expires_in": life, "refresh_token": rt}
    t: dict[str, Any] = tk.token_set(data, WALL)
    return t


@pytest.mark.parametrize(
    ("life", "at", "expected"),
    [
        (3600, 0, False),
        (3600, 3600 - 301, False),
        (3600, 3600 - 300, True),  # five minutes ahead for long-lived tokens
        (3600, 3600 + 5, True),
        (100, 49, False),
        (100, 50, True),  # half the lifetime for short-lived ones
        (3600, 10 * 365 * 86400, True),  # clock jumped forward (NTP after boot): refresh
        (3600, -30, False),  # a little backwards: within tolerance, token fresh
        (3600, -10 * 365 * 86400, False),  # clock far back (no RTC): use it; a 401 decides
    ],
)
def test_needs_refresh(life: Any, at: Any, expected: Any) -> None:
    assert tk.needs_refresh(tokens(life), WALL + at) is expected


def test_needs_refresh_with_min_ttl() -> None:
    t = tokens(3600)
    assert tk.needs_refresh(t, WALL + 2000) is False
    assert tk.needs_refresh(t, WALL + 2000, min_ttl=1700) is True  # caller needs 1700 s left
    assert tk.needs_refresh(t, WALL + 2000, min_ttl=10) is False  # margin still 300
    no_expiry = tokens(life=None)
    assert no_expiry["expires_at"] is None
    assert tk.needs_refresh(no_expiry, WALL + 1e9) is False
    assert tk.needs_refresh(no_expiry, WALL, min_ttl=60) is True
    assert tk.needs_refresh(tokens(life=None, rt=None), WALL, min_ttl=60) is False
    assert tk.refresh_margin({"expires_in": None}) == 60.0
    assert tk.refresh_margin({"expires_in": 7200}) == tk.REFRESH_MARGIN_MAX


def test_needs_refresh_without_obtained_at() -> None:
    t = {"access_token": "a", "expires_at": WALL + 100, "expires_in": 100}
    assert tk.needs_refresh(t, WALL + 60) is True
    assert tk.needs_refresh(t, WALL) is False


# ----------------------------------------------------------------------------- WWW-Authenticate
@pytest.mark.parametrize(
    ("value", "error"),
    [
        (None, None),
        ("", None),
        ("Bearer", None),
        ('Bearer realm="example"', None),
        ('Bearer error="invalid_token"', "invalid_token"),
        (
            'Bearer realm="api", error="invalid_token", error_description="The token expired"',
            "invalid_token",
        ),
        ('Bearer error="insufficient_scope", scope="read write"', "insufficient_scope"),
        ("Bearer error=invalid_token", "invalid_token"),
        ("Bearer error=invalid_token, realm=x", "invalid_token"),
        ("Bearer error=invalid_token realm=x", "invalid_token"),
        ('Bearer ERROR="invalid_token"', "invalid_token"),
        ('Bearer error_description="no error here"', None),
        ('Bearer myerror="x", error="invalid_token"', "invalid_token"),
        ('Bearer error="invalid_token', "invalid_token"),  # unterminated quote
        ('Bearer error=""', None),
        ("error=invalid_token", "invalid_token"),
        ('Bearer realm="a, error=fake", error="invalid_token"', "invalid_token"),
        ('Bearer error_description="bad error=fake", error="invalid_token"', "invalid_token"),
        ('Bearer realm="q\\" error=fake", error="invalid_token"', "invalid_token"),
        ('Bearer error="\x1b[31minvalid_token"', "[31minvalid_token"),
        ('Bearer error="' + "x" * 500 + '"', "x" * 59 + "…"),
    ],
)
def test_www_authenticate_error(value: Any, error: Any) -> None:
    assert tk.www_authenticate_error(value) == error


def test_token_set_accepts_dpop_only_when_the_client_sent_proofs() -> None:
    data = {"access_token": "a", "token_type": "dpop"}
    assert tk.token_set(data, WALL, dpop=True)["token_type"] == "DPoP"
    assert (
        tk.token_set({"access_token": "a", "token_type": "bearer"}, WALL, dpop=True)["token_type"]
        == "Bearer"
    )
    with pytest.raises(ProtocolError, match="Bearer and DPoP"):
        tk.token_set({"access_token": "a", "token_type": "mac"}, WALL, dpop=True)
