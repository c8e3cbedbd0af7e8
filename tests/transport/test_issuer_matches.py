"""Discovery with Microsoft Entra's authorities: the ``{tenantid}`` issuer template of the
multi-tenant ones, a tenant's exact issuer (core ``issuer_matches`` under ``lenient``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from device_app.core.errors import ProtocolError
from device_app.core.http import Request, Response
from device_app.core.profile import issuer_matches
from device_app.engine.discovery import discover, validate

MS = "https://login.microsoftonline.com"
TEMPLATE = MS + "/{tenantid}/v2.0"
TENANT = "5f0c1b4e-8a3d-4c2b-9e7f-0a1b2c3d4e5f"


@pytest.mark.parametrize(
    "configured",
    [
        MS + "/consumers/v2.0/",
        MS + "/" + TENANT + "/v2.0",
        MS + "/contoso.onmicrosoft.com/v2.0",
    ],
)
def test_the_template_stands_for_any_one_tenant(configured: str) -> None:
    assert issuer_matches(configured, TEMPLATE, "lenient")


def test_the_template_under_a_path_prefix() -> None:
    template = "http://127.0.0.1:8/sim/{tenantid}/v2.0"
    assert issuer_matches("http://127.0.0.1:8/sim/common/v2.0", template, "lenient")


@pytest.mark.parametrize(
    ("configured", "published"),
    [
        # A single-tenant authority's metadata names that tenant, exactly.
        (MS + "/common/v2.0", MS + "/" + TENANT + "/v2.0"),
        (MS + "/" + TENANT + "/v2.0", MS + "/11111111-2222-3333-4444-555555555555/v2.0"),
        # The template stands for one tenant segment: not an empty one, not junk.
        (MS + "//v2.0", TEMPLATE),
        (MS + "/com%2Fmon/v2.0", TEMPLATE),
        (MS + "/../v2.0", TEMPLATE),
        (MS + "/-x/v2.0", TEMPLATE),
        # Half a segment, or the placeholder twice, is not Entra's template.
        (MS + "/xcommon/v2.0", MS + "/x{tenantid}/v2.0"),
        (MS + "/commonx/v2.0", MS + "/{tenantid}x/v2.0"),
        (MS + "/a/b", MS + "/{tenantid}/{tenantid}"),
    ],
)
def test_not_a_match(configured: str, published: str) -> None:
    assert not issuer_matches(configured, published, "lenient")


def entra_metadata(authority: str, issuer: str) -> dict[str, str]:
    return {
        "issuer": issuer,
        "device_authorization_endpoint": authority + "/oauth2/v2.0/devicecode",
        "token_endpoint": authority + "/oauth2/v2.0/token",
        "userinfo_endpoint": "https://graph.microsoft.com/oidc/userinfo",
    }


@pytest.mark.parametrize("tenant", ["common", "organizations", "consumers"])
def test_multi_tenant_metadata_is_accepted_and_its_cache_too(tenant: str, tmp_path: Path) -> None:
    authority = f"{MS}/{tenant}"
    body = json.dumps(entra_metadata(authority, TEMPLATE)).encode()

    def server(request: Request) -> Response:
        assert request.url == authority + "/v2.0/.well-known/openid-configuration"
        return Response(200, {"Content-Type": "application/json"}, body)

    def down(request: Request) -> Response:
        return Response(500, {}, b"")

    got = discover(authority + "/v2.0", server, cache_dir=tmp_path, issuer_check="lenient")
    assert got["token_endpoint"] == authority + "/oauth2/v2.0/token"
    # The cached copy is checked again on the next start and still accepted.
    again = discover(authority + "/v2.0", down, cache_dir=tmp_path, issuer_check="lenient")
    assert again == got


def test_single_tenant_metadata_naming_another_tenant_is_refused() -> None:
    authority = f"{MS}/{TENANT}"
    doc = entra_metadata(authority, MS + "/common/v2.0")
    with pytest.raises(ProtocolError, match="is for issuer"):
        validate(doc, authority + "/v2.0", issuer_check="lenient")
