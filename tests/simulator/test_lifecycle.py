"""Standard dialect end to end: tokens, rotation, revocation, expiry, restart, admin."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
import requests

from device_app_simulator.phone import PhoneError, approve

from .conftest import StartFn, device_authorize, poll, verification_url


def _authorized(start: StartFn, **kw: Any) -> tuple[Any, dict[str, Any]]:
    srv = start(**kw)
    body = device_authorize(srv, device_name="Living room")
    approve(verification_url(body), body["user_code"])
    resp = poll(srv, body["device_code"])
    assert resp.status_code == 200, resp.text
    return srv, resp.json()


def _refresh(srv: Any, rt: str) -> requests.Response:
    return requests.post(
        srv.endpoints["token"],
        timeout=5,
        data={"grant_type": "refresh_token", "refresh_token": rt, "client_id": "tv-demo"},
    )


def _userinfo(srv: Any, at: str) -> requests.Response:
    return requests.get(
        srv.endpoints["userinfo"], timeout=5, headers={"Authorization": f"Bearer {at}"}
    )


def _revoke(srv: Any, token: str, hint: str | None = None) -> requests.Response:
    data = {"token": token, "client_id": "tv-demo"}
    if hint:
        data["token_type_hint"] = hint
    return requests.post(srv.endpoints["revocation"], data=data, timeout=5)


def test_consumed_code_is_not_reusable(start: StartFn) -> None:
    srv = start()
    body = device_authorize(srv)
    approve(verification_url(body), body["user_code"])
    assert poll(srv, body["device_code"]).status_code == 200
    replay = poll(srv, body["device_code"])
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"


def test_slow_down_raises_the_interval_by_five(start: StartFn) -> None:
    srv = start(interval=1)
    body = device_authorize(srv)
    dc = body["device_code"]
    assert poll(srv, dc).json()["error"] == "authorization_pending"
    assert poll(srv, dc).json()["error"] == "slow_down"
    row = srv.store.device_by_code(dc)
    assert row is not None and row["interval"] == 6
    time.sleep(1.1)  # waited the old interval only: still too fast for the new one
    assert poll(srv, dc).json()["error"] == "slow_down"


def test_polling_at_the_interval_is_never_slowed(start: StartFn) -> None:
    srv = start(interval=1)
    dc = device_authorize(srv)["device_code"]
    assert poll(srv, dc).json()["error"] == "authorization_pending"
    time.sleep(1.0)
    assert poll(srv, dc).json()["error"] == "authorization_pending"


def test_expired_code(start: StartFn) -> None:
    srv = start(expires_in=1)
    body = device_authorize(srv)
    time.sleep(1.1)
    resp = poll(srv, body["device_code"])
    assert resp.status_code == 400 and resp.json()["error"] == "expired_token"
    with pytest.raises(PhoneError, match="expired"):
        approve(verification_url(body), body["user_code"])


def test_auth0_reports_expiry_once_then_invalid_grant(start: StartFn) -> None:
    srv = start("auth0", expires_in=1)
    dc = device_authorize(srv)["device_code"]
    time.sleep(1.1)
    first, second = poll(srv, dc), poll(srv, dc)
    assert (first.status_code, first.json()["error"]) == (403, "expired_token")
    assert (second.status_code, second.json()["error"]) == (403, "invalid_grant")


def test_refresh_rotation(start: StartFn) -> None:
    srv, tokens = _authorized(start)
    new = _refresh(srv, tokens["refresh_token"])
    assert new.status_code == 200
    rotated = new.json()
    assert rotated["refresh_token"] != tokens["refresh_token"]
    assert rotated["access_token"] != tokens["access_token"]
    assert _userinfo(srv, rotated["access_token"]).status_code == 200
    old = _refresh(srv, tokens["refresh_token"])
    assert old.status_code == 400 and old.json()["error"] == "invalid_grant"
    # Reuse of a rotated token revokes the whole family (RFC 9700 §4.14.2).
    assert _refresh(srv, rotated["refresh_token"]).json()["error"] == "invalid_grant"
    assert _userinfo(srv, rotated["access_token"]).status_code == 401


def test_refresh_of_another_client_or_garbage(start: StartFn) -> None:
    srv, tokens = _authorized(start)
    other = requests.post(
        srv.endpoints["token"],
        timeout=5,
        data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        auth=("tv-confidential", "demo-secret"),
    )
    assert other.status_code == 400 and other.json()["error"] == "invalid_grant"
    assert _refresh(srv, "garbage").json()["error"] == "invalid_grant"
    assert _refresh(srv, tokens["refresh_token"]).status_code == 200  # still usable


def test_revoking_refresh_token_kills_access_token(start: StartFn) -> None:
    srv, tokens = _authorized(start)
    assert _userinfo(srv, tokens["access_token"]).status_code == 200
    assert _revoke(srv, tokens["refresh_token"], "refresh_token").status_code == 200
    resp = _userinfo(srv, tokens["access_token"])
    assert resp.status_code == 401
    assert 'error="invalid_token"' in resp.headers["WWW-Authenticate"]
    assert resp.headers["WWW-Authenticate"].startswith("Bearer")
    assert _refresh(srv, tokens["refresh_token"]).json()["error"] == "invalid_grant"


def test_revoking_access_token_keeps_refresh_token(start: StartFn) -> None:
    srv, tokens = _authorized(start)
    assert _revoke(srv, tokens["access_token"]).status_code == 200
    assert _userinfo(srv, tokens["access_token"]).status_code == 401
    assert _refresh(srv, tokens["refresh_token"]).status_code == 200


def test_revocation_of_unknown_token_is_200(start: StartFn) -> None:
    srv = start()
    resp = _revoke(srv, "never-issued")
    assert resp.status_code == 200
    missing = requests.post(
        srv.endpoints["revocation"] or "", data={"client_id": "tv-demo"}, timeout=5
    )
    assert missing.status_code == 400 and missing.json()["error"] == "invalid_request"


def test_google_revokes_with_token_alone(start: StartFn) -> None:
    srv = start("google")
    body = device_authorize(srv)
    approve(verification_url(body), body["user_code"])
    tokens = poll(srv, body["device_code"]).json()
    resp = requests.post(
        f"{srv.endpoints['revocation']}?token={tokens['refresh_token']}", timeout=5
    )
    assert resp.status_code == 200
    assert _userinfo(srv, tokens["access_token"]).status_code == 401


def test_access_token_expiry(start: StartFn) -> None:
    srv, tokens = _authorized(start, token_ttl=1)
    assert tokens["expires_in"] == 1
    time.sleep(1.1)
    resp = _userinfo(srv, tokens["access_token"])
    assert resp.status_code == 401 and "invalid_token" in resp.headers["WWW-Authenticate"]
    assert _refresh(srv, tokens["refresh_token"]).status_code == 200


def test_userinfo_without_or_with_bad_token(start: StartFn) -> None:
    srv = start()
    bare = requests.get(srv.endpoints["userinfo"] or "", timeout=5)
    assert bare.status_code == 401 and bare.headers["WWW-Authenticate"].startswith("Bearer")
    bad = _userinfo(srv, "nope")
    assert bad.status_code == 401 and 'error="invalid_token"' in bad.headers["WWW-Authenticate"]


def test_restart_keeps_clients_tokens_and_revocations(start: StartFn, tmp_path: Path) -> None:
    db = tmp_path / "persist.sqlite3"
    srv, tokens = _authorized(start, db_path=db)
    revoked = _refresh(srv, tokens["refresh_token"]).json()
    _revoke(srv, revoked["access_token"])
    pending = device_authorize(srv)
    srv.stop()
    again = start(db_path=db)
    assert _userinfo(again, tokens["access_token"]).status_code == 200
    assert _userinfo(again, revoked["access_token"]).status_code == 401
    assert _refresh(again, revoked["refresh_token"]).status_code == 200
    assert _refresh(again, tokens["refresh_token"]).json()["error"] == "invalid_grant"
    # A code issued before the restart can still be approved and redeemed.
    approve(verification_url(pending).replace(srv.base_url, again.base_url), pending["user_code"])
    assert poll(again, pending["device_code"]).status_code == 200
    assert db.stat().st_mode & 0o777 == 0o600
    assert tokens["access_token"].encode() not in db.read_bytes()


def test_admin_lists_and_revokes_devices(start: StartFn) -> None:
    srv, tokens = _authorized(start)
    grants = requests.get(f"{srv.base_url}/admin/api/grants", timeout=5).json()
    assert len(grants) == 1
    g = grants[0]
    assert (g["client_id"], g["username"], g["device_name"]) == ("tv-demo", "alice", "Living room")
    assert "offline_access" in g["scope"]
    page = requests.get(f"{srv.base_url}/admin", timeout=5)
    assert page.status_code == 200 and "Living room" in page.text and "alice" in page.text
    not_json = requests.post(f"{srv.base_url}/admin/api/grants/{g['id']}/revoke", timeout=5)
    assert not_json.status_code == 415
    resp = requests.post(f"{srv.base_url}/admin/api/grants/{g['id']}/revoke", json={}, timeout=5)
    assert resp.status_code == 200
    assert _userinfo(srv, tokens["access_token"]).status_code == 401
    assert _refresh(srv, tokens["refresh_token"]).json()["error"] == "invalid_grant"


def test_admin_page_revoke_form_needs_csrf(start: StartFn) -> None:
    srv, tokens = _authorized(start)
    s = requests.Session()
    page = s.get(f"{srv.base_url}/admin", timeout=5).text
    csrf = page.split('name="csrf_token"', 1)[1].split('value="', 1)[1].split('"', 1)[0]
    gid = srv.store.list_grants()[0]["id"]
    forged = s.post(f"{srv.base_url}/admin/revoke/{gid}", timeout=5)
    assert forged.status_code == 400
    assert _userinfo(srv, tokens["access_token"]).status_code == 200
    ok = s.post(f"{srv.base_url}/admin/revoke/{gid}", data={"csrf_token": csrf}, timeout=5)
    assert ok.status_code == 200 and "revoked" in ok.text
    assert _userinfo(srv, tokens["access_token"]).status_code == 401


def test_admin_is_for_this_machine_only(start: StartFn) -> None:
    srv = start()
    assert srv.ctx.is_local("127.0.0.1") and srv.ctx.is_local("::1")
    assert not srv.ctx.is_local("192.168.1.20") and not srv.ctx.is_local(None)


def test_ipv6_loopback_and_public_host(start: StartFn) -> None:
    v6 = start(host="::1")
    assert v6.base_url.startswith("http://[::1]:")
    body = device_authorize(v6)
    assert body["verification_uri"].startswith("http://[::1]:")
    approve(verification_url(body), body["user_code"])
    assert poll(v6, body["device_code"]).status_code == 200
    named = start(public_host="tv-sim.example.test")
    assert named.endpoints["verification"] == (f"http://tv-sim.example.test:{named.port}/device")
