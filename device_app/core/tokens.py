"""Token sets: reading and stamping them, refresh and revocation requests, when to refresh,
and the bearer request that uses them.

Sans-IO like the flow: these functions build :class:`Request` objects and read
:class:`Response` objects; the caller sends them.
"""

from device_app.core import errors
from device_app.core.errors import OAuthError, ProtocolError
from device_app.core.formenc import encode_form
from device_app.core.http import Request
from device_app.core.jsonparse import get_number
from device_app.core.profile import FORM_TYPE
from device_app.core.responses import R_ERROR, R_TOKENS, R_TRANSIENT, interpret
from device_app.core.sanitize import clean_text

MAX_TOKEN = 16384  # a JWT access token can be long, but not absurdly so

# Refresh ahead of expiry: half the lifetime for short-lived tokens, five minutes for long
# ones (MSAL uses 5 min; Sonarr's discussion argues for ~50 %).
REFRESH_MARGIN_MAX = 300.0


def error_class(profile, code):
    """The class of an OAuth error code for this profile (errors.C_*)."""
    return errors.classify(code, profile.error_map)


def token_set(data, wall_now, dpop=False):
    """Validate a successful token response and return the token set dict.

    RFC 6749 §5.1: access_token and token_type are REQUIRED; unknown token types are refused
    (§7.1); unknown fields are ignored. ``wall_now`` None leaves the times to :func:`stamp`.
    ``DPoP`` (RFC 9449 §5) only when ``dpop``: the client sent a proof; a server may still
    answer Bearer (an unbound token, §5 last paragraph).
    """
    access = data.get("access_token")
    if not isinstance(access, str) or not access or len(access) > MAX_TOKEN:
        raise ProtocolError("the token response has no usable access_token")
    ttype = data.get("token_type")
    kinds = {"bearer": "Bearer", "dpop": "DPoP"} if dpop else {"bearer": "Bearer"}
    if not isinstance(ttype, str) or ttype.lower() not in kinds:
        raise ProtocolError(
            "the token response has token_type %r; only %s tokens are supported"
            % (clean_text(ttype, 40), " and ".join(sorted(kinds.values())))
        )
    refresh = data.get("refresh_token")
    if refresh is not None and (not isinstance(refresh, str) or not refresh):
        refresh = None
    expires_in = get_number(data, ("expires_in",))
    if expires_in is not None and expires_in <= 0:
        expires_in = None
    tokens = {
        "access_token": access,
        "token_type": kinds[ttype.lower()],
        "refresh_token": refresh,
        "scope": clean_text(data.get("scope"), 1000)
        if isinstance(data.get("scope"), str)
        else None,
        "id_token": data.get("id_token") if isinstance(data.get("id_token"), str) else None,
        "expires_in": int(expires_in) if expires_in is not None else None,
        "obtained_at": None,
        "expires_at": None,
    }
    if wall_now is not None:
        stamp(tokens, wall_now)
    return tokens


def stamp(tokens, wall_now):
    """Set the wall-clock times of a token set received at ``wall_now``."""
    tokens["obtained_at"] = wall_now
    life = tokens.get("expires_in")
    tokens["expires_at"] = wall_now + life if life else None


def merge_refreshed(old, new):
    """RFC 6749 §6: a new refresh token replaces the old; none returned keeps the old one."""
    if not new.get("refresh_token"):
        new["refresh_token"] = old.get("refresh_token")
    if not new.get("scope"):
        new["scope"] = old.get("scope")
    return new


def read_token_response(profile, response, wall_now, dpop=None):
    """Token set from a token-endpoint response, or raise.

    ``dpop`` (default: the profile's) says whether a DPoP token type is acceptable.
    Raises :class:`OAuthError` (with ``category``) for error bodies, :class:`ProtocolError`
    for answers no retry will fix, and :class:`errors.TransportError` for transient ones.
    """
    out = interpret(response, None, profile.empty_error_bodies)
    if out.kind == R_TOKENS:
        return token_set(out.data, wall_now, profile.dpop if dpop is None else dpop)
    if out.kind == R_ERROR:
        raise OAuthError(
            out.error, out.description, status=out.status, category=error_class(profile, out.error)
        )
    if out.kind == R_TRANSIENT:
        raise errors.TransportError(
            "the server could not answer now (%s)" % out.description, reason=errors.REASON_SERVER
        )
    raise ProtocolError("the token endpoint gave %s" % out.description)


def _form_request(profile, url, form, secret_fields):
    headers = {"Content-Type": FORM_TYPE, "Accept": "application/json"}
    profile.client_auth_fields(form, headers)
    secrets = tuple(secret_fields) + ("client_secret",)
    return Request("POST", url, headers, form, encode_form(form), secrets)


def refresh_request(profile, refresh_token):
    """RFC 6749 §6 refresh request."""
    form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
    return _form_request(profile, profile.token_endpoint, form, ("refresh_token",))


def revocation_request(profile, token, hint="refresh_token"):
    """RFC 7009 §2.1 revocation request, or None when the provider has no endpoint."""
    if not profile.revocation_endpoint:
        return None
    form = {"token": token, "token_type_hint": hint}
    return _form_request(profile, profile.revocation_endpoint, form, ("token",))


def refresh_margin(tokens):
    """Seconds before expiry at which a token counts as due for refresh."""
    life = tokens.get("expires_in")
    if not life:
        return 60.0
    return min(REFRESH_MARGIN_MAX, life * 0.5)


def needs_refresh(tokens, wall_now, min_ttl=0.0):
    """True when the access token should be refreshed before use.

    Stored times are wall-clock hints only (a Pi has no RTC). When the clock reads earlier
    than the moment the token was obtained, the clock cannot be trusted, so the token is used
    and the API's 401 decides (design-notes §4).
    """
    expires_at = tokens.get("expires_at")
    if expires_at is None:
        return min_ttl > 0 and bool(tokens.get("refresh_token"))
    obtained = tokens.get("obtained_at") or 0
    if wall_now < obtained - 60:
        return False
    margin = refresh_margin(tokens)
    if min_ttl > margin:
        margin = min_ttl
    return wall_now >= expires_at - margin


def bearer_header(tokens):
    """RFC 6750 §2.1 Authorization header value."""
    return "Bearer " + tokens["access_token"]


def bearer_request(method, url, access_token):
    """A request to the API carrying the access token (RFC 6750 §2.1)."""
    headers = {"Authorization": bearer_header({"access_token": access_token})}
    headers["Accept"] = "application/json"
    return Request(method, url, headers, None, None)


def www_authenticate_error(value):
    """The ``error`` parameter of a Bearer WWW-Authenticate challenge (RFC 6750 §3), or None."""
    if not value:
        return None
    low = value.lower()
    # Find an ``error=`` parameter outside quoted strings (a realm or description may quote
    # "error=" text), at the start of a parameter.
    i = 0
    quoted = False
    while i < len(low):
        c = low[i]
        if quoted:
            if c == "\\":
                i += 1
            elif c == '"':
                quoted = False
        elif c == '"':
            quoted = True
        elif low[i : i + 6] == "error=" and (i == 0 or low[i - 1] in " ,"):
            break
        i += 1
    else:
        return None
    rest = value[i + 6 :].strip()
    if rest.startswith('"'):
        end = rest.find('"', 1)
        code = rest[1:end] if end > 0 else rest[1:]
    else:
        end = len(rest)
        for sep in ", ":
            j = rest.find(sep)
            if 0 <= j < end:
                end = j
        code = rest[:end]
    return clean_text(code, 60) or None
