"""After sign-in: refresh with rotation, revocation at sign-out, revocation by the admin.

The server's side is checked with plain HTTP calls carrying the old tokens, so each test
proves what the server now accepts, not only what the engine believes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests

from device_app.engine.session import ReauthRequired, Session
from device_app_simulator.server import SimulatorServer

from .conftest import SimFactory
from .harness import Phone, assert_demo_user, client_of, make_session, sign_in

pytestmark = pytest.mark.timeout(60)

REFRESH = "refresh_token"


def signed_in(srv: SimulatorServer, phone: Phone, folder: Path) -> Session:
    """A session that went through the whole device flow (approved on the phone)."""
    session = make_session(srv, folder)
    final, _ = sign_in(session, lambda e: phone.answer(e) if e.kind == "code" else None)
    assert final.kind == "authorized", final.public()
    return session


def stored_tokens(session: Session) -> dict[str, Any]:
    doc = session.store.load()
    assert doc is not None and doc["tokens"], doc
    tokens: dict[str, Any] = doc["tokens"]
    return tokens


def raw_refresh(srv: SimulatorServer, refresh_token: str) -> requests.Response:
    """A refresh request sent by hand (RFC 6749 §6), as the device would send it."""
    client_id, secret = client_of(srv.dialect)
    form = {"grant_type": REFRESH, REFRESH: refresh_token, "client_id": client_id}
    if secret:
        form["client_secret"] = secret
    return requests.post(
        srv.endpoints["token"] or "",
        data=form,
        headers={"Accept": "application/json"},
        timeout=5,
    )


def raw_userinfo(srv: SimulatorServer, access_token: str) -> requests.Response:
    return requests.get(
        srv.endpoints["userinfo"] or "",
        headers={"Authorization": f"Bearer {access_token}"},
        timeout=5,
    )


def test_refresh_rotates_and_the_old_refresh_token_is_refused(
    sim: SimFactory, phone: Phone, tmp_path: Path
) -> None:
    srv = sim("standard")
    session = signed_in(srv, phone, tmp_path)
    old = stored_tokens(session)

    session.refresh()

    new = stored_tokens(session)
    assert new["refresh_token"] and new["refresh_token"] != old["refresh_token"]
    assert new["access_token"] != old["access_token"]
    assert_demo_user(session.userinfo())  # the new access token works
    # The server no longer takes the refresh token that was rotated out.
    resp = raw_refresh(srv, old["refresh_token"])
    assert resp.status_code == 400 and resp.json()["error"] == "invalid_grant"
    # Replaying a rotated refresh token makes the server drop the whole grant
    # (RFC 9700 §4.14.2); the engine must then ask for a new code, not loop.
    with pytest.raises(ReauthRequired):
        session.refresh()


@pytest.mark.parametrize("dialect", ["standard", "google"])
def test_logout_revokes_at_the_server(
    sim: SimFactory, phone: Phone, tmp_path: Path, dialect: str
) -> None:
    srv = sim(dialect)
    session = signed_in(srv, phone, tmp_path)
    tokens = stored_tokens(session)
    assert raw_userinfo(srv, tokens["access_token"]).status_code == 200

    assert session.logout() is True  # the server confirmed the revocation

    assert not session.signed_in()
    assert session.status()["revocations_queued"] == 0
    resp = raw_userinfo(srv, tokens["access_token"])
    assert resp.status_code == 401
    assert 'error="invalid_token"' in resp.headers.get("WWW-Authenticate", "")
    assert raw_refresh(srv, tokens["refresh_token"]).json()["error"] == "invalid_grant"


def test_logout_without_a_revocation_endpoint_signs_out_locally(
    sim: SimFactory, phone: Phone, tmp_path: Path
) -> None:
    """GitHub has no RFC 7009 endpoint: nothing to revoke at, nothing queued, still signed out."""
    srv = sim("github")
    session = signed_in(srv, phone, tmp_path)

    assert session.logout() is False

    assert not session.signed_in()
    assert session.status()["revocations_queued"] == 0


def test_admin_revocation_forces_a_new_authorization(
    sim: SimFactory, phone: Phone, tmp_path: Path
) -> None:
    srv = sim("standard")
    session = signed_in(srv, phone, tmp_path)
    grants = requests.get(f"{srv.base_url}/admin/api/grants", timeout=5).json()
    active = [g for g in grants if g["revoked_at"] is None]
    assert len(active) == 1 and active[0]["username"] == "alice"

    resp = requests.post(
        f"{srv.base_url}/admin/api/grants/{active[0]['id']}/revoke", json={}, timeout=5
    )
    assert resp.status_code == 200, resp.text

    # The API says 401; the engine refreshes once, the refresh is refused: a new code is due.
    with pytest.raises(ReauthRequired):
        session.userinfo()
    with pytest.raises(ReauthRequired):
        session.refresh()
    # And a new authorization brings the device back.
    again = signed_in(srv, phone, tmp_path)
    assert_demo_user(again.userinfo())
    assert phone.outcomes() == ["approved", "approved"]
