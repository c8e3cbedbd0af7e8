"""The test IdP speaks RFC 8628 with raw HTTP, before device-app is let near it.

These tests also pin the django-oauth-toolkit behaviour the client has to live with
(docs/django-oauth-toolkit.md): 8-character codes from 0-9A-V, a 404 for an unknown
device code, no ``expired_token`` by itself, the exact Content-Type check.
"""

import re
import time
from typing import Any

import pytest
import requests

from .browser_user import BrowserUser, UserPageError
from .idp_process import DotServer

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
FORM = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}
USER_CODE = re.compile(r"\A[0-9A-V]{8}\Z")


def start(idp: DotServer, client_id: str | None = None, scope: str = "openid read") -> Any:
    reply = requests.post(
        f"{idp.issuer}/device-authorization/",
        data={"client_id": client_id or idp.client_id, "scope": scope},
        headers=FORM,
        timeout=10,
    )
    assert reply.status_code == 200, reply.text
    return reply.json()


def poll(idp: DotServer, device_code: str, client_id: str | None = None) -> requests.Response:
    return requests.post(
        f"{idp.issuer}/token/",
        data={
            "grant_type": DEVICE_GRANT,
            "device_code": device_code,
            "client_id": client_id or idp.client_id,
        },
        headers=FORM,
        timeout=10,
    )


def userinfo(idp: DotServer, access_token: str) -> requests.Response:
    return requests.get(
        f"{idp.issuer}/userinfo/",
        headers={"Authorization": f"Bearer {access_token}"},
        timeout=10,
    )


def test_metadata_and_device_authorization_answer(dot_idp: DotServer) -> None:
    meta = requests.get(f"{dot_idp.base_url}/.well-known/oauth-authorization-server/o", timeout=10)
    assert meta.status_code == 200
    doc = meta.json()
    assert doc["issuer"] == dot_idp.issuer
    assert doc["token_endpoint"] == f"{dot_idp.issuer}/token/"
    assert doc["revocation_endpoint"] == f"{dot_idp.issuer}/revoke_token/"
    assert DEVICE_GRANT in doc["grant_types_supported"]
    # DOT quirk: the device authorization endpoint is not advertised.
    assert "device_authorization_endpoint" not in doc

    code = start(dot_idp)
    assert USER_CODE.match(code["user_code"]), code["user_code"]
    assert code["verification_uri"] == f"{dot_idp.issuer}/device/"
    assert "verification_uri_complete" not in code
    assert code["expires_in"] == 1800  # oauthlib's fixed default
    assert code["interval"] == dot_idp.interval
    assert len(code["device_code"]) >= 20


def test_approved_device_gets_tokens_that_work(
    dot_idp: DotServer, browser_user: BrowserUser
) -> None:
    code = start(dot_idp)
    pending = poll(dot_idp, code["device_code"])
    assert (pending.status_code, pending.json()["error"]) == (400, "authorization_pending")

    status_page = browser_user.approve(code["verification_uri"], code["user_code"])
    assert "Authorized" in status_page
    # The user was sent through Django's login form on the way.
    assert any("/accounts/login/" in url for url in browser_user.visited)

    granted = poll(dot_idp, code["device_code"])
    assert granted.status_code == 200, granted.text
    tokens = granted.json()
    assert tokens["token_type"] == "Bearer"
    assert set(tokens["scope"].split()) == {"openid", "read"}
    assert tokens["expires_in"] > 0
    assert tokens["refresh_token"]

    # DOT quirk: the device code is not consumed; polling again mints a second token set.
    replay = poll(dot_idp, code["device_code"])
    assert replay.status_code == 200
    assert replay.json()["access_token"] != tokens["access_token"]

    me = userinfo(dot_idp, tokens["access_token"])
    assert me.status_code == 200, me.text
    assert me.json()["name"] == "Dot Tester"
    assert me.json()["email"] == "dot.tester@example.org"

    # A public client refreshes with its client_id alone; DOT rotates the refresh token.
    refreshed = requests.post(
        f"{dot_idp.issuer}/token/",
        data={
            "grant_type": "refresh_token",
            "refresh_token": tokens["refresh_token"],
            "client_id": dot_idp.client_id,
        },
        headers=FORM,
        timeout=10,
    )
    assert refreshed.status_code == 200, refreshed.text
    new = refreshed.json()
    assert new["access_token"] != tokens["access_token"]
    assert new["refresh_token"] != tokens["refresh_token"]
    assert userinfo(dot_idp, tokens["access_token"]).status_code == 401

    # RFC 7009 revocation of the refresh token also kills its access token in DOT.
    before = dot_idp.control(action="describe", access_token=new["access_token"])
    revoked = requests.post(
        f"{dot_idp.issuer}/revoke_token/",
        data={
            "token": new["refresh_token"],
            "token_type_hint": "refresh_token",
            "client_id": dot_idp.client_id,
        },
        headers=FORM,
        timeout=10,
    )
    assert revoked.status_code == 200, revoked.text
    assert userinfo(dot_idp, new["access_token"]).status_code == 401
    state = dot_idp.control(
        action="refresh_token_state", refresh_token_id=before["refresh_token_id"]
    )
    assert state == {"refresh_token": "revoked"}


def test_denied_device_gets_access_denied(dot_idp: DotServer, browser_user: BrowserUser) -> None:
    code = start(dot_idp)
    status_page = browser_user.deny(code["verification_uri"], code["user_code"])
    assert "Denied" in status_page
    answer = poll(dot_idp, code["device_code"])
    assert (answer.status_code, answer.json()["error"]) == (400, "access_denied")


def test_user_code_is_case_sensitive_and_single_use(
    dot_idp: DotServer, browser_user: BrowserUser
) -> None:
    code = start(dot_idp)
    with pytest.raises(UserPageError, match="Incorrect user code"):
        browser_user.enter_code(code["verification_uri"], code["user_code"].lower())
    browser_user.approve(code["verification_uri"], code["user_code"])
    with pytest.raises(UserPageError, match="already been used"):
        browser_user.enter_code(code["verification_uri"], code["user_code"])


def test_server_quirks_the_client_must_cope_with(dot_idp: DotServer) -> None:
    unknown = poll(dot_idp, "no-such-device-code")
    assert unknown.status_code == 404
    assert unknown.json() == {"error": "device_not_found"}

    # A scope DOT does not know is accepted at device authorization.
    odd = start(dot_idp, scope="no-such-scope")
    assert USER_CODE.match(odd["user_code"])

    with_charset = requests.post(
        f"{dot_idp.issuer}/device-authorization/",
        data={"client_id": dot_idp.client_id},
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
        timeout=10,
    )
    assert with_charset.status_code == 400
    assert with_charset.json()["error"] == "invalid_request"


def test_expired_code_keeps_answering_pending(
    dot_idp: DotServer, browser_user: BrowserUser
) -> None:
    client = dot_idp.short_lived_client_id
    code = start(dot_idp, client_id=client)
    assert code["expires_in"] == dot_idp.short_code_lifetime
    time.sleep(dot_idp.short_code_lifetime + 0.5)
    # Past expires_in, DOT still says "pending": the client must keep its own deadline.
    late = poll(dot_idp, code["device_code"], client_id=client)
    assert (late.status_code, late.json()["error"]) == (400, "authorization_pending")
    # Only once the user page has looked at the code does the grant turn expired.
    with pytest.raises(UserPageError, match="Expired user code"):
        browser_user.enter_code(code["verification_uri"], code["user_code"])
    after = poll(dot_idp, code["device_code"], client_id=client)
    assert (after.status_code, after.json()["error"]) == (400, "expired_token")
