"""Every dialect of the simulator against the matching provider profile: approve and deny.

Each test runs the real Session (real HttpTransport, real token store) against a real
simulator, and the person approves or denies on the real verification pages.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from device_app.core.flow import DeviceFlow

from .conftest import SimFactory
from .harness import (
    DIALECTS,
    INTERVAL,
    Phone,
    Recorder,
    assert_demo_user,
    make_session,
    profile_for,
    sign_in,
    story,
)

pytestmark = pytest.mark.timeout(60)

# What each dialect's code event must carry through the engine (simulator/dialects.py).
WITH_COMPLETE_URI = {"standard", "auth0", "keycloak", "okta"}
WITH_MESSAGE = {"microsoft"}


@pytest.mark.parametrize("dialect", DIALECTS)
def test_approve_stores_tokens_and_userinfo_is_the_demo_user(
    sim: SimFactory, phone: Phone, tmp_path: Path, dialect: str
) -> None:
    srv = sim(dialect)
    transport = Recorder(srv)
    session = make_session(srv, tmp_path, transport)

    final, seen = sign_in(session, lambda e: phone.answer(e) if e.kind == "code" else None)

    assert phone.outcomes() == ["approved"]
    assert final.kind == "authorized", final.public()
    assert story(seen) == ["code", "authorized"], [s.event.public() for s in seen]
    code = seen[0].event.public()
    assert code["verification_uri"].startswith(srv.base_url + "/")
    assert code["interval"] == INTERVAL
    assert (code["verification_uri_complete"] is not None) == (dialect in WITH_COMPLETE_URI)
    assert (code["message"] is not None) == (dialect in WITH_MESSAGE)
    # One code request, then polls, all to this simulator; the last poll got the tokens.
    assert [x.endpoint for x in transport.log[:2]] == ["device_authorization", "token"]
    assert {x.endpoint for x in transport.log[1:]} == {"token"}
    assert transport.log[-1].status == 200

    stored = session.store.load()
    assert stored is not None
    tokens = stored["tokens"]
    assert tokens["access_token"] and tokens["refresh_token"]
    assert tokens["token_type"] == "Bearer"
    assert tokens["expires_at"] > time.time()
    assert stored["pending"] is None  # the code is forgotten once the flow ended

    user = session.userinfo()
    assert_demo_user(user)
    assert transport.log[-1].endpoint == "userinfo" and transport.log[-1].status == 200
    status = session.status()
    assert status["signed_in"] and status["has_refresh_token"]
    assert status["user"]["name"] == "Alice Liddell"


@pytest.mark.parametrize("dialect", DIALECTS)
def test_deny_ends_the_flow_as_denied_and_stores_nothing(
    sim: SimFactory, phone: Phone, tmp_path: Path, dialect: str
) -> None:
    srv = sim(dialect)
    session = make_session(srv, tmp_path)

    final, seen = sign_in(session, lambda e: phone.answer(e, "deny") if e.kind == "code" else None)

    assert phone.outcomes() == ["denied"]
    assert final.kind == "denied", final.public()
    assert story(seen) == ["code", "denied"]
    # Microsoft says authorization_declined; the others access_denied (RFC 8628 §3.5).
    expected = "authorization_declined" if dialect == "microsoft" else "access_denied"
    assert final.public()["error"] == expected
    assert not session.signed_in()
    stored = session.store.load()
    assert stored is None or stored.get("pending") is None


@pytest.mark.parametrize("dialect", DIALECTS)
def test_the_profiles_default_scope_gets_a_code(sim: SimFactory, dialect: str) -> None:
    """A developer who names only the provider (no --scope) gets a code, not invalid_scope.

    The simulator stands in for the real provider, so it must accept what the shipped
    profile asks for by default (GitHub: read:user; Microsoft: ... User.Read).
    """
    srv = sim(dialect)
    profile = profile_for(srv, provider_scope=True)
    transport = Recorder(srv)
    flow = DeviceFlow(profile)
    request = flow.start(time.monotonic())

    events = flow.receive(transport(request), time.monotonic())
    flow.cancel()

    assert [e.kind for e in events] == ["code"], (profile.scope, events[0].public())
