"""Provider dialects as plain data: paths, field names, error statuses and user-code shapes.

Every value here comes from the provider matrix in docs (design-notes §1); the simulator
reads this table and never branches on a dialect's name elsewhere.
"""

# ruff: noqa: S106 - "token_path" holds URL paths, not passwords
from __future__ import annotations

from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Literal

CodeMatch = Literal["rfc", "case_sensitive"]
ErrorBody = Literal["json", "github", "microsoft"]

# Base-20 alphabet recommended by RFC 8628 §6.1 (no vowels, no digits).
BASE20 = "BCDFGHJKLMNPQRSTVWXZ"
# Microsoft codes are 9 characters [A-Z0-9] (observed, design-notes §1.2); we drop look-alikes.
MS_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ23456789"
# GitHub's observed codes look hexadecimal ("BCE3-88D0", "5008-218F").
HEX_UPPER = "0123456789ABCDEF"


@dataclass(frozen=True)
class UserCodeShape:
    """How a dialect's user codes look: ``groups`` of characters joined by ``sep``."""

    alphabet: str
    groups: tuple[int, ...]
    sep: str = "-"


@dataclass(frozen=True)
class Dialect:
    """Everything that differs between providers on the wire."""

    name: str
    issuer_path: str  # appended to the base URL
    issuer_trailing_slash: bool
    discovery_oidc: bool
    discovery_rfc8414: bool
    device_path: str
    token_path: str
    revocation_path: str | None
    userinfo_path: str
    verification_path: str
    user_code: UserCodeShape
    code_match: CodeMatch = "rfc"
    # Field name for the verification URI (Google says ``verification_url``).
    verification_field: str = "verification_uri"
    send_complete: bool = True
    send_message: bool = False
    # HTTP status per OAuth error code at the token endpoint (default 400, invalid_client 401).
    token_error_status: MappingProxyType[str, int] = field(
        default_factory=lambda: MappingProxyType({})
    )
    # Renamed OAuth error codes (our canonical name -> the provider's).
    error_names: MappingProxyType[str, str] = field(default_factory=lambda: MappingProxyType({}))
    error_body: ErrorBody = "json"
    # GitHub answers in form encoding unless the client sends Accept: application/json.
    form_unless_accept_json: bool = False
    # GitHub answers token-endpoint errors with HTTP 200.
    errors_with_200: bool = False
    slow_down_carries_interval: bool = False
    # RFC 8628 §3.5: slow_down raises the interval by 5 s for all later requests.
    slow_down_raises_interval: bool = True
    # Auth0: expired_token is reported once, then invalid_grant.
    expired_once: bool = False
    # Google: the token endpoint requires the client secret (design-notes §1.4).
    token_requires_secret: bool = False
    scope_required: bool = False
    refresh_needs_offline_access: bool = False
    # Google's revocation endpoint takes ``token`` alone, without client authentication.
    revoke_without_client: bool = False
    userinfo_style: Literal["oidc", "github"] = "oidc"
    # Entra's multi-tenant authorities (common, organizations, consumers) publish their issuer
    # with this path segment replaced by ``{tenantid}``: each token names the user's tenant.
    issuer_template_segment: str | None = None


def _statuses(**kw: int) -> MappingProxyType[str, int]:
    return MappingProxyType(dict(kw))


def _names(**kw: str) -> MappingProxyType[str, str]:
    return MappingProxyType(dict(kw))


_B20_8 = UserCodeShape(BASE20, (4, 4))

# The tenant of the simulator's single-tenant Entra authority (a made-up GUID).
ENTRA_TENANT_ID = "5f0c1b4e-8a3d-4c2b-9e7f-0a1b2c3d4e5f"

_ENTRA = Dialect(
    name="microsoft",
    issuer_path="/common/v2.0",
    issuer_trailing_slash=False,
    discovery_oidc=True,
    discovery_rfc8414=False,
    device_path="/common/oauth2/v2.0/devicecode",
    token_path="/common/oauth2/v2.0/token",
    revocation_path=None,
    userinfo_path="/oidc/userinfo",
    verification_path="/devicelogin",
    user_code=UserCodeShape(MS_ALPHABET, (9,), ""),
    send_complete=False,
    send_message=True,
    error_names=_names(
        access_denied="authorization_declined", unknown_device_code="bad_verification_code"
    ),
    error_body="microsoft",
    scope_required=True,
    refresh_needs_offline_access=True,
)


def _entra(name: str, tenant: str, *, multi_tenant: bool = True) -> Dialect:
    """Microsoft Entra ID at the authority ``/<tenant>``: every path is under the tenant.

    Multi-tenant authorities publish the ``{tenantid}`` issuer template; a tenant's own
    authority publishes its exact issuer.
    """
    return replace(
        _ENTRA,
        name=name,
        issuer_path=f"/{tenant}/v2.0",
        device_path=f"/{tenant}/oauth2/v2.0/devicecode",
        token_path=f"/{tenant}/oauth2/v2.0/token",
        issuer_template_segment=f"/{tenant}/" if multi_tenant else None,
    )


DIALECTS: MappingProxyType[str, Dialect] = MappingProxyType(
    {
        "standard": Dialect(
            name="standard",
            issuer_path="",
            issuer_trailing_slash=False,
            discovery_oidc=True,
            discovery_rfc8414=True,
            device_path="/device_authorization",
            token_path="/token",
            revocation_path="/revoke",
            userinfo_path="/userinfo",
            verification_path="/device",
            user_code=_B20_8,
        ),
        "auth0": Dialect(
            name="auth0",
            issuer_path="",
            issuer_trailing_slash=True,
            discovery_oidc=True,
            discovery_rfc8414=False,
            device_path="/oauth/device/code",
            token_path="/oauth/token",
            revocation_path="/oauth/revoke",
            userinfo_path="/userinfo",
            verification_path="/activate",
            user_code=_B20_8,
            # Auth0 docs: 403 pending/denied/invalid_grant, 429 slow_down (design-notes §1.4).
            token_error_status=_statuses(
                authorization_pending=403,
                slow_down=429,
                access_denied=403,
                expired_token=403,
                invalid_grant=403,
            ),
            expired_once=True,
            refresh_needs_offline_access=True,
        ),
        "google": Dialect(
            name="google",
            issuer_path="",
            issuer_trailing_slash=False,
            discovery_oidc=True,
            discovery_rfc8414=False,
            device_path="/device/code",
            token_path="/token",
            revocation_path="/revoke",
            userinfo_path="/v1/userinfo",
            verification_path="/device",
            user_code=_B20_8,
            code_match="case_sensitive",
            verification_field="verification_url",
            send_complete=False,
            # Google: 428 pending, 403 slow_down and access_denied (design-notes §1.4).
            token_error_status=_statuses(
                authorization_pending=428, slow_down=403, access_denied=403
            ),
            token_requires_secret=True,
            scope_required=True,
            revoke_without_client=True,
        ),
        # The common authority with its exact issuer, as the simulator always served it.
        "microsoft": _entra("microsoft", "common", multi_tenant=False),
        # Entra's real multi-tenant metadata: the {tenantid} issuer template.
        "entra-common": _entra("entra-common", "common"),
        "entra-organizations": _entra("entra-organizations", "organizations"),
        "entra-consumers": _entra("entra-consumers", "consumers"),
        "entra-tenant": _entra("entra-tenant", ENTRA_TENANT_ID, multi_tenant=False),
        "github": Dialect(
            name="github",
            issuer_path="",
            issuer_trailing_slash=False,
            discovery_oidc=False,
            discovery_rfc8414=False,
            device_path="/login/device/code",
            token_path="/login/oauth/access_token",
            revocation_path=None,
            userinfo_path="/user",
            verification_path="/login/device",
            user_code=UserCodeShape(HEX_UPPER, (4, 4)),
            send_complete=False,
            error_names=_names(
                invalid_client="incorrect_client_credentials",
                unknown_device_code="incorrect_device_code",
            ),
            error_body="github",
            form_unless_accept_json=True,
            errors_with_200=True,
            slow_down_carries_interval=True,
            userinfo_style="github",
        ),
        "keycloak": Dialect(
            name="keycloak",
            issuer_path="/realms/demo",
            issuer_trailing_slash=False,
            discovery_oidc=True,
            discovery_rfc8414=False,
            device_path="/realms/demo/protocol/openid-connect/auth/device",
            token_path="/realms/demo/protocol/openid-connect/token",
            revocation_path="/realms/demo/protocol/openid-connect/revoke",
            userinfo_path="/realms/demo/protocol/openid-connect/userinfo",
            verification_path="/realms/demo/device",
            user_code=_B20_8,
            # Keycloak keeps a per-code lock; it does not raise the interval (design-notes §1.4).
            slow_down_raises_interval=False,
        ),
        "okta": Dialect(
            name="okta",
            issuer_path="/oauth2/default",
            issuer_trailing_slash=False,
            discovery_oidc=True,
            discovery_rfc8414=True,
            device_path="/oauth2/default/v1/device/authorize",
            token_path="/oauth2/default/v1/token",
            revocation_path="/oauth2/default/v1/revoke",
            userinfo_path="/oauth2/default/v1/userinfo",
            verification_path="/activate",
            user_code=UserCodeShape(BASE20, (8,), ""),
            refresh_needs_offline_access=True,
        ),
    }
)


def get_dialect(name: str) -> Dialect:
    """Return the dialect called ``name`` or raise ValueError naming the valid ones."""
    try:
        return DIALECTS[name]
    except KeyError:
        raise ValueError(
            f"unknown dialect {name!r}; choose one of: {', '.join(DIALECTS)}"
        ) from None
