"""The real CLI against django-oauth-toolkit mounted under a prefix, in both metadata layouts.

A DOT site publishes OIDC discovery under its mount prefix (issuer ``<origin>/<prefix>``)
and, as DOT's docs advise, RFC 8414 metadata at the site root, whose issuer is the origin.
Neither document names the device authorization endpoint; device-app finds it beside the
token endpoint. Each case signs in, calls the API, refreshes and signs out, with the issuer a
user would copy from that layout's metadata, for the tutorial's ``/o/`` and a deeper prefix.
"""

import json
from pathlib import Path

import pytest
import requests

from .browser_user import BrowserUser
from .device_app_cli import EXIT_AUTHORIZED, LoginRun, provider_flags, run_command
from .idp_process import DotServer

# DOT's default ACCESS_TOKEN_EXPIRE_SECONDS: a --min-ttl above it forces a refresh.
ACCESS_TOKEN_LIFETIME = 36000
ROOT_METADATA = "/.well-known/oauth-authorization-server"


def published_issuer(idp: DotServer, layout: str) -> str:
    """The issuer the layout's own metadata document names (what a user would copy)."""
    if layout == "oidc-under-prefix":
        url = f"{idp.issuer}/.well-known/openid-configuration"
    else:
        url = f"{idp.base_url}{ROOT_METADATA}"
    doc = requests.get(url, timeout=10).json()
    assert "device_authorization_endpoint" not in doc, doc  # the gap device-app must fill
    issuer: str = doc["issuer"]
    return issuer


@pytest.fixture(params=["o/", "services/auth/"])
def mounted(request: pytest.FixtureRequest) -> DotServer:
    name = "dot_idp" if request.param == "o/" else "dot_idp_deep"
    server: DotServer = request.getfixturevalue(name)
    assert server.issuer == f"{server.base_url}/{request.param.rstrip('/')}"
    return server


@pytest.mark.parametrize("layout", ["oidc-under-prefix", "rfc8414-at-root"])
def test_sign_in_call_refresh_and_logout_in_each_layout(
    mounted: DotServer, layout: str, token_store: Path
) -> None:
    idp = mounted
    issuer = published_issuer(idp, layout)
    if layout == "rfc8414-at-root":
        assert issuer == idp.base_url  # the origin: no prefix to build endpoints from
    flags = provider_flags(idp, token_store, issuer=issuer)

    run = LoginRun.start(idp, token_store, issuer=issuer)
    browser_user = BrowserUser(idp.username, idp.password)  # this server's own password
    try:
        code = run.wait_for("code")
        assert code["verification_uri"] == f"{idp.issuer}/device/"
        browser_user.approve(code["verification_uri"], code["user_code"])
        assert run.finish() == EXIT_AUTHORIZED, run.describe()
    finally:
        run.close()
        browser_user.close()

    me = run_command(["call", f"{idp.issuer}/userinfo/", *flags])
    assert me.returncode == 0, me.describe()
    assert "Dot Tester" in me.stdout
    first = run_command(["token", *flags])
    second = run_command(["token", "--min-ttl", str(ACCESS_TOKEN_LIFETIME + 60), *flags])
    assert first.returncode == second.returncode == 0, second.describe()
    assert first.stdout.strip() != second.stdout.strip()  # refreshed at <prefix>/token/

    out = run_command(["logout", *flags])
    assert out.returncode == 0, out.describe()
    token = second.stdout.strip()
    assert idp.control(action="describe", access_token=token) == {"access_token": "absent"}
    status = run_command(["status", "--json", *flags])
    assert json.loads(status.stdout).get("signed_in") is False, status.describe()
    for done in (me, first, second, out, status):
        assert "Traceback" not in done.stderr, done.describe()
        assert token not in done.stderr
