"""The real CLI against Entra-style authorities in the simulator: common, organizations,
consumers and one tenant's own authority.

The multi-tenant authorities publish Entra's templated issuer (``…/{tenantid}/v2.0``) in
their metadata; the tenant's authority publishes its exact issuer. Discovery must accept
both, and every endpoint must stay under the authority the user configured, also when there
is no metadata to read (``--discovery none``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import requests

from device_app.cli import exitcodes
from device_app_simulator.dialects import ENTRA_TENANT_ID
from device_app_simulator.phone import approve

from .conftest import SimFactory
from .harness import SIM_SCOPE, assert_demo_user, cli, cli_env, cli_login

pytestmark = pytest.mark.timeout(90)

AUTHORITIES = {
    "entra-common": "common",
    "entra-organizations": "organizations",
    "entra-consumers": "consumers",
    "entra-tenant": ENTRA_TENANT_ID,
}


def entra_args(srv: Any, store: Path, *extra: str) -> list[str]:
    """What a developer types: the Microsoft profile, the authority's issuer, its userinfo."""
    return [
        "--provider",
        "microsoft",
        "--issuer",
        srv.issuer,
        "--client-id",
        "tv-demo",
        "--scope",
        SIM_SCOPE,
        "--userinfo-endpoint",
        srv.endpoints["userinfo"],
        "--token-store",
        str(store),
        *extra,
    ]


def approve_at_code(event: dict[str, Any]) -> None:
    if event["event"] == "code":
        assert approve(event["verification_uri"], event["user_code"]).outcome == "approved"


@pytest.mark.parametrize("discovery", ["auto", "none"])
@pytest.mark.parametrize("dialect", list(AUTHORITIES))
def test_sign_in_and_call_at_each_authority(
    sim: SimFactory, tmp_path: Path, dialect: str, discovery: str
) -> None:
    srv = sim(dialect)
    tenant = AUTHORITIES[dialect]
    assert srv.issuer == f"{srv.base_url}/{tenant}/v2.0"
    published = requests.get(srv.endpoints["discovery"], timeout=10).json()["issuer"]
    if dialect == "entra-tenant":
        assert published == srv.issuer
    else:
        assert published == f"{srv.base_url}/{{tenantid}}/v2.0"
    args = entra_args(srv, tmp_path / "store", "--discovery", discovery)
    env = cli_env(tmp_path, "microsoft")

    run = cli_login(args, env, approve_at_code)

    assert run.code == exitcodes.OK, run.stderr
    assert run.kinds == ["code", "authorized"], run.stdout
    assert "discovery failed" not in run.stderr, run.stderr
    call = cli(["call", srv.endpoints["userinfo"], *args], env)
    assert call.code == exitcodes.OK, call.stderr
    assert_demo_user(json.loads(call.stdout))
    refreshed = cli(["token", "--min-ttl", "999999", *args], env)
    assert refreshed.code == exitcodes.OK, refreshed.stderr  # the tenant's token endpoint


def test_a_tenant_authority_is_never_sent_to_common(sim: SimFactory, tmp_path: Path) -> None:
    """The single-tenant simulator serves nothing under /common: one wrong URL fails here."""
    srv = sim("entra-tenant")
    common = requests.post(f"{srv.base_url}/common/oauth2/v2.0/devicecode", timeout=10)
    assert common.status_code == 404
    args = entra_args(srv, tmp_path / "store", "--discovery", "none")
    run = cli_login(args, cli_env(tmp_path, "microsoft"), approve_at_code)
    assert run.code == exitcodes.OK, run.stderr
