"""The simulator's DPoP checks (simulator/dpop.py): each rule of RFC 9449 §4.3, refused alone.

Proofs are built with the device's signer and then spoiled one field at a time; a spoiled
proof that the simulator accepted would make the end-to-end tests prove nothing.
"""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import pytest
import requests

from device_app.engine.dpop import DeviceKey, DPoP, b64url
from device_app_simulator.phone import approve
from device_app_simulator.server import SimulatorServer

from .conftest import DEVICE_GRANT, StartFn, creds, device_authorize, verification_url

SPOILERS: dict[str, dict[str, Any]] = {
    "wrong method": {"htm": "GET"},
    "wrong url": {"htu": "http://127.0.0.1:1/token"},
    "too old": {"iat": int(time.time()) - 600},
    "from the future": {"iat": int(time.time()) + 600},
    "no jti": {"jti": None},
}


def resign(signer: DPoP, proof: str, **changes: Any) -> str:
    """``proof`` with its claims changed, signed again by the same key."""
    head, body, _sig = proof.split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=="))
    for k, v in changes.items():
        if v is None:
            claims.pop(k, None)
        else:
            claims[k] = v
    payload = b64url(json.dumps(claims).encode())
    return head + "." + payload + "." + b64url(signer.key.sign(f"{head}.{payload}".encode()))


def approved_code(srv: SimulatorServer) -> str:
    body = device_authorize(srv)
    assert approve(verification_url(body), body["user_code"]).outcome == "approved"
    return str(body["device_code"])


def post_token(srv: SimulatorServer, proof: str | None, **form: str) -> requests.Response:
    headers = {"Accept": "application/json", **({"DPoP": proof} if proof else {})}
    data = {**creds(srv), **form}
    return requests.post(srv.endpoints["token"] or "", data=data, headers=headers, timeout=5)


def test_metadata_offers_es256_only_when_switched_on(start: StartFn) -> None:
    off = requests.get(start().endpoints["discovery"] or "", timeout=5).json()
    assert "dpop_signing_alg_values_supported" not in off


@pytest.mark.parametrize("spoil", list(SPOILERS))
def test_a_spoiled_proof_is_refused_at_the_token_endpoint(start: StartFn, spoil: str) -> None:
    srv = start(dpop="on")
    code = approved_code(srv)
    signer = DPoP(DeviceKey.generate())
    proof = resign(signer, signer.proof("POST", srv.endpoints["token"] or ""), **SPOILERS[spoil])
    resp = post_token(srv, proof, grant_type=DEVICE_GRANT, device_code=code)
    assert resp.status_code == 400 and resp.json()["error"] == "invalid_dpop_proof", resp.text
    good = post_token(
        srv,
        signer.proof("POST", srv.endpoints["token"] or ""),
        grant_type=DEVICE_GRANT,
        device_code=code,
    )
    assert good.status_code == 200 and good.json()["token_type"] == "DPoP"


def test_a_replayed_or_forged_proof_is_refused(start: StartFn) -> None:
    srv = start(dpop="on")
    code = approved_code(srv)
    signer = DPoP(DeviceKey.generate())
    proof = signer.proof("POST", srv.endpoints["token"] or "")
    head, body, _ = proof.split(".")
    forged = f"{head}.{body}." + b64url(DeviceKey.generate().sign(f"{head}.{body}".encode()))
    assert post_token(srv, forged, grant_type=DEVICE_GRANT, device_code=code).status_code == 400
    first = post_token(srv, proof, grant_type=DEVICE_GRANT, device_code=code)
    assert first.status_code == 200, first.text
    again = post_token(srv, proof, grant_type="refresh_token", refresh_token="x")
    assert again.status_code == 400 and "jti" in again.json()["error_description"]


def test_nonce_mode_demands_the_nonce_and_bound_tokens_need_their_key(start: StartFn) -> None:
    srv = start(dpop="nonce")
    code = approved_code(srv)
    url = srv.endpoints["token"] or ""
    signer = DPoP(DeviceKey.generate())
    asked = post_token(srv, signer.proof("POST", url), grant_type=DEVICE_GRANT, device_code=code)
    assert asked.status_code == 400 and asked.json()["error"] == "use_dpop_nonce"
    signer.nonces[srv.base_url] = asked.headers["DPoP-Nonce"]
    ok = post_token(srv, signer.proof("POST", url), grant_type=DEVICE_GRANT, device_code=code)
    assert ok.status_code == 200, ok.text
    tokens = ok.json()
    # The refresh token is bound: no proof, or another key's proof, is refused.
    refresh = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    assert post_token(srv, None, **refresh).status_code == 400
    thief = DPoP(DeviceKey.generate())
    thief.nonces[srv.base_url] = asked.headers["DPoP-Nonce"]
    stolen = post_token(srv, thief.proof("POST", url), **refresh)
    assert stolen.status_code == 400 and stolen.json()["error"] == "invalid_grant"
    # At the API: ath must match, the nonce is required, Bearer is refused.
    api = srv.endpoints["userinfo"] or ""
    at = tokens["access_token"]
    wrong_ath = {"Authorization": "DPoP " + at, "DPoP": signer.proof("GET", api, "other")}
    assert requests.get(api, headers=wrong_ath, timeout=5).status_code == 401
    right = {"Authorization": "DPoP " + at, "DPoP": signer.proof("GET", api, at)}
    assert requests.get(api, headers=right, timeout=5).status_code == 200
    bearer = requests.get(api, headers={"Authorization": "Bearer " + at}, timeout=5)
    assert (
        bearer.status_code == 401 and 'error="invalid_token"' in bearer.headers["WWW-Authenticate"]
    )
