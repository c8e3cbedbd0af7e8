"""DPoP end to end: the real CLI against the simulator's DPoP switch (``on`` and ``nonce``).

The simulator checks every proof with joserfc (signature, htm, htu, iat, jti, ath, nonce),
binds the tokens of proven requests (a JWT with ``cnf.jkt``) and refuses a bound token sent
as Bearer. The device turns DPoP on by itself, from the metadata.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests

from device_app.cli import exitcodes
from device_app.engine.dpop import DeviceKey, jwt_claims
from device_app.engine.token_store import TokenStore

from .conftest import SimFactory
from .harness import (
    assert_demo_user,
    cli,
    cli_env,
    cli_login,
    cli_provider_args,
    client_of,
    store_name,
)
from .test_cli import AnswerAtCode

pytestmark = pytest.mark.timeout(90)


def stored(store: Path) -> dict[str, object]:
    doc = TokenStore(store, store_name("standard", client_of("standard")[0])).load()
    assert doc is not None
    return doc


@pytest.mark.parametrize("mode", ["on", "nonce"])
def test_tokens_are_bound_used_with_proofs_and_refused_as_bearer(
    sim: SimFactory, tmp_path: Path, mode: str
) -> None:
    srv = sim("standard", dpop=mode)
    meta = requests.get(srv.endpoints["discovery"] or "", timeout=10).json()
    assert meta["dpop_signing_alg_values_supported"] == ["ES256"]
    store = tmp_path / "store"
    args = cli_provider_args(srv, store)
    env = cli_env(tmp_path, srv.dialect)

    run = cli_login(args, env, AnswerAtCode())
    assert run.code == exitcodes.OK, run.stderr
    assert run.events[-1]["token_type"] == "DPoP"
    doc = stored(store)
    tokens = doc["tokens"]
    assert isinstance(tokens, dict) and tokens["token_type"] == "DPoP"
    key = DeviceKey.from_record(doc["dpop_key"])
    claims = jwt_claims(tokens["access_token"])
    assert claims is not None and claims["cnf"]["jkt"] == key.thumbprint

    status = cli(["status", "--json", *args], env)
    assert json.loads(status.stdout)["dpop_bound"] is True
    assert "bound to this device's key" in cli(["status", *args], env).stdout
    call = cli(["call", srv.endpoints["userinfo"] or "", *args], env)
    assert call.code == exitcodes.OK, call.stderr
    assert_demo_user(json.loads(call.stdout))
    # The same token as a bearer token: refused (RFC 9449 §7.2).
    stolen = requests.get(
        srv.endpoints["userinfo"] or "",
        headers={"Authorization": "Bearer " + tokens["access_token"]},
        timeout=10,
    )
    assert stolen.status_code == 401 and "DPoP" in stolen.headers["WWW-Authenticate"]
    # Refresh with a proof of the same key; the new token is bound to it as well.
    assert cli(["token", "--min-ttl", "999999", *args], env).code == exitcodes.OK
    new = stored(store)
    assert new["dpop_key"] == doc["dpop_key"]
    new_tokens = new["tokens"]
    assert isinstance(new_tokens, dict) and new_tokens["access_token"] != tokens["access_token"]
    assert (jwt_claims(new_tokens["access_token"]) or {})["cnf"]["jkt"] == key.thumbprint
    assert cli(["call", srv.endpoints["userinfo"] or "", *args], env).code == exitcodes.OK
    logout = cli(["logout", *args], env)
    assert logout.code == exitcodes.OK and "revoked" in logout.stdout, logout.stdout
    private = str(key.record()["d"])
    for done in (run, status, call, logout):
        assert private not in done.stdout and private not in done.stderr


def test_dpop_off_gets_bearer_tokens_from_the_same_server(sim: SimFactory, tmp_path: Path) -> None:
    srv = sim("standard", dpop="on")
    store = tmp_path / "store"
    args = [*cli_provider_args(srv, store), "--dpop", "off"]
    env = cli_env(tmp_path, srv.dialect)
    run = cli_login(args, env, AnswerAtCode())
    assert run.code == exitcodes.OK, run.stderr
    doc = stored(store)
    assert doc["tokens"]["token_type"] == "Bearer" and not doc.get("dpop_key")  # type: ignore[index]
    assert json.loads(cli(["status", "--json", *args], env).stdout)["dpop_bound"] is False
    assert cli(["call", srv.endpoints["userinfo"] or "", *args], env).code == exitcodes.OK


def test_auto_stays_bearer_when_the_server_does_not_offer_dpop(
    sim: SimFactory, tmp_path: Path
) -> None:
    srv = sim("standard")
    store = tmp_path / "store"
    args = cli_provider_args(srv, store)
    run = cli_login(args, cli_env(tmp_path, srv.dialect), AnswerAtCode())
    assert run.code == exitcodes.OK, run.stderr
    assert stored(store)["tokens"]["token_type"] == "Bearer"  # type: ignore[index]
