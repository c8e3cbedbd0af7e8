"""glewlwyd with DPoP allowed, checked by hand: the harness binds tokens to a device key.

These tests check the test instance itself, with a hand-made proof (dpop.py) and no client:
the ``oidcdpop`` plugin instance allows DPoP, a proof gets a bound token (``token_type``
DPoP, ``cnf.jkt`` the key's thumbprint), userinfo takes it with a proof carrying ``ath`` and
refuses it as Bearer. device-app without ``--dpop on`` (the glewlwyd profile reads no
metadata, so ``auto`` is off) sends no proof and still gets Bearer tokens there: DPoP is
allowed, not required. device-app's own DPoP against this instance: test_glewlwyd_dpop.py.
"""

from pathlib import Path
from typing import Any

import pytest
import requests
from dot.device_app_cli import EXIT_AUTHORIZED, LoginRun

from .cli import cli, start_login
from .server import DPOP_PLUGIN, Glewlwyd, PhoneUser
from .test_glewlwyd_smoke import DEVICE_GRANT, FORM

pytest.importorskip("cryptography", reason="DPoP proofs need the cryptography package")

from .dpop import DpopKey, jwt_claims


def device_code(server: Glewlwyd, user: PhoneUser) -> str:
    reply = requests.post(
        f"{server.issuer(DPOP_PLUGIN)}/device_authorization",
        data={"client_id": server.client_id, "scope": "openid"},
        headers=FORM,
        timeout=10,
    )
    assert reply.status_code == 200, reply.text
    code = reply.json()
    assert user.approve(code["verification_uri_complete"]) == "deviceComplete"
    return str(code["device_code"])


def token_request(
    server: Glewlwyd, form: dict[str, str], proof: str | None = None
) -> requests.Response:
    headers = dict(FORM)
    if proof is not None:
        headers["DPoP"] = proof
    return requests.post(
        f"{server.issuer(DPOP_PLUGIN)}/token",
        data={**form, "client_id": server.client_id},
        headers=headers,
        timeout=10,
    )


def userinfo(
    server: Glewlwyd, scheme: str, access_token: str, proof: str | None = None
) -> requests.Response:
    headers = {"Authorization": f"{scheme} {access_token}"}
    if proof is not None:
        headers["DPoP"] = proof
    return requests.get(f"{server.issuer(DPOP_PLUGIN)}/userinfo", headers=headers, timeout=10)


def test_metadata_announces_dpop(glewlwyd: Glewlwyd) -> None:
    meta = requests.get(
        f"{glewlwyd.issuer(DPOP_PLUGIN)}/.well-known/openid-configuration", timeout=10
    ).json()
    assert "ES256" in meta["dpop_signing_alg_values_supported"]


def test_a_proof_gets_a_bound_token_that_works_only_as_dpop(
    glewlwyd: Glewlwyd, phone_user: PhoneUser
) -> None:
    key = DpopKey()
    token_url = f"{glewlwyd.issuer(DPOP_PLUGIN)}/token"
    code = device_code(glewlwyd, phone_user)
    granted = token_request(
        glewlwyd,
        {"grant_type": DEVICE_GRANT, "device_code": code},
        key.proof("POST", token_url),
    )
    assert granted.status_code == 200, granted.text
    tokens: dict[str, Any] = granted.json()
    assert tokens["token_type"] == "DPoP"
    assert jwt_claims(tokens["access_token"])["cnf"] == {"jkt": key.thumbprint()}

    at = tokens["access_token"]
    userinfo_url = f"{glewlwyd.issuer(DPOP_PLUGIN)}/userinfo"
    me = userinfo(glewlwyd, "DPoP", at, key.proof("GET", userinfo_url, access_token=at))
    assert me.status_code == 200, me.text
    assert me.json()["email"] == phone_user.email
    # A stolen token sent as Bearer is refused.
    assert userinfo(glewlwyd, "Bearer", at).status_code == 401
    # glewlwyd 2.7.5 weakness: userinfo checks the proof (signature, htm, htu, iat, ath) but
    # not that its key is the token's cnf.jkt, so a thief's own key passes. Pinned here so
    # that a fixed package shows up; part 3's "stolen token refused" cannot rest on it.
    thief = DpopKey()
    stolen = userinfo(glewlwyd, "DPoP", at, thief.proof("GET", userinfo_url, access_token=at))
    assert stolen.status_code == 200

    # The refresh token is bound too: only a proof by the same key refreshes it.
    form = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    assert token_request(glewlwyd, form, thief.proof("POST", token_url)).status_code == 403
    refreshed = token_request(glewlwyd, form, key.proof("POST", token_url))
    assert refreshed.status_code == 200, refreshed.text
    assert refreshed.json()["token_type"] == "DPoP"


def test_device_app_without_dpop_still_gets_bearer_tokens(
    glewlwyd: Glewlwyd, phone_user: PhoneUser, token_store: Path
) -> None:
    run: LoginRun = start_login(glewlwyd, token_store, DPOP_PLUGIN)
    try:
        code = run.wait_for("code")
        assert phone_user.approve(code["verification_uri_complete"]) == "deviceComplete"
        assert run.finish() == EXIT_AUTHORIZED, run.describe()
        assert run.events[-1]["token_type"] == "Bearer"
    finally:
        run.close()
    me = cli(
        glewlwyd,
        token_store,
        "call",
        f"{glewlwyd.issuer(DPOP_PLUGIN)}/userinfo",
        plugin=DPOP_PLUGIN,
    )
    assert me.returncode == 0 and phone_user.email in me.stdout, me.describe()
