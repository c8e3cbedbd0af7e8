"""glewlwyd speaks RFC 8628 with raw HTTP, before device-app is let near it.

These tests pin what glewlwyd 2.7.5 does on the wire that other servers do not
(docs/glewlwyd.md): ``?code=`` in the complete URI, ``slow_down`` for a poll that comes
early, ``access_denied`` for a redeemed code, lower-case ``bearer``, an empty HTTP 400 for a
refused refresh token, rotation with reuse detection, sign-out of a device from the web.
"""

import re
import time
from typing import Any

import requests

from .server import (
    ACCESS_TOKEN_LIFETIME,
    CODE_LIFETIME,
    INTERVAL,
    SHORT_CODE_LIFETIME,
    Glewlwyd,
    PhoneUser,
)

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
FORM = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}
# 4 + 4 characters from A-Z and 0-9 without I, joined by a dash.
USER_CODE = re.compile(r"\A[A-HJ-Z0-9]{4}-[A-HJ-Z0-9]{4}\Z")


def start(server: Glewlwyd, plugin: str = "oidc", scope: str = "openid") -> Any:
    reply = requests.post(
        f"{server.issuer(plugin)}/device_authorization",
        data={"client_id": server.client_id, "scope": scope},
        headers=FORM,
        timeout=10,
    )
    assert reply.status_code == 200, reply.text
    return reply.json()


def poll(
    server: Glewlwyd, device_code: str, plugin: str = "oidc", client_id: str | None = None
) -> requests.Response:
    return requests.post(
        f"{server.issuer(plugin)}/token",
        data={
            "grant_type": DEVICE_GRANT,
            "device_code": device_code,
            "client_id": client_id or server.client_id,
        },
        headers=FORM,
        timeout=10,
    )


def refresh(server: Glewlwyd, refresh_token: str) -> requests.Response:
    return requests.post(
        f"{server.issuer()}/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "client_id": server.client_id,
        },
        headers=FORM,
        timeout=10,
    )


def userinfo(server: Glewlwyd, access_token: str, scheme: str = "Bearer") -> requests.Response:
    return requests.get(
        f"{server.issuer()}/userinfo",
        headers={"Authorization": f"{scheme} {access_token}"},
        timeout=10,
    )


def error_of(reply: requests.Response) -> tuple[int, str]:
    return reply.status_code, reply.json()["error"]


def signed_in_tokens(server: Glewlwyd, user: PhoneUser) -> dict[str, Any]:
    code = start(server)
    assert user.approve(code["verification_uri_complete"]) == "deviceComplete"
    granted = poll(server, code["device_code"])
    assert granted.status_code == 200, granted.text
    tokens: dict[str, Any] = granted.json()
    return tokens


def test_metadata_lists_the_device_endpoint_and_a_revocation_endpoint(glewlwyd: Glewlwyd) -> None:
    meta = requests.get(f"{glewlwyd.issuer()}/.well-known/openid-configuration", timeout=10)
    assert meta.status_code == 200
    doc = meta.json()
    issuer = glewlwyd.issuer()
    assert doc["issuer"] == issuer  # as typed into the plugin's "iss"; here its own URL
    assert doc["device_authorization_endpoint"] == f"{issuer}/device_authorization"
    assert doc["token_endpoint"] == f"{issuer}/token"
    assert doc["userinfo_endpoint"] == f"{issuer}/userinfo"
    assert doc["revocation_endpoint"] == f"{issuer}/revoke"
    # ... for confidential clients only: a public client's RFC 7009 request is refused.
    assert doc["revocation_endpoint_auth_methods_supported"] == ["client_secret_basic"]
    assert DEVICE_GRANT in doc["grant_types_supported"]
    assert "dpop_signing_alg_values_supported" not in doc  # DPoP is off on this plugin


def test_device_authorization_answer(glewlwyd: Glewlwyd) -> None:
    code = start(glewlwyd)
    assert USER_CODE.match(code["user_code"]), code["user_code"]
    assert code["verification_uri"] == f"{glewlwyd.issuer()}/device"
    # ?code=, not RFC 8628's example ?user_code=
    assert code["verification_uri_complete"] == (
        f"{glewlwyd.issuer()}/device?code={code['user_code']}"
    )
    assert code["expires_in"] == CODE_LIFETIME
    assert code["interval"] == INTERVAL
    assert len(code["device_code"]) == 32


def test_approved_device_gets_tokens_once(glewlwyd: Glewlwyd, phone_user: PhoneUser) -> None:
    code = start(glewlwyd)
    assert error_of(poll(glewlwyd, code["device_code"])) == (400, "authorization_pending")
    # Polled again at once: glewlwyd compares whole seconds since the last poll.
    assert error_of(poll(glewlwyd, code["device_code"])) == (400, "slow_down")

    assert phone_user.approve(code["verification_uri_complete"]) == "deviceComplete"
    granted = poll(glewlwyd, code["device_code"])
    assert granted.status_code == 200, granted.text
    tokens = granted.json()
    assert tokens["token_type"] == "bearer"  # lower-case
    assert tokens["expires_in"] == ACCESS_TOKEN_LIFETIME
    assert tokens["scope"] == "openid"
    assert tokens["refresh_token"] and tokens["id_token"]
    assert isinstance(tokens["iat"], int)  # not in RFC 6749

    # The code is spent: a second redemption is refused as access_denied, not invalid_grant.
    assert error_of(poll(glewlwyd, code["device_code"])) == (400, "access_denied")
    # The user, too, is told the code is no longer valid.
    assert phone_user.approve(code["verification_uri_complete"]) == "deviceCodeError"

    me = userinfo(glewlwyd, tokens["access_token"])
    assert me.status_code == 200, me.text
    assert (me.json()["name"], me.json()["email"]) == (phone_user.name, phone_user.email)
    # It hands out "bearer" but accepts only "Bearer" in the Authorization header.
    assert userinfo(glewlwyd, tokens["access_token"], scheme="bearer").status_code == 401


def test_unknown_codes_and_clients(glewlwyd: Glewlwyd, phone_user: PhoneUser) -> None:
    assert error_of(poll(glewlwyd, "no-such-device-code")) == (400, "access_denied")
    # The code is looked up first: a live code polled by another client is 403.
    code = start(glewlwyd)
    assert error_of(poll(glewlwyd, code["device_code"], client_id="no-such-client")) == (
        403,
        "unauthorized_client",
    )
    assert error_of(poll(glewlwyd, "no-such-device-code", client_id="no-such-client")) == (
        400,
        "access_denied",
    )
    unknown_client = requests.post(
        f"{glewlwyd.issuer()}/device_authorization",
        data={"client_id": "no-such-client", "scope": "openid"},
        headers=FORM,
        timeout=10,
    )
    assert error_of(unknown_client) == (403, "unauthorized_client")
    no_scope = requests.post(
        f"{glewlwyd.issuer()}/device_authorization",
        data={"client_id": glewlwyd.client_id},
        headers=FORM,
        timeout=10,
    )
    assert error_of(no_scope) == (400, "invalid_scope")
    # Unknown scopes are accepted here (and dropped at approval).
    assert USER_CODE.match(start(glewlwyd, scope="openid no-such-scope")["user_code"])
    # User codes are case-insensitive; a malformed one is refused.
    lower = start(glewlwyd)
    assert phone_user.approve(lower["verification_uri_complete"].lower()) == "deviceComplete"
    assert phone_user.approve(f"{glewlwyd.issuer()}/device?code=ABCD1234") == "deviceCodeError"


def test_expired_code_says_expired_token(glewlwyd: Glewlwyd, phone_user: PhoneUser) -> None:
    code = start(glewlwyd, plugin="oidcshort")
    assert code["expires_in"] == SHORT_CODE_LIFETIME
    # Only the server's clock can end the code: nothing on this side to await instead.
    # Its clock is whole seconds, so the margin is over one second.
    time.sleep(SHORT_CODE_LIFETIME + 1.2)
    late = poll(glewlwyd, code["device_code"], plugin="oidcshort")
    assert error_of(late) == (400, "expired_token")
    assert phone_user.approve(code["verification_uri_complete"]) == "deviceCodeError"


def test_refresh_rotates_and_a_reused_refresh_token_kills_the_chain(
    glewlwyd: Glewlwyd, phone_user: PhoneUser
) -> None:
    first = signed_in_tokens(glewlwyd, phone_user)
    second = refresh(glewlwyd, first["refresh_token"])
    assert second.status_code == 200, second.text
    rotated = second.json()
    assert rotated["token_type"] == "bearer"
    assert rotated["refresh_token"] != first["refresh_token"]
    # The old access token is a JWT that lives on until it expires.
    assert userinfo(glewlwyd, first["access_token"]).status_code == 200

    # Reuse of a rotated refresh token: HTTP 400 with an empty body...
    reused = refresh(glewlwyd, first["refresh_token"])
    assert (reused.status_code, reused.content) == (400, b"")
    # ...and the refresh token that replaced it dies too (reuse detection).
    after = refresh(glewlwyd, rotated["refresh_token"])
    assert (after.status_code, after.content) == (400, b"")
    assert (refresh(glewlwyd, "no-such-token").status_code, reused.content) == (400, b"")

    tokens = phone_user.refresh_tokens()
    assert [t["enabled"] for t in tokens] == [False, False]


def test_sign_out_from_the_web_refuses_the_next_refresh(
    glewlwyd: Glewlwyd, phone_user: PhoneUser
) -> None:
    tokens = signed_in_tokens(glewlwyd, phone_user)
    listed = phone_user.refresh_tokens()
    assert len(listed) == 1 and listed[0]["enabled"] is True
    assert listed[0]["client_id"] == glewlwyd.client_id
    assert listed[0]["issued_for"].startswith("127.0.0.1")
    assert listed[0]["user_agent"].startswith("python-requests/")
    assert listed[0]["token_hash"].startswith("{SHA512}")

    gone = phone_user.session.request(
        "DELETE", f"/oidc/token/{requests.utils.quote(listed[0]['token_hash'], safe='')}"
    )
    assert gone.status_code == 200
    refused = refresh(glewlwyd, tokens["refresh_token"])
    assert (refused.status_code, refused.content) == (400, b"")
    # The access token keeps working until it expires: sign-out reaches refresh only.
    assert userinfo(glewlwyd, tokens["access_token"]).status_code == 200


def test_revocation_refuses_a_public_client(glewlwyd: Glewlwyd, phone_user: PhoneUser) -> None:
    tokens = signed_in_tokens(glewlwyd, phone_user)
    revoked = requests.post(
        f"{glewlwyd.issuer()}/revoke",
        data={
            "token": tokens["refresh_token"],
            "token_type_hint": "refresh_token",
            "client_id": glewlwyd.client_id,
        },
        headers=FORM,
        timeout=10,
    )
    assert (revoked.status_code, revoked.content) == (401, b"")
    assert refresh(glewlwyd, tokens["refresh_token"]).status_code == 200
