"""A resolved profile: one provider's data plus this client's settings, checked once.

The flow and the token helpers read only this object. Building it is where endpoint
templates, discovered metadata and explicit overrides meet, and where bad settings become
one :class:`ConfigurationError` that says what to fix.
"""

from device_app.core.errors import ConfigurationError
from device_app.core.formenc import b64encode, origin, quote
from device_app.core.providers import PROVIDERS
from device_app.core.sanitize import check_uri

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"  # RFC 8628 §3.4
FORM_TYPE = "application/x-www-form-urlencoded"  # exactly: oauthlib (DOT) refuses a charset

# RFC 8628 §3.2: "If no value is provided, clients MUST use 5 as the default."
DEFAULT_INTERVAL = 5.0
# A server interval below 1 s is clamped up (AppAuth does the same); above 60 s is clamped
# down so a misconfigured server (Keycloak 17 defaulted to 600 s) cannot stall sign-in.
MIN_INTERVAL = 1.0
MAX_INTERVAL = 60.0
# expires_in: missing or nonsense -> 10 minutes (Keycloak's and Okta's default); never trust
# more than an hour (design-notes §2).
DEFAULT_EXPIRES = 600.0
MAX_EXPIRES = 3600.0
ENDPOINT_NAMES = ("device_authorization", "token", "revocation", "userinfo")
CLIENT_AUTH = ("none", "post", "basic")


class Profile:
    """Everything the core needs to talk to one authorization server for one client."""

    def __init__(
        self,
        client_id,
        device_authorization_endpoint,
        token_endpoint,
        name="custom",
        issuer=None,
        client_secret=None,
        scope=None,
        revocation_endpoint=None,
        userinfo_endpoint=None,
        client_auth="none",
        extra_params=None,
        error_map=None,
        expired_aliases=(),
        empty_error_bodies=None,
        insecure_hosts=(),
        allowed_hosts=None,
        grant_type=DEVICE_GRANT,
        min_interval=MIN_INTERVAL,
        dpop=False,
    ):
        if not client_id or not isinstance(client_id, str):
            raise ConfigurationError("no client ID: set the client_id of this device")
        if client_auth not in CLIENT_AUTH:
            raise ConfigurationError(
                "client_auth must be one of %s, not %r" % (", ".join(CLIENT_AUTH), client_auth)
            )
        self.name = name
        self.issuer = issuer
        self.client_id = client_id
        self.client_secret = client_secret or None
        self.scope = scope or None
        self.client_auth = client_auth if self.client_secret else "none"
        self.extra_params = dict(extra_params or {})
        self.error_map = dict(error_map or {})
        self.expired_aliases = tuple(expired_aliases)
        self.empty_error_bodies = _status_map(empty_error_bodies)
        self.insecure_hosts = tuple(insecure_hosts)
        self.allowed_hosts = allowed_hosts
        self.grant_type = grant_type
        self.min_interval = float(min_interval)
        # RFC 9449: the driver signs DPoP proofs; the core only accepts DPoP token types.
        self.dpop = bool(dpop)
        self.device_authorization_endpoint = self._endpoint(
            "device authorization", device_authorization_endpoint, True
        )
        self.token_endpoint = self._endpoint("token", token_endpoint, True)
        self.revocation_endpoint = self._endpoint("revocation", revocation_endpoint, False)
        self.userinfo_endpoint = self._endpoint("userinfo", userinfo_endpoint, False)

    def _endpoint(self, what, url, required):
        if not url:
            if required:
                raise ConfigurationError(
                    "no %s endpoint: the provider publishes none; set %s_endpoint"
                    % (what, what.replace(" ", "_"))
                )
            return None
        try:
            return check_uri(url, self.insecure_hosts, endpoint=True)
        except ValueError as e:
            raise ConfigurationError(
                "the %s endpoint %s is not usable: %s" % (what, url, e)
            ) from None

    def client_auth_fields(self, form, headers):
        """Add client authentication to a request (RFC 6749 §2.3.1; RFC 8628 §3.1 and §3.4)."""
        if self.client_auth == "basic":
            pair = quote(self.client_id) + ":" + quote(self.client_secret)
            headers["Authorization"] = "Basic " + b64encode(pair.encode("utf-8"))
        else:
            form["client_id"] = self.client_id
            if self.client_auth == "post":
                form["client_secret"] = self.client_secret

    def describe(self):
        """A dict safe to print (no secret)."""
        return {
            "provider": self.name,
            "issuer": self.issuer,
            "client_id": self.client_id,
            "client_auth": self.client_auth,
            "scope": self.scope,
            "device_authorization_endpoint": self.device_authorization_endpoint,
            "token_endpoint": self.token_endpoint,
            "revocation_endpoint": self.revocation_endpoint,
            "userinfo_endpoint": self.userinfo_endpoint,
            "dpop": self.dpop,
        }


def _status_map(data):
    """``empty_error_bodies`` keyed by whole-number HTTP statuses (JSON and TOML give strings)."""
    out = {}
    for key in data or {}:
        code = data[key]
        try:
            status = int(key)
        except (TypeError, ValueError):
            status = 0
        if not 400 <= status < 600 or not isinstance(code, str) or not code:
            raise ConfigurationError(
                "empty_error_bodies maps an HTTP error status to an OAuth error code, not %r: %r"
                % (key, code)
            )
        out[status] = code
    return out


def expand(template, issuer, issuer_suffix=""):
    """Fill ``{issuer}``, ``{origin}`` and ``{authority}`` in an endpoint template.

    ``{authority}`` is the issuer without ``issuer_suffix`` (Entra's issuer is the authority
    followed by ``/v2.0``), so a tenant's endpoints stay under that tenant.
    """
    if template is None:
        return None
    if "{" not in template:
        return template
    if not issuer:
        raise ConfigurationError("this provider needs its issuer to know where its endpoints are")
    base = issuer[:-1] if issuer.endswith("/") else issuer
    try:
        org = origin(base)
    except ValueError:
        raise ConfigurationError("the issuer %r is not an absolute URL" % issuer) from None
    authority = base
    if issuer_suffix and base.endswith(issuer_suffix):
        authority = base[: len(base) - len(issuer_suffix)]
    elif "{authority}" in template:
        raise ConfigurationError(
            "the issuer %r should end with %s (the authority followed by %s)"
            % (issuer, issuer_suffix, issuer_suffix)
        )
    return (
        template.replace("{issuer}", base)
        .replace("{origin}", org)
        .replace("{authority}", authority)
    )


def sibling(url, name):
    """``name`` in the same folder as the last path segment of ``url``.

    ``sibling("https://h/o/token/", "device-authorization/")`` is
    ``https://h/o/device-authorization/``: servers that leave an endpoint out of their metadata
    (django-oauth-toolkit omits the device endpoint) mount it next to the token endpoint.
    """
    cut = url.split("?", 1)[0].split("#", 1)[0]
    start = cut.find("://")
    start = start + 3 if start >= 0 else 0
    body = cut[:-1] if cut.endswith("/") else cut
    if body.find("/", start) < 0:
        return None  # no path to stand beside
    return body[: body.rfind("/") + 1] + name


def _endpoint_urls(data, issuer, metadata, overrides):
    """Each endpoint: explicit override, then metadata, then beside the token endpoint the
    server named (``token_siblings``), then the profile's template."""
    templates = data.get("endpoints") or {}
    siblings = data.get("token_siblings") or {}
    suffix = data.get("issuer_suffix", "")
    token = overrides.get("token_endpoint") or metadata.get("token_endpoint")
    urls = {}
    for ep in ENDPOINT_NAMES:
        key = ep + "_endpoint"
        url = overrides.get(key) or metadata.get(key)
        if not url and token and ep in siblings:
            url = sibling(token, siblings[ep])
        urls[key] = url or expand(templates.get(ep), issuer, suffix)
    return urls


ISSUER_CHECKS = ("exact", "lenient")


def issuer_matches(expected, got, check="exact"):
    """Whether a metadata document's ``issuer`` is the one asked for.

    RFC 8414 §3.3 and OpenID Connect Discovery 1.0 §4.3 ask for the exact issuer; a trailing
    slash is the only difference tolerated. ``lenient`` (a provider's ``issuer_check``) also
    accepts a templated issuer whose ``{tenantid}`` stands for the expected issuer's tenant
    segment: Microsoft Entra's multi-tenant authorities (``common``, ``organizations``)
    publish ``https://login.microsoftonline.com/{tenantid}/v2.0``, and MSAL accepts it so.
    """
    want = expected.rstrip("/")
    have = got.rstrip("/")
    if have == want:
        return True
    if check != "lenient" or "{tenantid}" not in have:
        return False
    head, _, tail = have.partition("{tenantid}")
    # The placeholder is one whole path segment, once: ``…/{tenantid}/v2.0``.
    if not head.endswith("/") or "{tenantid}" in tail or (tail and tail[0] != "/"):
        return False
    if len(want) <= len(head) + len(tail) or not want.startswith(head) or not want.endswith(tail):
        return False
    return _is_tenant(want[len(head) : len(want) - len(tail)])


def _is_tenant(segment):
    """An alias (``common``), a GUID or a domain: ASCII letters, digits, ``.`` and ``-``."""
    if segment[0] in ".-":
        return False
    for c in segment:
        if not ("a" <= c <= "z" or "A" <= c <= "Z" or "0" <= c <= "9" or c in ".-"):
            return False
    return True


def build_profile(provider, client_id, issuer=None, metadata=None, overrides=None, **settings):
    """Resolve a shipped provider (or a provider dict) into a :class:`Profile`.

    Endpoints: explicit ``overrides`` win, then discovered ``metadata``, then the provider's
    ``token_siblings`` beside a known token endpoint, then its templates.
    ``settings`` are passed to :class:`Profile` (client_secret, scope, ...).
    """
    if isinstance(provider, str):
        if provider not in PROVIDERS:
            raise ConfigurationError(
                "unknown provider %r (known: %s)" % (provider, ", ".join(sorted(PROVIDERS)))
            )
        name = provider
        data = PROVIDERS[provider]
    else:
        data = provider
        name = data.get("name", "custom")
    issuer = issuer or data.get("issuer")
    overrides = overrides or {}
    metadata = metadata or {}
    urls = _endpoint_urls(data, issuer, metadata, overrides)
    if data.get("requires_secret") and not settings.get("client_secret"):
        raise ConfigurationError(
            "%s needs the client secret: set client_secret" % data.get("title", name)
        )
    if "scope" not in settings or settings["scope"] is None:
        settings["scope"] = data.get("scope")
    if "client_auth" not in settings or settings["client_auth"] is None:
        settings["client_auth"] = data.get("client_auth", "post")
    extra = settings.pop("extra_params", None) or {}
    allowed = data.get("params", ())
    for k in extra:
        if allowed and k not in allowed and k != "audience":
            raise ConfigurationError("%s does not take the parameter %r" % (name, k))
    return Profile(
        client_id,
        urls["device_authorization_endpoint"],
        urls["token_endpoint"],
        name=name,
        issuer=issuer,
        revocation_endpoint=urls["revocation_endpoint"],
        userinfo_endpoint=urls["userinfo_endpoint"],
        extra_params=extra,
        error_map=data.get("error_map"),
        expired_aliases=data.get("expired_aliases", ()),
        empty_error_bodies=data.get("empty_error_bodies"),
        **settings,
    )
