"""What a response means to the client: tokens, an OAuth error, try again later, or unusable.

The flow and the token helpers read responses through :func:`interpret` only, so every
provider's way of saying the same thing (error bodies on any status, form-encoded bodies,
captive portals) is understood in one place.
"""

from device_app.core.backoff import http_date, parse_retry_after
from device_app.core.jsonparse import get_str, parse_body
from device_app.core.sanitize import clean_text

# What a response means to the client.
R_TOKENS = "tokens"
R_ERROR = "error"  # an RFC 6749 §5.2 error body, on any HTTP status
R_TRANSIENT = "transient"  # try again later: 5xx, 429 without a body, captive portal, bad JSON
R_PROTOCOL = "protocol"  # an answer no retry will fix


class Answer:
    """The meaning of one response: ``kind`` (R_*), the parsed ``data`` and details."""

    __slots__ = ("data", "description", "error", "kind", "retry_after", "status")

    def __init__(self, kind, status, data=None, error=None, description=None, retry_after=None):
        self.kind = kind
        self.status = status
        self.data = data
        self.error = error
        self.description = description
        self.retry_after = retry_after


def interpret(response, retry_after=None, empty_error_bodies=None):
    """Classify a response by its body first and its status second.

    Errors are read from the body on any status: GitHub's 200, Auth0's 403/429, Google's 428,
    django-oauth-toolkit's 404. Google's quota error uses ``error_code`` instead of ``error``.
    ``empty_error_bodies`` maps an HTTP status to the error code that an answer with that
    status and an empty body stands for (a profile's ``empty_error_bodies``).
    """
    status = response.status
    if empty_error_bodies and status in empty_error_bodies and not response.body.strip():
        # glewlwyd refuses a refresh token it no longer accepts with a bare HTTP 400: without
        # the profile's word, that is an answer no retry fixes, not a lost grant.
        return Answer(
            R_ERROR,
            status,
            {},
            error=empty_error_bodies[status],
            description="HTTP %d with an empty body" % status,
            retry_after=retry_after,
        )
    data = parse_body(response.headers, response.body)
    if data is not None:
        code = get_str(data, ("error", "error_code"))
        if code is not None:
            return Answer(
                R_ERROR,
                status,
                data,
                error=clean_text(code, 80),
                description=clean_text(get_str(data, ("error_description", "message"))),
                retry_after=retry_after,
            )
        if 200 <= status < 300 and "access_token" in data:
            return Answer(R_TOKENS, status, data)
    if data is None and _looks_like_json(response.body):
        # Truncated or garbled JSON: the answer was damaged on the way, not a refusal.
        # Whatever the status, ask again later.
        return Answer(R_TRANSIENT, status, None, description="an unreadable JSON answer")
    if status == 429 or status == 408 or status >= 500:
        what = "HTTP %d" % status
        return Answer(R_TRANSIENT, status, data, description=what, retry_after=retry_after)
    if 300 <= status < 400:
        # A redirect from an OAuth endpoint is a captive portal or a proxy; it is never
        # followed (a 307/308 would re-post the device code elsewhere).
        return Answer(R_TRANSIENT, status, data, description="redirected (HTTP %d)" % status)
    if 200 <= status < 300:
        if data is None:
            # An HTML page with status 200 is a captive portal, or the body was cut short.
            return Answer(R_TRANSIENT, status, None, description="not an OAuth answer")
        return Answer(R_PROTOCOL, status, data, description="a 200 answer without a token")
    return Answer(
        R_PROTOCOL,
        status,
        data,
        description="HTTP %d without an OAuth error: is the endpoint URL right?" % status,
    )


def _looks_like_json(body):
    """A body that starts like a JSON object (which then failed to parse)."""
    return bool(body) and body[:64].strip().startswith(b"{")


def retry_after(response):
    """Seconds the response's ``Retry-After`` asks to wait (capped), or None.

    The core has no wall clock: an HTTP-date Retry-After is measured against the response's
    own Date header, written by the same server clock (RFC 9110 §10.2.3).
    """
    date = response.header("date")
    server_now = http_date(date) if isinstance(date, str) else None
    return parse_retry_after(response.header("retry-after"), server_now)
