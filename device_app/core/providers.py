"""Provider profiles: how each authorization server differs, as plain data.

Facts come from design-notes §1. The flow reads these keys;
it never tests a provider's name.

Keys of a profile (all optional but ``title``):

- ``title``: a human name.
- ``issuer``: the default issuer, or None when the user must give one (a tenant, a realm).
- ``issuer_hint``: what to pass as ``--issuer`` when there is no default.
- ``discovery``: ``oidc``, ``oauth`` (RFC 8414), ``auto`` (try both) or ``none``.
- ``endpoints``: fallback endpoint templates. ``{issuer}`` is the issuer without a trailing
  slash; ``{origin}`` is its scheme://host[:port]; ``{authority}`` is the issuer without its
  ``issuer_suffix``.
- ``issuer_suffix``: what follows the authority in the issuer (Entra: ``/v2.0``).
- ``token_siblings``: endpoints the server mounts next to its token endpoint, by relative
  name, used when the metadata names the token endpoint but leaves these out.
- ``scope``: the default scope.
- ``client_auth``: ``none`` (public client: client_id in the body), ``post`` (client_secret in
  the body) or ``basic`` (HTTP Basic), applied where the client has a secret.
- ``requires_secret``: the provider refuses a public client (Google's TV clients).
- ``params``: the names of extra request parameters the profile accepts (Auth0's ``audience``).
- ``error_map``: error codes -> class (see errors.py) where the provider differs from
  ``DEFAULT_ERROR_CLASSES``; the codes every shipped provider sends are in that table already.
- ``expired_aliases``: codes that mean "expired" when they come after the code's deadline,
  such as Auth0's ``invalid_grant`` after it said ``expired_token`` once.
- ``empty_error_bodies``: HTTP status -> the error code that a token-endpoint answer with that
  status and an empty body stands for (glewlwyd's bare 400 for a refused refresh token).
- ``issuer_check``: ``exact`` or ``lenient`` (Microsoft's ``common`` tenant publishes a
  templated issuer); discovery applies it through ``profile.issuer_matches``.
- ``dpop``: ``auto`` (the default: DPoP proofs when the metadata offers ES256), ``on`` or
  ``off`` (RFC 9449); ``--dpop`` overrides it.
- ``user_code_alphabet``: a note for documentation and tests.
- ``notes``: one line for the README.
"""

_OIDC_STANDARD = {  # type: dict
    "device_authorization": "{issuer}/device_authorization",
    "token": "{issuer}/token",
    "revocation": "{issuer}/revoke",
    "userinfo": "{issuer}/userinfo",
}

PROVIDERS = {  # type: dict
    "oidc": {
        "title": "Any OpenID Connect / RFC 8414 provider (found by discovery)",
        "issuer": None,
        "issuer_hint": "https://login.example.com",
        "discovery": "auto",
        "endpoints": {},
        "scope": "openid profile offline_access",
        "notes": "Endpoints come from the metadata; name them with flags if it has none.",
    },
    "auth0": {
        "title": "Auth0",
        "issuer": None,
        "issuer_hint": "https://YOUR-TENANT.auth0.com/",
        "discovery": "oidc",
        "endpoints": {
            "device_authorization": "{issuer}/oauth/device/code",
            "token": "{issuer}/oauth/token",
            "revocation": "{issuer}/oauth/revoke",
            "userinfo": "{issuer}/userinfo",
        },
        "scope": "openid profile email offline_access",
        "params": ("audience",),
        # 403 authorization_pending, 429 slow_down; expired_token once, then invalid_grant.
        "expired_aliases": ("invalid_grant",),
        "notes": "Pending comes as HTTP 403, slow_down as 429; --audience for a custom API.",
    },
    "google": {
        "title": "Google",
        "issuer": "https://accounts.google.com",
        "discovery": "oidc",
        "endpoints": {
            "device_authorization": "https://oauth2.googleapis.com/device/code",
            "token": "https://oauth2.googleapis.com/token",
            "revocation": "https://oauth2.googleapis.com/revoke",
            "userinfo": "https://openidconnect.googleapis.com/v1/userinfo",
        },
        "scope": "openid email profile",
        "client_auth": "post",
        "requires_secret": True,
        "notes": "Needs a 'TVs and Limited Input devices' client and its secret.",
    },
    "microsoft": {
        "title": "Microsoft Entra ID",
        "issuer": "https://login.microsoftonline.com/common/v2.0",
        "discovery": "oidc",
        "issuer_check": "lenient",
        # The issuer is the authority (…/common, …/organizations, …/TENANT-ID) + /v2.0; the
        # fallback endpoints stay under the authority the user configured.
        "issuer_suffix": "/v2.0",
        "endpoints": {
            "device_authorization": "{authority}/oauth2/v2.0/devicecode",
            "token": "{authority}/oauth2/v2.0/token",
            "userinfo": "https://graph.microsoft.com/oidc/userinfo",
        },
        "scope": "openid profile offline_access User.Read",
        "notes": "No verification_uri_complete; denial arrives as authorization_declined.",
    },
    "github": {
        "title": "GitHub",
        "issuer": "https://github.com",
        "discovery": "none",
        "endpoints": {
            "device_authorization": "{issuer}/login/device/code",
            "token": "{issuer}/login/oauth/access_token",
            "userinfo": "https://api.github.com/user",
        },
        "scope": "read:user",
        "notes": "Errors come with HTTP 200; the form-encoded body unless JSON is asked for.",
    },
    "okta": {
        "title": "Okta",
        "issuer": None,
        "issuer_hint": "https://YOUR-ORG.okta.com/oauth2/default",
        "discovery": "oidc",
        "endpoints": {
            "device_authorization": "{issuer}/v1/device/authorize",
            "token": "{issuer}/v1/token",
            "revocation": "{issuer}/v1/revoke",
            "userinfo": "{issuer}/v1/userinfo",
        },
        "scope": "openid profile email offline_access",
        "notes": "Ask for offline_access to get a refresh token.",
    },
    "keycloak": {
        "title": "Keycloak",
        "issuer": None,
        "issuer_hint": "https://keycloak.example.com/realms/YOUR-REALM",
        "discovery": "oidc",
        "endpoints": {
            "device_authorization": "{issuer}/protocol/openid-connect/auth/device",
            "token": "{issuer}/protocol/openid-connect/token",
            "revocation": "{issuer}/protocol/openid-connect/revoke",
            "userinfo": "{issuer}/protocol/openid-connect/userinfo",
        },
        "scope": "openid profile email",
        "client_auth": "post",
        "notes": "Enable 'OAuth 2.0 Device Authorization Grant' on the client; all errors are 400.",
    },
    "django-oauth-toolkit": {
        "title": "django-oauth-toolkit (3.2.0 or newer)",
        "issuer": None,
        "issuer_hint": "https://your-site.example.com/o",
        # Its metadata (OIDC under the mount prefix, RFC 8414 at the site root, whose issuer
        # is then the origin) names the token endpoint but not the device endpoint, which DOT
        # mounts beside it. The templates serve when there is no metadata at all.
        "discovery": "auto",
        "token_siblings": {
            "device_authorization": "device-authorization/",
            "revocation": "revoke_token/",
            "userinfo": "userinfo/",
        },
        "endpoints": {
            "device_authorization": "{issuer}/device-authorization/",
            "token": "{issuer}/token/",
            "revocation": "{issuer}/revoke_token/",
            "userinfo": "{issuer}/userinfo/",
        },
        "scope": "openid read",
        "user_code_alphabet": "0-9A-V, 8 characters, no dash, case-sensitive",
        "notes": "Unknown codes answer 404 device_not_found; it never sends slow_down.",
    },
    "glewlwyd": {
        "title": "Glewlwyd 2.7 (its OpenID Connect plugin)",
        "issuer": None,
        # The plugin's URL. Its metadata's issuer is whatever the admin typed into the plugin
        # and need not match that URL, and it lists a revocation endpoint that refuses public
        # clients (HTTP 401): the profile names the endpoints itself.
        "issuer_hint": "https://glewlwyd.example.com/api/oidc",
        "discovery": "none",
        "endpoints": {
            "device_authorization": "{issuer}/device_authorization",
            "token": "{issuer}/token",
            "userinfo": "{issuer}/userinfo",
        },
        "scope": "openid",
        # There is no way for a user to deny a code: access_denied means the device code is
        # unknown to it (already redeemed, or never issued to this client).
        "error_map": {"access_denied": "bad_code"},
        # A refresh token it refuses (signed out on the web, rotated, expired): HTTP 400, no body.
        "empty_error_bodies": {400: "invalid_grant"},
        "user_code_alphabet": "A-Z and 0-9 but I, 4+4 with a dash, case-insensitive",
        "notes": "Give the plugin's URL as --issuer; no revocation for public clients.",
    },
}
PROVIDERS["standard"] = dict(PROVIDERS["oidc"])
PROVIDERS["standard"]["title"] = "RFC 8628 server with standard paths (the simulator's default)"
PROVIDERS["standard"]["endpoints"] = _OIDC_STANDARD


def provider_names():
    """Names of the shipped profiles, sorted."""
    names = list(PROVIDERS)
    names.sort()
    return names
