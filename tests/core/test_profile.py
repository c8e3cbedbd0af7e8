"""Provider data and the resolved Profile: every shipped provider builds; bad settings explain."""

from __future__ import annotations

from typing import Any

import pytest

from device_app.core import errors
from device_app.core.errors import ConfigurationError, OAuthError, TransportError
from device_app.core.profile import CLIENT_AUTH, Profile, build_profile, expand, sibling
from device_app.core.providers import PROVIDERS, provider_names
from device_app.core.sanitize import check_uri

SAMPLE_ISSUERS = {
    "oidc": "https://login.example.com",
    "standard": "https://auth.example.com/",
    "auth0": "https://tenant.eu.auth0.com/",
    "okta": "https://org.okta.com/oauth2/default",
    "keycloak": "https://kc.example.com/realms/home",
    "django-oauth-toolkit": "https://site.example.com/o",
    "glewlwyd": "https://sso.example.com/api/oidc",
}


def test_provider_names_are_sorted_and_complete() -> None:
    names = provider_names()
    assert names == sorted(PROVIDERS)
    assert {
        "auth0",
        "google",
        "microsoft",
        "github",
        "okta",
        "keycloak",
        "django-oauth-toolkit",
        "oidc",
        "standard",
    } <= set(names)


@pytest.mark.parametrize("name", sorted(PROVIDERS))
def test_every_shipped_provider_builds_with_a_sample_issuer(name: Any) -> None:
    data = PROVIDERS[name]
    assert data["title"]
    secret = "s" if data.get("requires_secret") else None
    metadata = None
    if not data.get("endpoints"):
        # "oidc" has no templates: its endpoints come from discovery.
        metadata = {
            "device_authorization_endpoint": "https://login.example.com/device",
            "token_endpoint": "https://login.example.com/token",
        }
    p = build_profile(
        name, "client", issuer=SAMPLE_ISSUERS.get(name), metadata=metadata, client_secret=secret
    )
    assert p.name == name
    for url in (
        p.device_authorization_endpoint,
        p.token_endpoint,
        p.revocation_endpoint,
        p.userinfo_endpoint,
    ):
        if url is not None:
            assert check_uri(url) == url
            assert "{" not in url and "//" not in url.split("://", 1)[1]
    assert p.scope == data.get("scope")
    if data.get("issuer") is None and data.get("endpoints"):
        # Templated providers need an issuer.
        with pytest.raises(ConfigurationError, match="needs its issuer"):
            build_profile(name, "client", client_secret=secret)
    for code, cls in (data.get("error_map") or {}).items():
        assert cls in (
            errors.C_DENIED,
            errors.C_BAD_CODE,
            errors.C_CONFIGURATION,
            errors.C_EXPIRED,
            errors.C_PENDING,
            errors.C_SLOW_DOWN,
        ), code
    assert p.describe()["provider"] == name


def test_provider_endpoints_resolve_as_documented() -> None:
    p = build_profile("auth0", "c", issuer="https://tenant.eu.auth0.com/")
    assert p.device_authorization_endpoint == "https://tenant.eu.auth0.com/oauth/device/code"
    p = build_profile("microsoft", "c")
    assert p.device_authorization_endpoint == (
        "https://login.microsoftonline.com/common/oauth2/v2.0/devicecode"
    )
    assert p.revocation_endpoint is None
    p = build_profile("github", "c")
    assert p.token_endpoint == "https://github.com/login/oauth/access_token"
    assert p.client_auth == "none" and p.client_secret is None


def test_endpoint_precedence_overrides_then_metadata_then_templates() -> None:
    p = build_profile(
        "keycloak",
        "c",
        issuer="https://kc.example.com/realms/r",
        metadata={
            "token_endpoint": "https://kc.example.com/meta/token",
            "device_authorization_endpoint": "https://kc.example.com/meta/device",
        },
        overrides={"token_endpoint": "https://kc.example.com/override/token"},
    )
    assert p.token_endpoint == "https://kc.example.com/override/token"
    assert p.device_authorization_endpoint == "https://kc.example.com/meta/device"
    assert p.userinfo_endpoint == (
        "https://kc.example.com/realms/r/protocol/openid-connect/userinfo"
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"provider": "nope"}, "unknown provider 'nope'"),
        ({"provider": "okta"}, "needs its issuer"),
        ({"provider": "google"}, "client secret"),
        ({"provider": "google", "client_secret": ""}, "client secret"),
        ({"provider": "okta", "issuer": "not a url"}, "not an absolute URL"),
        ({"provider": "okta", "issuer": "http://org.okta.com/oauth2/default"}, "plain http"),
        (
            {
                "provider": "okta",
                "issuer": "https://org.okta.com",
                "overrides": {"token_endpoint": "javascript:alert(1)"},
            },
            "token endpoint",
        ),
        ({"provider": "oidc"}, "no device authorization endpoint"),
        (
            {"provider": "oidc", "metadata": {"device_authorization_endpoint": "https://x/d"}},
            "no token endpoint",
        ),
        (
            {
                "provider": "standard",
                "issuer": "https://x",
                "client_auth": "jwt",
                "client_secret": "s",
            },
            "client_auth must be one of",
        ),
        ({"provider": "standard", "issuer": "https://x", "client_id": ""}, "no client ID"),
        ({"provider": "standard", "issuer": "https://x", "client_id": None}, "no client ID"),
        (
            {"provider": "auth0", "issuer": "https://t.auth0.com", "extra_params": {"x": "1"}},
            "does not take the parameter 'x'",
        ),
    ],
)
def test_build_profile_errors_say_what_to_fix(kwargs: Any, message: Any) -> None:
    provider = kwargs.pop("provider")
    client_id = kwargs.pop("client_id", "client")
    with pytest.raises(ConfigurationError, match=message) as e:
        build_profile(provider, client_id, **kwargs)
    assert "Traceback" not in str(e.value) and str(e.value) == e.value.message


def test_unknown_provider_lists_the_known_ones() -> None:
    with pytest.raises(ConfigurationError) as e:
        build_profile("nope", "c")
    for name in PROVIDERS:
        assert name in str(e.value)


def test_a_provider_dict_builds_and_extra_params_are_free_without_a_params_list() -> None:
    provider = {
        "name": "mine",
        "title": "Mine",
        "endpoints": {"device_authorization": "{origin}/d", "token": "{issuer}/t"},
    }
    p = build_profile(
        provider,
        "c",
        issuer="https://idp.example.com:8443/tenant/",
        extra_params={"resource": "https://api"},
        scope="a b",
        client_auth=None,
    )
    assert p.name == "mine"
    assert p.device_authorization_endpoint == "https://idp.example.com:8443/d"
    assert p.token_endpoint == "https://idp.example.com:8443/tenant/t"
    assert p.extra_params == {"resource": "https://api"} and p.scope == "a b"
    assert (
        build_profile(
            {"endpoints": {"device_authorization": "https://a/d", "token": "https://a/t"}}, "c"
        ).name
        == "custom"
    )


def test_auth0_accepts_the_audience() -> None:
    p = build_profile(
        "auth0", "c", issuer="https://t.auth0.com", extra_params={"audience": "https://api"}
    )
    assert p.extra_params == {"audience": "https://api"}
    assert p.expired_aliases == ("invalid_grant",)


def test_expand() -> None:
    assert expand(None, "https://x") is None
    assert expand("https://fixed/token", None) == "https://fixed/token"
    assert expand("{issuer}/t", "https://x/realm/") == "https://x/realm/t"
    assert expand("{origin}/t", "https://x:1/realm") == "https://x:1/t"
    with pytest.raises(ConfigurationError):
        expand("{issuer}/t", "")


@pytest.mark.parametrize("auth", CLIENT_AUTH)
def test_client_auth_without_a_secret_is_a_public_client(auth: Any) -> None:
    p = Profile("c", "https://a/d", "https://a/t", client_auth=auth)
    assert p.client_auth == "none"
    form: dict[str, str] = {}
    headers: dict[str, str] = {}
    p.client_auth_fields(form, headers)
    assert form == {"client_id": "c"} and headers == {}


def test_describe_has_no_secret() -> None:
    p = Profile("c", "https://a/d", "https://a/t", client_secret="TOPSECRET", client_auth="post")
    assert "TOPSECRET" not in str(p.describe())
    assert p.describe()["client_auth"] == "post"


def test_profile_insecure_hosts_allow_lan_endpoints() -> None:
    p = Profile(
        "c", "http://tv-sim.lan:8000/d", "http://tv-sim.lan:8000/t", insecure_hosts=("tv-sim.lan",)
    )
    assert p.token_endpoint == "http://tv-sim.lan:8000/t"
    assert Profile("c", "http://127.0.0.1:8000/d", "http://[::1]:8000/t").token_endpoint


def test_exceptions_carry_their_fields() -> None:
    e = OAuthError("access_denied")
    assert str(e) == "access_denied" and e.category == "denied" and e.description is None
    e = OAuthError("x", "why", uri="https://e", status=400, category="other")
    assert (str(e), e.uri, e.status, e.category) == ("x: why", "https://e", 400, "other")
    t = TransportError("boom")
    assert t.reason == "other" and t.retry_after is None and str(t) == "boom"
    assert isinstance(t, errors.DeviceAppError) and isinstance(e, errors.ProtocolError)
    assert errors.classify("authorization_declined") == errors.C_DENIED
    assert errors.classify("x", {"x": errors.C_PENDING}) == errors.C_PENDING
    assert errors.classify("never_heard_of_it") == errors.C_OTHER


@pytest.mark.parametrize(
    ("token", "name", "expected"),
    [
        ("https://h/o/token/", "device-authorization/", "https://h/o/device-authorization/"),
        ("https://h/a/b/c/token/", "userinfo/", "https://h/a/b/c/userinfo/"),
        ("https://h/token", "device", "https://h/device"),
        ("https://h:8443/o/token/?x=1", "revoke_token/", "https://h:8443/o/revoke_token/"),
        ("https://h", "device", None),
    ],
)
def test_sibling_of_the_token_endpoint(token: str, name: str, expected: str | None) -> None:
    assert sibling(token, name) == expected


@pytest.mark.parametrize("prefix", ["/o", "/services/auth", "/a/b/c/d"])
@pytest.mark.parametrize("issuer_at_origin", [True, False])
def test_dot_endpoints_come_from_metadata_and_beside_its_token_endpoint(
    prefix: str, issuer_at_origin: bool
) -> None:
    # DOT's RFC 8414 metadata at the site root names the origin as issuer and no device
    # endpoint; its OIDC metadata under the prefix names the prefixed issuer.
    mount = "https://site.example.com" + prefix
    issuer = "https://site.example.com" if issuer_at_origin else mount
    metadata = {
        "issuer": issuer,
        "token_endpoint": mount + "/token/",
        "revocation_endpoint": mount + "/revoke_token/",
    }
    p = build_profile("django-oauth-toolkit", "c", issuer=issuer, metadata=metadata)
    assert p.device_authorization_endpoint == mount + "/device-authorization/"
    assert p.token_endpoint == mount + "/token/"
    assert p.revocation_endpoint == mount + "/revoke_token/"
    assert p.userinfo_endpoint == mount + "/userinfo/"


def test_dot_without_metadata_builds_from_the_issuer() -> None:
    p = build_profile("django-oauth-toolkit", "c", issuer="https://site.example.com/x/o/")
    assert p.device_authorization_endpoint == "https://site.example.com/x/o/device-authorization/"
    assert p.userinfo_endpoint == "https://site.example.com/x/o/userinfo/"


@pytest.mark.parametrize(
    "authority",
    [
        "https://login.microsoftonline.com/common",
        "https://login.microsoftonline.com/organizations",
        "https://login.microsoftonline.com/consumers",
        "https://login.microsoftonline.com/5f0c1b4e-8a3d-4c2b-9e7f-0a1b2c3d4e5f",
        "https://login.example.net/sovereign/contoso.onmicrosoft.com",
    ],
)
def test_entra_fallback_endpoints_stay_under_the_configured_authority(authority: str) -> None:
    p = build_profile("microsoft", "c", issuer=authority + "/v2.0")
    assert p.device_authorization_endpoint == authority + "/oauth2/v2.0/devicecode"
    assert p.token_endpoint == authority + "/oauth2/v2.0/token"


def test_entra_issuer_without_v2_says_what_to_fix() -> None:
    with pytest.raises(ConfigurationError, match=r"/v2\.0"):
        build_profile("microsoft", "c", issuer="https://login.microsoftonline.com/common")


def test_expand_authority() -> None:
    assert expand("{authority}/t", "https://x/ten/v2.0/", "/v2.0") == "https://x/ten/t"
    assert expand("{issuer}/t", "https://x/ten/v2.0", "/v2.0") == "https://x/ten/v2.0/t"
