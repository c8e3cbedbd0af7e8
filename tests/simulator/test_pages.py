"""The verification pages: code matching, sign-in, consent, CSRF, rate limiting."""

from __future__ import annotations

import re

import pytest
import requests

from device_app_simulator.phone import PhoneError, approve

from .conftest import StartFn, device_authorize, poll, verification_url


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token"\s+value="([^"]+)"', html)
    assert match, html
    return match.group(1)


def test_code_typed_in_lower_case_with_spaces(start: StartFn) -> None:
    srv = start()
    body = device_authorize(srv)
    typed = " " + body["user_code"].lower().replace("-", " - ") + " "
    assert approve(body["verification_uri"], typed).outcome == "approved"
    assert poll(srv, body["device_code"]).status_code == 200


def test_google_codes_are_case_sensitive(start: StartFn) -> None:
    srv = start("google")
    body = device_authorize(srv)
    with pytest.raises(PhoneError, match="not right"):
        approve(body["verification_url"], body["user_code"].lower())
    assert approve(body["verification_url"], body["user_code"].replace("-", "")).outcome == (
        "approved"
    )


def test_consent_page_shows_device_scopes_and_code(start: StartFn) -> None:
    srv = start()
    body = device_authorize(srv, device_name="Kids' room <TV>")
    s = requests.Session()
    first = s.get(body["verification_uri_complete"], timeout=5)
    assert f'value="{body["user_code"]}"' in first.text
    assert first.headers["X-Frame-Options"] == "DENY"
    assert "default-src 'none'" in first.headers["Content-Security-Policy"]
    login = s.post(
        srv.endpoints["verification"] or "",
        timeout=5,
        data={"user_code": body["user_code"], "csrf_token": _csrf(first.text)},
    )
    assert "Demo accounts" in login.text and "carol" in login.text
    assert "Living-room TV" in login.text
    consent = s.post(
        f"{srv.endpoints['verification']}/login",
        timeout=5,
        data={"username": "carol", "password": "carol", "csrf_token": _csrf(login.text)},
    )
    page = consent.text
    assert "Living-room TV (device-app demo)" in page
    assert "Kids&#39; room &lt;TV&gt;" in page  # escaped, never raw HTML
    assert body["user_code"] in page
    assert "See your email address" in page and "Stay signed in" in page
    assert "Carol Okafor" in page
    forged = s.post(
        f"{srv.endpoints['verification']}/confirm", data={"decision": "approve"}, timeout=5
    )
    assert forged.status_code == 400
    assert poll(srv, body["device_code"]).json()["error"] == "authorization_pending"


def test_wrong_password_and_wrong_code(start: StartFn) -> None:
    srv = start()
    body = device_authorize(srv)
    with pytest.raises(PhoneError, match="Wrong user name or password"):
        approve(verification_url(body), body["user_code"], password="nope")
    with pytest.raises(PhoneError, match="not right"):
        approve(verification_url(body), "BBBB-BBBB")


def test_used_and_denied_codes_get_a_clear_page(start: StartFn) -> None:
    srv = start()
    body = device_authorize(srv)
    approve(verification_url(body), body["user_code"], decision="deny")
    with pytest.raises(PhoneError, match="Code already used"):
        approve(verification_url(body), body["user_code"])


def test_wrong_codes_are_rate_limited(start: StartFn) -> None:
    srv = start()
    body = device_authorize(srv)
    s = requests.Session()
    url = srv.endpoints["verification"] or ""
    statuses = []
    for _ in range(6):
        token = _csrf(s.get(url, timeout=5).text) if not statuses or statuses[-1] != 429 else ""
        resp = s.post(url, data={"user_code": "ZZZZ-ZZZZ", "csrf_token": token}, timeout=5)
        statuses.append(resp.status_code)
    assert statuses[:4] == [400] * 4 and statuses[4] == 429
    blocked = s.get(url, timeout=5)
    assert blocked.status_code == 429 and "Wait" in blocked.text
    with pytest.raises(PhoneError):  # even the right code waits out the window
        approve(verification_url(body), body["user_code"])


def test_never_answer_leaves_the_code_pending(start: StartFn) -> None:
    srv = start(faults={"never_answer": True})
    body = device_authorize(srv)
    assert approve(verification_url(body), body["user_code"]).outcome == "ignored"
    assert poll(srv, body["device_code"]).json()["error"] == "authorization_pending"


def test_switch_account(start: StartFn) -> None:
    srv = start()
    s = requests.Session()
    first = device_authorize(srv)
    approve(verification_url(first), first["user_code"], "alice", "alice", session=s)
    second = device_authorize(srv)
    page = s.get(second["verification_uri_complete"], timeout=5)
    assert "Signed in as" in page.text and "Alice Liddell" in page.text
    out = s.post(
        f"{srv.endpoints['verification']}/logout", data={"csrf_token": _csrf(page.text)}, timeout=5
    )
    assert "Signed in as" not in out.text
    approve(verification_url(second), second["user_code"], "bob", "bob", session=s)
    poll(srv, second["device_code"])
    users = {g["username"] for g in srv.store.list_grants()}
    assert users == {"bob"}
