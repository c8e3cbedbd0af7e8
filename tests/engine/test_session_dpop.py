"""DPoP (RFC 9449) in the session: proofs, nonces, token types, cnf.jkt, the stored key.

A scripted server (fake clock) plays the authorization and resource server; every proof the
device sends is verified here with joserfc, an implementation independent of the device's.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from joserfc import jws
from joserfc.jwk import ECKey

from device_app.core import events as ev
from device_app.core import outcomes
from device_app.core.http import Request, Response
from device_app.core.profile import build_profile
from device_app.engine.dpop import DeviceKey
from device_app.engine.session import Session
from device_app.engine.token_store import TokenStore

from .fakes import FakeClock, FakeServer, reply
from .test_session import CODE, ISSUER, Waiter

TOKEN_URL = ISSUER + "/token"
API = ISSUER + "/userinfo"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def verify_proof(request: Request, access_token: str | None = None) -> dict[str, Any]:
    """The proof's header and claims, after checking it as RFC 9449 §4.3 says."""
    proof = request.headers["DPoP"]
    header = json.loads(base64.urlsafe_b64decode(proof.split(".")[0] + "=="))
    assert header["typ"] == "dpop+jwt" and header["alg"] == "ES256"
    assert "d" not in header["jwk"]  # the public half only
    key = ECKey.import_key(header["jwk"])
    claims = json.loads(jws.deserialize_compact(proof, key, algorithms=["ES256"]).payload)
    assert claims["htm"] == request.method
    assert claims["htu"] == request.url.split("?")[0]
    assert abs(claims["iat"] - time.time()) < 10**9  # a number; the fake wall clock is far off
    assert len(claims["jti"]) >= 16
    if access_token is not None:
        assert claims["ath"] == b64(hashlib.sha256(access_token.encode()).digest())
        assert request.headers["Authorization"] == "DPoP " + access_token
    else:
        assert "ath" not in claims
    return {"jkt": key.thumbprint(), **claims}


def bound_tokens(n: int = 1, token_type: str = "DPoP") -> dict[str, Any]:  # noqa: S107
    return {
        "access_token": "at-%d" % n,
        "token_type": token_type,
        "expires_in": 3600,
        "refresh_token": "rt-%d" % n,
    }


def jwt_token(jkt: str) -> str:
    """An unsigned-looking JWT access token naming ``jkt`` (the device never verifies it)."""
    part = b64(json.dumps({"sub": "alice", "cnf": {"jkt": jkt}}).encode())
    return "eyJhbGciOiJub25lIn0." + part + ".c2ln"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


class RecordingServer(FakeServer):
    """The scripted server, keeping each whole request (headers included) too."""

    def __init__(self, clock: FakeClock) -> None:
        super().__init__(clock)
        self.requests: list[Request] = []

    def __call__(self, request: Request) -> Response:
        self.requests.append(request)
        return super().__call__(request)


@pytest.fixture
def server(clock: FakeClock) -> RecordingServer:
    return RecordingServer(clock)


def make(tmp_path: Path, server: RecordingServer, clock: FakeClock, dpop: bool = True) -> Session:
    profile = build_profile("standard", "tv", issuer=ISSUER, dpop=dpop)
    store = TokenStore(tmp_path / "store", "test")
    return Session(profile, store, server, clock=clock.monotonic, wall=clock.wall)


def login(session: Session, clock: FakeClock) -> ev.Event:
    return session.login(lambda e: None, Waiter(clock))


def requests_to(server: RecordingServer, path: str) -> list[Request]:
    return [r for r in server.requests if r.url.endswith(path)]


def test_polls_carry_proofs_and_the_key_is_stored_with_the_bound_tokens(tmp_path, server, clock):
    server.on("/device_authorization", reply(200, CODE))
    server.on("/token", reply(400, {"error": "authorization_pending"}), reply(200, bound_tokens()))
    s = make(tmp_path, server, clock)
    assert login(s, clock).kind == ev.AUTHORIZED

    assert "DPoP" not in requests_to(server, "/device_authorization")[0].headers
    polls = [verify_proof(r) for r in requests_to(server, "/token")]
    assert len(polls) == 2 and polls[0]["jti"] != polls[1]["jti"]
    assert polls[0]["jkt"] == polls[1]["jkt"]
    doc = s.store.load()
    assert doc is not None and doc["tokens"]["token_type"] == "DPoP"
    assert DeviceKey.from_record(doc["dpop_key"]).thumbprint == polls[0]["jkt"]
    assert s.status()["dpop_bound"] is True


def test_use_dpop_nonce_is_retried_once_and_the_nonce_remembered(tmp_path, server, clock):
    server.on("/device_authorization", reply(200, CODE))
    server.on(
        "/token",
        reply(400, {"error": "use_dpop_nonce"}, {"DPoP-Nonce": "n-1"}),
        reply(400, {"error": "authorization_pending"}),
        reply(200, bound_tokens()),
    )
    s = make(tmp_path, server, clock)
    assert login(s, clock).kind == ev.AUTHORIZED
    polls = [verify_proof(r) for r in requests_to(server, "/token")]
    assert [p.get("nonce") for p in polls] == [None, "n-1", "n-1"]
    # The retry went at once, not an interval later.
    times = [t for t, path, _h, _f in server.log if path == "/token"]
    assert times[1] == times[0] and times[2] - times[1] == CODE["interval"]


def test_a_second_use_dpop_nonce_is_an_error_not_a_loop(tmp_path, server, clock):
    server.on("/device_authorization", reply(200, CODE))
    server.on("/token", reply(400, {"error": "use_dpop_nonce"}, {"DPoP-Nonce": "n-1"}))
    s = make(tmp_path, server, clock)
    final = login(s, clock)
    assert final.kind == outcomes.FAILED and final.data["error"] == "use_dpop_nonce"
    assert len(requests_to(server, "/token")) == 2


def signed_in(
    tmp_path: Path, server: RecordingServer, clock: FakeClock, body: Any = None
) -> Session:
    server.on("/device_authorization", reply(200, CODE))
    server.on("/token", reply(200, body or bound_tokens()))
    s = make(tmp_path, server, clock)
    assert login(s, clock).kind == ev.AUTHORIZED
    return s


def test_api_call_uses_the_dpop_scheme_with_ath_and_the_resource_servers_nonce(
    tmp_path, server, clock
):
    s = signed_in(tmp_path, server, clock)
    server.on(
        "/userinfo",
        reply(
            401,
            {},
            {"WWW-Authenticate": 'DPoP error="use_dpop_nonce"', "DPoP-Nonce": "rs-1"},
        ),
        reply(200, {"sub": "alice"}),
    )
    assert s.call(API).status == 200
    calls = [verify_proof(r, "at-1") for r in requests_to(server, "/userinfo")]
    assert [c.get("nonce") for c in calls] == [None, "rs-1"]
    assert calls[0]["htm"] == "GET" and calls[0]["htu"] == API


def test_refresh_proves_the_same_key_and_respects_the_returned_token_type(tmp_path, server, clock):
    s = signed_in(tmp_path, server, clock)
    first_jkt = verify_proof(requests_to(server, "/token")[0])["jkt"]
    server.routes["/token"] = [reply(200, bound_tokens(2, token_type="Bearer"))]
    s.refresh()
    refresh = requests_to(server, "/token")[-1]
    assert verify_proof(refresh)["jkt"] == first_jkt
    # The server answered Bearer: the new token is not bound and is sent as Bearer.
    server.on("/userinfo", reply(200, {"sub": "alice"}))
    s.call(API)
    api = requests_to(server, "/userinfo")[-1]
    assert api.headers["Authorization"] == "Bearer at-2" and "DPoP" not in api.headers
    assert s.status()["dpop_bound"] is False


def test_jwt_access_token_bound_to_another_key_is_refused(tmp_path, server, clock):
    body = bound_tokens()
    body["access_token"] = jwt_token("not-this-devices-key-thumbprint-000000000")
    server.on("/device_authorization", reply(200, CODE))
    server.on("/token", reply(200, body))
    s = make(tmp_path, server, clock)
    final = login(s, clock)
    assert final.kind == outcomes.FAILED and final.data["error"] == "dpop_key_mismatch"
    assert not s.signed_in()


def test_jwt_access_token_bound_to_this_key_is_accepted(tmp_path, server, clock):
    def answer(request: Request, form: dict[str, str]) -> Response:
        body = bound_tokens()
        body["access_token"] = jwt_token(verify_proof(request)["jkt"])
        return reply(200, body)

    server.on("/device_authorization", reply(200, CODE))
    server.on("/token", answer)
    s = make(tmp_path, server, clock)
    assert login(s, clock).kind == ev.AUTHORIZED
    assert s.status()["dpop_bound"] is True


def test_each_new_authorization_gets_a_new_key(tmp_path, server, clock):
    s = signed_in(tmp_path, server, clock)
    doc = s.store.load()
    assert doc is not None
    first = doc["dpop_key"]
    assert login(s, clock).kind == ev.AUTHORIZED
    doc = s.store.load()
    assert doc is not None
    assert doc["dpop_key"]["x"] != first["x"]


def test_revocation_carries_a_proof_for_bound_tokens(tmp_path, server, clock):
    s = signed_in(tmp_path, server, clock)
    server.on("/revoke", reply(200, {}))
    assert s.logout() is True
    verify_proof(requests_to(server, "/revoke")[0])
    assert s.store.load() is None or not (s.store.load() or {}).get("dpop_key")


def test_without_dpop_there_is_no_proof_and_dpop_tokens_are_refused(tmp_path, server, clock):
    server.on("/device_authorization", reply(200, CODE))
    server.on("/token", reply(200, bound_tokens()))
    s = make(tmp_path, server, clock, dpop=False)
    final = login(s, clock)
    assert final.kind == outcomes.FAILED and final.data["category"] == "protocol"
    assert all("DPoP" not in r.headers for r in server.requests)


def test_the_private_key_never_reaches_a_log_or_the_status(tmp_path, server, clock, caplog):
    caplog.set_level(logging.DEBUG)
    s = signed_in(tmp_path, server, clock)
    server.on("/userinfo", reply(200, {"sub": "alice"}))
    s.call(API)
    doc = s.store.load()
    assert doc is not None
    d = doc["dpop_key"]["d"]
    assert d not in caplog.text and d not in json.dumps(s.status())
    assert d not in repr(DeviceKey.from_record(doc["dpop_key"]))
    proof = requests_to(server, "/token")[0].redacted()
    assert proof["headers"]["DPoP"] == "<redacted>"


def test_cryptography_is_loaded_only_when_a_key_is_made() -> None:
    # The Pi Zero budget: a device without DPoP never imports cryptography.
    code = (
        "import sys\n"
        "from device_app.engine import session, dpop\n"
        "assert 'cryptography' not in sys.modules, 'cryptography imported without DPoP'\n"
        "dpop.DeviceKey.generate()\n"
        "assert 'cryptography' in sys.modules\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
