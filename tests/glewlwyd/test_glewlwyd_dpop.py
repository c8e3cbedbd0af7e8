"""device-app's DPoP against glewlwyd with DPoP allowed (issue 13, part 3).

The glewlwyd profile reads no metadata, so ``--dpop on`` turns proofs on. The tokens come
back bound (``token_type`` DPoP, ``cnf.jkt`` the device key's thumbprint), userinfo answers
the DPoP call, refresh proves the same key, and the same access token sent as Bearer is
refused.
"""

import json
from pathlib import Path

import pytest
import requests
from dot.device_app_cli import EXIT_AUTHORIZED, run_command

from device_app.engine.dpop import DeviceKey, jwt_claims
from device_app.engine.token_store import TokenStore

from .cli import provider_flags, start_login
from .server import DPOP_PLUGIN, Glewlwyd, PhoneUser


def stored(store: Path) -> dict[str, object]:
    files = sorted(p.name for p in store.iterdir() if p.name.endswith(".json"))
    assert files, list(store.iterdir())
    doc = TokenStore(store, files[0][: -len(".json")]).load()
    assert doc is not None
    return doc


@pytest.mark.timeout(120)
def test_dpop_on_gets_bound_tokens_that_work_only_with_proofs(
    glewlwyd: Glewlwyd, phone_user: PhoneUser, token_store: Path
) -> None:
    flags = [*provider_flags(glewlwyd, token_store, DPOP_PLUGIN), "--dpop", "on"]
    run = start_login(glewlwyd, token_store, DPOP_PLUGIN, "--dpop", "on")
    try:
        code = run.wait_for("code")
        assert phone_user.approve(code["verification_uri_complete"]) == "deviceComplete"
        assert run.finish() == EXIT_AUTHORIZED, run.describe()
        assert run.events[-1]["token_type"] == "DPoP"
    finally:
        run.close()
    doc = stored(token_store)
    tokens = doc["tokens"]
    assert isinstance(tokens, dict)
    key = DeviceKey.from_record(doc["dpop_key"])
    assert (jwt_claims(tokens["access_token"]) or {}).get("cnf") == {"jkt": key.thumbprint}

    userinfo = f"{glewlwyd.issuer(DPOP_PLUGIN)}/userinfo"
    me = run_command(["call", userinfo, *flags])
    assert me.returncode == 0 and phone_user.email in me.stdout, me.describe()
    status = run_command(["status", "--json", *flags])
    assert json.loads(status.stdout)["dpop_bound"] is True, status.describe()
    stolen = requests.get(
        userinfo, headers={"Authorization": "Bearer " + tokens["access_token"]}, timeout=10
    )
    assert stolen.status_code == 401

    refreshed = run_command(["token", "--min-ttl", "999999", *flags])
    assert refreshed.returncode == 0, refreshed.describe()
    new = stored(token_store)["tokens"]
    assert isinstance(new, dict) and new["access_token"] != tokens["access_token"]
    assert new["token_type"] == "DPoP"
    again = run_command(["call", userinfo, *flags])
    assert again.returncode == 0 and phone_user.email in again.stdout, again.describe()
    for done in (me, status, refreshed, again):
        assert "Traceback" not in done.stderr and str(key.record()["d"]) not in done.output
