"""Every dialect on the wire: discovery, paths, field names, statuses and error bodies."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs

import pytest
import requests

from device_app_simulator.phone import approve

from .conftest import StartFn, device_authorize, poll, verification_url

B20 = "[BCDFGHJKLMNPQRSTVWXZ]"

# (issuer suffix, device, token, revocation, userinfo, verification) from the brief's table.
PATHS: dict[str, tuple[str, str, str, str | None, str, str]] = {
    "standard": ("", "/device_authorization", "/token", "/revoke", "/userinfo", "/device"),
    "auth0": ("/", "/oauth/device/code", "/oauth/token", "/oauth/revoke", "/userinfo", "/activate"),
    "google": ("", "/device/code", "/token", "/revoke", "/v1/userinfo", "/device"),
    "microsoft": (
        "/common/v2.0",
        "/common/oauth2/v2.0/devicecode",
        "/common/oauth2/v2.0/token",
        None,
        "/oidc/userinfo",
        "/devicelogin",
    ),
    "github": (
        "",
        "/login/device/code",
        "/login/oauth/access_token",
        None,
        "/user",
        "/login/device",
    ),
    "keycloak": (
        "/realms/demo",
        "/realms/demo/protocol/openid-connect/auth/device",
        "/realms/demo/protocol/openid-connect/token",
        "/realms/demo/protocol/openid-connect/revoke",
        "/realms/demo/protocol/openid-connect/userinfo",
        "/realms/demo/device",
    ),
    "okta": (
        "/oauth2/default",
        "/oauth2/default/v1/device/authorize",
        "/oauth2/default/v1/token",
        "/oauth2/default/v1/revoke",
        "/oauth2/default/v1/userinfo",
        "/activate",
    ),
}

USER_CODE = {
    "standard": rf"^{B20}{{4}}-{B20}{{4}}$",
    "auth0": rf"^{B20}{{4}}-{B20}{{4}}$",
    "google": rf"^{B20}{{4}}-{B20}{{4}}$",
    "keycloak": rf"^{B20}{{4}}-{B20}{{4}}$",
    "microsoft": r"^[A-Z0-9]{9}$",
    "okta": r"^[A-Z]{8}$",
    "github": r"^[0-9A-F]{4}-[0-9A-F]{4}$",
}

# dialect -> {error: (status, name)} at the token endpoint.
ERRORS: dict[str, dict[str, tuple[int, str]]] = {
    "standard": {
        "pending": (400, "authorization_pending"),
        "slow": (400, "slow_down"),
        "denied": (400, "access_denied"),
        "unknown": (400, "invalid_grant"),
    },
    "auth0": {
        "pending": (403, "authorization_pending"),
        "slow": (429, "slow_down"),
        "denied": (403, "access_denied"),
        "unknown": (403, "invalid_grant"),
    },
    "google": {
        "pending": (428, "authorization_pending"),
        "slow": (403, "slow_down"),
        "denied": (403, "access_denied"),
        "unknown": (400, "invalid_grant"),
    },
    "microsoft": {
        "pending": (400, "authorization_pending"),
        "slow": (400, "slow_down"),
        "denied": (400, "authorization_declined"),
        "unknown": (400, "bad_verification_code"),
    },
    "github": {
        "pending": (200, "authorization_pending"),
        "slow": (200, "slow_down"),
        "denied": (200, "access_denied"),
        "unknown": (200, "incorrect_device_code"),
    },
    "keycloak": {
        "pending": (400, "authorization_pending"),
        "slow": (400, "slow_down"),
        "denied": (400, "access_denied"),
        "unknown": (400, "invalid_grant"),
    },
    "okta": {
        "pending": (400, "authorization_pending"),
        "slow": (400, "slow_down"),
        "denied": (400, "access_denied"),
        "unknown": (400, "invalid_grant"),
    },
}

ALL = list(PATHS)


@pytest.mark.parametrize("dialect", ALL)
def test_paths_issuer_and_discovery(start: StartFn, dialect: str) -> None:
    srv = start(dialect)
    issuer_sfx, device, token, revoke, userinfo, verify = PATHS[dialect]
    base = srv.base_url
    assert srv.issuer == base + issuer_sfx
    ep = srv.endpoints
    assert ep["device_authorization"] == base + device
    assert ep["token"] == base + token
    assert ep["revocation"] == (base + revoke if revoke else None)
    assert ep["userinfo"] == base + userinfo
    assert ep["verification"] == base + verify
    if dialect == "github":
        assert ep["discovery"] is None
        for path in (
            "/.well-known/openid-configuration",
            "/.well-known/oauth-authorization-server",
        ):
            assert requests.get(base + path, timeout=5).status_code == 404
        return
    issuer_path = issuer_sfx.rstrip("/")
    meta = requests.get(f"{base}{issuer_path}/.well-known/openid-configuration", timeout=5)
    assert meta.status_code == 200
    doc = meta.json()
    assert doc["issuer"] == srv.issuer
    assert doc["device_authorization_endpoint"] == base + device
    assert doc["token_endpoint"] == base + token
    assert doc["userinfo_endpoint"] == base + userinfo
    assert doc.get("revocation_endpoint") == (base + revoke if revoke else None)
    rfc8414 = requests.get(f"{base}/.well-known/oauth-authorization-server{issuer_path}", timeout=5)
    if dialect in ("standard", "okta"):
        assert rfc8414.json()["device_authorization_endpoint"] == base + device
    else:
        assert rfc8414.status_code == 404


@pytest.mark.parametrize("dialect", ALL)
def test_device_authorization_fields(start: StartFn, dialect: str) -> None:
    srv = start(dialect, interval=7, expires_in=321)
    body = device_authorize(srv)
    assert re.match(USER_CODE[dialect], body["user_code"]), body["user_code"]
    assert body["expires_in"] == 321 and body["interval"] == 7
    assert len(body["device_code"]) >= 40
    uri_field = "verification_url" if dialect == "google" else "verification_uri"
    assert body[uri_field] == srv.endpoints["verification"]
    other = "verification_uri" if dialect == "google" else "verification_url"
    assert other not in body
    if dialect in ("google", "microsoft", "github"):
        assert "verification_uri_complete" not in body
    else:
        assert body["verification_uri_complete"] == (
            f"{srv.endpoints['verification']}?user_code={body['user_code']}"
        )
    if dialect == "microsoft":
        assert body["user_code"] in body["message"]
        assert srv.endpoints["verification"] in body["message"]
    else:
        assert "message" not in body


def _error(resp: requests.Response) -> dict[str, Any]:
    if resp.headers["Content-Type"].startswith("application/x-www-form-urlencoded"):
        return {k: v[0] for k, v in parse_qs(resp.text).items()}
    data: dict[str, Any] = resp.json()
    return data


@pytest.mark.parametrize("dialect", ALL)
def test_polling_errors_per_dialect(start: StartFn, dialect: str) -> None:
    srv = start(dialect, interval=5)
    expect = ERRORS[dialect]
    body = device_authorize(srv)
    dc = body["device_code"]

    first = poll(srv, dc)
    assert (first.status_code, _error(first)["error"]) == expect["pending"]
    assert first.headers["Cache-Control"] == "no-store"
    fast = poll(srv, dc)  # at once: faster than the 5 s interval
    err = _error(fast)
    assert (fast.status_code, err["error"]) == expect["slow"]
    if dialect == "github":
        assert err["interval"] == 10  # GitHub tells the new interval
    else:
        assert "interval" not in err
    if dialect == "microsoft":
        assert err["error_codes"] and err["trace_id"] and err["correlation_id"]
        assert err["error_description"].startswith("AADSTS")

    unknown = poll(srv, "not-a-device-code")
    assert (unknown.status_code, _error(unknown)["error"]) == expect["unknown"]

    result = approve(verification_url(body), body["user_code"], decision="deny")
    assert result.outcome == "denied"
    denied = poll(srv, dc)
    assert (denied.status_code, _error(denied)["error"]) == expect["denied"]


@pytest.mark.parametrize("dialect", ALL)
def test_approve_then_tokens_and_userinfo(start: StartFn, dialect: str) -> None:
    srv = start(dialect)
    body = device_authorize(srv)
    assert approve(verification_url(body), body["user_code"], "bob", "bob").outcome == ("approved")
    resp = poll(srv, body["device_code"])
    assert resp.status_code == 200, resp.text
    tokens = resp.json()
    assert tokens["token_type"].lower() == "bearer"
    assert tokens["expires_in"] == 3600
    assert "refresh_token" in tokens  # offline_access was asked for
    api = requests.get(
        srv.endpoints["userinfo"] or "",
        timeout=5,
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
    )
    assert api.status_code == 200
    info = api.json()
    if dialect == "github":
        assert info["login"] == "bob" and info["name"] == "Bob Tanaka"
        assert isinstance(info["id"], int) and info["email"] == "bob@example.test"
    else:
        assert info["preferred_username"] == "bob" and info["email"] == "bob@example.test"
        assert info["sub"] and info["favourite_show"]


def test_github_form_encoding_unless_accept_json(start: StartFn) -> None:
    srv = start("github")
    resp = requests.post(
        srv.endpoints["device_authorization"] or "",
        data={"client_id": "tv-demo", "scope": "openid"},
        timeout=5,
    )
    assert resp.headers["Content-Type"].startswith("application/x-www-form-urlencoded")
    fields = parse_qs(resp.text)
    assert set(fields) >= {"device_code", "user_code", "verification_uri", "interval"}
    pending = poll(srv, fields["device_code"][0], accept_json=False)
    assert pending.status_code == 200
    assert parse_qs(pending.text)["error"] == ["authorization_pending"]


@pytest.mark.parametrize("dialect", ["auth0", "microsoft", "okta"])
def test_refresh_token_only_with_offline_access(start: StartFn, dialect: str) -> None:
    srv = start(dialect)
    body = device_authorize(srv, scope="openid profile")
    approve(verification_url(body), body["user_code"])
    tokens = poll(srv, body["device_code"]).json()
    assert "access_token" in tokens and "refresh_token" not in tokens


def test_google_requires_client_secret_when_polling(start: StartFn) -> None:
    srv = start("google")
    body = device_authorize(srv)  # client_id alone is fine at /device/code
    no_secret = poll(srv, body["device_code"], client_secret="")
    assert no_secret.status_code == 401
    assert no_secret.json()["error"] == "invalid_client"
    public = poll(srv, body["device_code"], client_id="tv-demo", client_secret="")
    assert public.status_code == 401
    wrong = poll(srv, body["device_code"], client_secret="not-it")
    assert wrong.status_code == 401
    assert poll(srv, body["device_code"]).status_code == 428


def test_google_and_microsoft_require_scope(start: StartFn) -> None:
    for dialect in ("google", "microsoft"):
        srv = start(dialect)
        resp = requests.post(
            srv.endpoints["device_authorization"] or "", data={"client_id": "tv-demo"}, timeout=5
        )
        assert resp.status_code == 400
        assert resp.json()["error"] == "invalid_request"


def test_keycloak_confidential_client_authenticates(start: StartFn) -> None:
    srv = start("keycloak")
    url = srv.endpoints["device_authorization"] or ""
    bare = requests.post(url, data={"client_id": "tv-confidential"}, timeout=5)
    assert bare.status_code in (400, 401) and bare.json()["error"] == "invalid_client"
    ok = requests.post(
        url,
        data={"client_id": "tv-confidential"},
        timeout=5,
        auth=("tv-confidential", "demo-secret"),
    )
    assert ok.status_code == 200 and ok.json()["verification_uri"].endswith("/realms/demo/device")


def test_keycloak_slow_down_keeps_interval(start: StartFn) -> None:
    srv = start("keycloak", interval=5)
    dc = device_authorize(srv)["device_code"]
    poll(srv, dc)
    assert poll(srv, dc).json()["error"] == "slow_down"
    row = srv.store.device_by_code(dc)
    assert row is not None and row["interval"] == 5  # Keycloak: a lock, not +5 s
