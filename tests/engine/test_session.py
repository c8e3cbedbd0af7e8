"""The token lifecycle: sign-in, refresh, the API call, sign-out. Fake clock, scripted server."""

from __future__ import annotations

import errno
import itertools
import threading
from pathlib import Path
from typing import Any

import pytest

from device_app.core import events as ev
from device_app.core.errors import TransportError
from device_app.core.profile import build_profile
from device_app.engine.session import ReauthRequired, Session
from device_app.engine.token_store import TokenStore

from .fakes import FakeClock, FakeServer, reply

ISSUER = "https://auth.example.test"
CODE = {
    "device_code": "dev-code-secret-0001",
    "user_code": "WDJB-MJHT",
    "verification_uri": ISSUER + "/device",
    "verification_uri_complete": ISSUER + "/device?user_code=WDJB-MJHT",
    "expires_in": 600,
    "interval": 5,
}


def tokens(n: int = 1, expires_in: int = 3600, rt: bool = True) -> dict[str, Any]:
    body: dict[str, Any] = {
        "access_token": "at-%d" % n,
        "token_type": "Bearer",
        "expires_in": expires_in,
        "scope": "openid profile",
    }
    if rt:
        body["refresh_token"] = "rt-%d" % n
    return body


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def server(clock: FakeClock) -> FakeServer:
    return FakeServer(clock)


def make(tmp_path: Path, server: FakeServer, clock: FakeClock) -> Session:
    profile = build_profile("standard", "tv", issuer=ISSUER)
    store = TokenStore(tmp_path / "store", "test")
    return Session(
        profile,
        store,
        server,
        clock=clock.monotonic,
        wall=clock.wall,
        rand=lambda: 0.0,
    )


class Waiter(threading.Event):
    """A cancel event whose wait() moves the fake clock instead of sleeping."""

    def __init__(self, clock: FakeClock) -> None:
        super().__init__()
        self.clock = clock

    def wait(self, timeout: float | None = None) -> bool:
        self.clock.advance(timeout or 0.0)
        return self.is_set()


def login(session: Session, clock: FakeClock) -> tuple[ev.Event, list[ev.Event]]:
    seen: list[ev.Event] = []
    final = session.login(seen.append, Waiter(clock))
    return final, seen


def signed_in(tmp_path: Path, server: FakeServer, clock: FakeClock, **kw: Any) -> Session:
    server.on("/device_authorization", reply(200, CODE))
    server.on("/token", reply(200, tokens(1, **kw)))
    s = make(tmp_path, server, clock)
    final, _ = login(s, clock)
    assert final.kind == ev.AUTHORIZED
    return s


def test_login_stores_tokens_and_polls_at_the_interval(tmp_path, server, clock):
    server.on("/device_authorization", reply(200, CODE))
    server.on(
        "/token",
        reply(400, {"error": "authorization_pending"}),
        reply(400, {"error": "authorization_pending"}),
        reply(200, tokens()),
    )
    s = make(tmp_path, server, clock)
    final, seen = login(s, clock)
    assert final.kind == ev.AUTHORIZED
    assert [e.kind for e in seen] == ["code", "pending", "pending", "authorized"]
    polls = [t for t, path, _h, _f in server.log if path == "/token"]
    assert [b - a for a, b in itertools.pairwise(polls)] == [5.0, 5.0]
    doc = s.store.load()
    assert doc is not None and doc["tokens"]["access_token"] == "at-1"
    assert doc["tokens"]["expires_at"] == pytest.approx(clock.wall() + 3600)
    assert doc["pending"] is None
    assert s.status()["signed_in"] is True


def test_pending_code_survives_a_restart(tmp_path, server, clock):
    server.on("/device_authorization", reply(200, CODE))
    server.on("/token", reply(400, {"error": "authorization_pending"}))
    s = make(tmp_path, server, clock)
    cancel = Waiter(clock)
    seen: list[ev.Event] = []

    def on_event(e: ev.Event) -> None:
        seen.append(e)
        if len([x for x in seen if x.kind == "pending"]) == 2:
            cancel.set()  # the power goes after the second poll... but the pending code stays

    # Simulate the pulled plug: the process dies without the cancel clean-up.
    with pytest.raises(KeyboardInterrupt):

        def boom(e: ev.Event) -> None:
            on_event(e)
            if cancel.is_set():
                raise KeyboardInterrupt

        s.login(boom, Waiter(clock))
    assert s.store.load()["pending"]["user_code"] == "WDJB-MJHT"
    # A new process (new session object, monotonic clock restarted), 30 s later.
    clock.advance(30)
    server.routes["/token"] = [reply(200, tokens())]
    s2 = make(tmp_path, server, clock)
    before = len(server.calls("/device_authorization"))
    final, seen2 = login(s2, clock)
    assert final.kind == ev.AUTHORIZED
    assert len(server.calls("/device_authorization")) == before  # no new code was asked for
    assert seen2[0].kind == "code" and seen2[0].public()["user_code"] == "WDJB-MJHT"
    assert 500 < seen2[0].public()["expires_in"] < 600


def test_refresh_ahead_of_expiry_and_rotation_on_disk_first(tmp_path, server, clock):
    s = signed_in(tmp_path, server, clock, expires_in=600)
    assert s.access_token() == "at-1"  # fresh: no refresh
    assert server.calls("/token")[-1]["grant_type"].endswith("device_code")
    clock.advance(600 - 299)  # within the 5-minute margin
    saved: list[str] = []
    real_save = s.store.save

    def spy(doc: dict[str, Any]) -> None:
        real_save(doc)
        saved.append(doc["tokens"]["refresh_token"])

    s.store.save = spy  # type: ignore[method-assign]
    server.routes["/token"] = [reply(200, tokens(2, expires_in=600))]
    assert s.access_token() == "at-2"
    assert saved == ["rt-2"]  # the rotated refresh token was written before at-2 was returned
    assert server.calls("/token")[-1] == {
        "grant_type": "refresh_token",
        "refresh_token": "rt-1",
        "client_id": "tv",
    }


def test_refresh_without_new_refresh_token_keeps_the_old(tmp_path, server, clock):
    s = signed_in(tmp_path, server, clock)
    server.routes["/token"] = [reply(200, tokens(2, rt=False))]
    s.refresh()
    assert s.store.load()["tokens"]["refresh_token"] == "rt-1"


def test_network_failure_during_refresh_keeps_a_valid_token(tmp_path, server, clock):
    s = signed_in(tmp_path, server, clock, expires_in=600)
    clock.advance(400)
    server.routes["/token"] = [TransportError("refused", reason="connect")]
    assert s.access_token() == "at-1"
    clock.advance(300)  # now really expired
    with pytest.raises(TransportError):
        s.access_token()


def test_invalid_grant_on_refresh_means_authorize_again(tmp_path, server, clock):
    s = signed_in(tmp_path, server, clock)
    server.routes["/token"] = [reply(400, {"error": "invalid_grant"})]
    with pytest.raises(ReauthRequired, match="authorize it again"):
        s.refresh()
    # The dead grant is forgotten: status and token agree with the server from now on.
    assert s.status()["signed_in"] is False
    assert "invalid_grant" in s.status()["reauth_reason"]
    with pytest.raises(ReauthRequired, match="invalid_grant"):
        s.access_token()


def test_api_401_invalid_token_refreshes_once_and_retries(tmp_path, server, clock):
    s = signed_in(tmp_path, server, clock)
    seen_auth: list[str] = []

    def api(request, form):  # type: ignore[no-untyped-def]
        seen_auth.append(request.headers["Authorization"])
        if request.headers["Authorization"] == "Bearer at-1":
            return reply(401, {}, {"WWW-Authenticate": 'Bearer error="invalid_token"'})
        return reply(200, {"name": "Alice"})

    server.on("/userinfo", api)
    server.routes["/token"] = [reply(200, tokens(2))]
    assert s.userinfo()["name"] == "Alice"
    assert seen_auth == ["Bearer at-1", "Bearer at-2"]
    assert s.status()["user"] == {"name": "Alice"}


def test_api_second_401_asks_for_reauthorization(tmp_path, server, clock):
    s = signed_in(tmp_path, server, clock)
    server.on("/userinfo", reply(401, {}, {"WWW-Authenticate": 'Bearer error="invalid_token"'}))
    server.routes["/token"] = [reply(200, tokens(2))]
    with pytest.raises(ReauthRequired):
        s.call(ISSUER + "/userinfo")
    assert len(server.calls("/token")) == 2  # the login poll and exactly one refresh


def test_api_403_insufficient_scope_is_not_a_refresh_case(tmp_path, server, clock):
    s = signed_in(tmp_path, server, clock)
    server.on("/api", reply(403, {}, {"WWW-Authenticate": 'Bearer error="insufficient_scope"'}))
    assert s.call(ISSUER + "/api").status == 403
    assert len(server.calls("/token")) == 1


def test_token_never_sent_over_plain_http(tmp_path, server, clock):
    s = signed_in(tmp_path, server, clock)
    with pytest.raises(Exception, match="refusing to send the token"):
        s.call("http://api.example.test/me")


def test_logout_revokes_and_wipes(tmp_path, server, clock):
    s = signed_in(tmp_path, server, clock)
    server.on("/revoke", reply(200, {}))
    assert s.logout() is True
    assert server.calls("/revoke")[-1]["token"] == "rt-1"
    assert server.calls("/revoke")[-1]["token_type_hint"] == "refresh_token"
    assert s.store.load() is None
    assert s.signed_in() is False


def test_logout_wipes_even_when_revocation_fails_and_retries_later(tmp_path, server, clock):
    s = signed_in(tmp_path, server, clock)
    server.on("/revoke", reply(503, {}), reply(200, {}))
    assert s.logout() is False
    assert s.signed_in() is False
    assert s.status()["revocations_queued"] == 1
    # The next sign-in first delivers the queued revocation.
    server.routes["/token"] = [reply(200, tokens(3))]
    final, _ = login(s, clock)
    assert final.kind == ev.AUTHORIZED
    assert [f["token"] for f in server.calls("/revoke")] == ["rt-1", "rt-1"]
    assert s.status()["revocations_queued"] == 0


@pytest.mark.parametrize("status", [400, 401, 403])
def test_logout_refused_for_good_keeps_no_token(tmp_path, server, clock, status):
    # RFC 7009 §2.2.1: only an outage means "try again"; a refusal would be refused again,
    # and queuing the token would send it to the server at every later sign-in.
    s = signed_in(tmp_path, server, clock)
    server.on("/revoke", reply(status, {}))
    assert s.logout() is False
    assert s.status()["revocations_queued"] == 0
    assert s.store.load() is None


def test_disk_full_keeps_tokens_in_memory_and_says_so(tmp_path, server, clock, monkeypatch):
    s = make(tmp_path, server, clock)
    server.on("/device_authorization", reply(200, CODE))
    server.on("/token", reply(200, tokens()))
    real_write = __import__("os").write

    def full(fd: int, data: bytes) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("os.write", full)
    final, _ = login(s, clock)
    monkeypatch.setattr("os.write", real_write)
    assert final.kind == ev.AUTHORIZED
    assert s.warning and "space" in s.warning.lower()
    assert s.access_token() == "at-1"  # served from memory


def test_profile_errors_become_an_error_event(tmp_path, server, clock):
    def broken():  # type: ignore[no-untyped-def]
        raise TransportError("could not connect to auth.example.test", reason="connect")

    s = Session(broken, TokenStore(tmp_path / "s", "x"), server, clock=clock.monotonic)
    final, seen = login(s, clock)
    assert final.kind == ev.FAILED and final.public()["category"] == "network"
    assert seen == [final]


def test_not_signed_in(tmp_path, server, clock):
    s = make(tmp_path, server, clock)
    with pytest.raises(ReauthRequired, match="not signed in"):
        s.access_token()
    assert s.status()["signed_in"] is False
