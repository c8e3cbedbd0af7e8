"""OAuth error names, how the client classifies them, and the package's exception tree.

Every exception device-app raises on purpose derives from :class:`DeviceAppError`; each layer
adds its own under the core's classes, so ``except ConfigurationError`` catches a bad board
file as well as a bad provider setting. What each means as an outcome (outcomes.py) is
decided in one place: ``device_app.engine.errors.outcome_of``.

Exception tree::

    DeviceAppError                 base of everything this package raises on purpose
    +-- UsageError                 local misuse of the API (a bug in the caller)
    |   +-- TokenStoreUsageError   engine/token_store.py: save() given data it cannot store
    +-- ConfigurationError         something the user must fix: settings, profile, files
    |   +-- TokenStoreError        engine/token_store.py: the store's folder or files
    |   +-- UnsafeLocationError    engine/private_files.py: a path others can write
    |   +-- ThemeError             ui/themes.py: a theme file
    |   +-- BoardError             hardware/boards.py: a board file
    |   +-- KeymapError            hardware/input/keymap.py: a keymap entry
    |   +-- ScriptError            hardware/input/scripted.py: a scripted-input file
    |   +-- DisplayError           hardware/display/base.py: no display driver could open
    +-- TransportError             no usable HTTP response; ``reason`` is one of REASONS
    +-- ProtocolError              the peer answered, but not in a way RFC 8628 / RFC 6749 allows
    |   +-- OAuthError             the peer answered with an RFC 6749 §5.2 error body
    +-- ReauthRequired             engine/errors.py: the device must be authorized again
    +-- LockTimeout                engine/private_files.py: another process kept a lock

The hardware and UI errors also derive from ``ValueError`` (``DisplayError`` from
``RuntimeError``), as they did before they joined the tree.

Pending and slow_down are *events* of the flow, never exceptions.
"""

from device_app.core import outcomes

# RFC 8628 §3.5 and RFC 6749 §5.2 error codes (https://www.rfc-editor.org/rfc/rfc8628#section-3.5)
AUTHORIZATION_PENDING = "authorization_pending"
SLOW_DOWN = "slow_down"
ACCESS_DENIED = "access_denied"
EXPIRED_TOKEN = "expired_token"
INVALID_GRANT = "invalid_grant"
INVALID_CLIENT = "invalid_client"
INVALID_REQUEST = "invalid_request"
INVALID_SCOPE = "invalid_scope"
UNAUTHORIZED_CLIENT = "unauthorized_client"
UNSUPPORTED_GRANT_TYPE = "unsupported_grant_type"
INVALID_TOKEN = "invalid_token"  # RFC 6750 §3.1

# Classes of error, as the client acts on them.
C_PENDING = "pending"
C_SLOW_DOWN = "slow_down"
C_DENIED = outcomes.DENIED
C_EXPIRED = outcomes.EXPIRED
C_BAD_CODE = outcomes.BAD_CODE
C_CONFIGURATION = outcomes.CONFIGURATION
C_TRANSIENT = "transient"
C_OTHER = "other"

# The default classification table. Providers add to it through their profile's
# ``error_map`` (see providers.py) only where they differ from it.
DEFAULT_ERROR_CLASSES = {
    AUTHORIZATION_PENDING: C_PENDING,
    SLOW_DOWN: C_SLOW_DOWN,
    ACCESS_DENIED: C_DENIED,
    "authorization_declined": C_DENIED,  # Microsoft Entra
    EXPIRED_TOKEN: C_EXPIRED,
    "token_expired": C_EXPIRED,  # GitHub documentation's spelling
    "bad_verification_code": C_BAD_CODE,  # Microsoft Entra (AADSTS70018)
    "incorrect_device_code": C_BAD_CODE,  # GitHub
    "device_not_found": C_BAD_CODE,  # django-oauth-toolkit, HTTP 404
    INVALID_GRANT: C_BAD_CODE,
    INVALID_CLIENT: C_CONFIGURATION,
    UNAUTHORIZED_CLIENT: C_CONFIGURATION,
    "incorrect_client_credentials": C_CONFIGURATION,  # GitHub
    "device_flow_disabled": C_CONFIGURATION,  # GitHub
    UNSUPPORTED_GRANT_TYPE: C_CONFIGURATION,
    "org_internal": C_CONFIGURATION,  # Google
    "admin_policy_enforced": C_CONFIGURATION,  # Google
    INVALID_SCOPE: C_CONFIGURATION,
    "rate_limit_exceeded": C_TRANSIENT,  # Google, on /device/code, under "error_code"
    "temporarily_unavailable": C_TRANSIENT,  # RFC 6749 §4.1.2.1
    "server_error": C_TRANSIENT,
}


def classify(code, extra=None):
    """Return the class of an OAuth error code, looking at a profile's map first."""
    if extra and code in extra:
        return extra[code]
    return DEFAULT_ERROR_CLASSES.get(code, C_OTHER)


class DeviceAppError(Exception):
    """Base class of the errors this package raises on purpose."""

    def __init__(self, message=""):
        super().__init__(message)  # MicroPython has no Exception.__init__ to call by name
        self.message = message

    def __str__(self):
        return self.message


class UsageError(DeviceAppError):
    """The API was used wrongly by its caller (a local bug, not the server's fault)."""


class ConfigurationError(DeviceAppError):
    """Settings or the provider profile are wrong; the message says what to fix."""


# Why a TransportError happened: its ``reason``, one of these.
REASON_CONNECT = "connect"  # no connection: refused, unreachable, name not resolved, reset
REASON_TIMEOUT = "timeout"  # no complete answer in time
REASON_TLS = "tls"  # the certificate did not verify or the handshake failed: never retried
REASON_TOO_LARGE = "too_large"  # the answer is larger than the client reads
REASON_SERVER = "server"  # the server answered that it cannot answer now (5xx, 429)
REASON_OTHER = "other"  # anything else (not valid HTTP, a bad URL, ...)
REASONS = (
    REASON_CONNECT,
    REASON_TIMEOUT,
    REASON_TLS,
    REASON_TOO_LARGE,
    REASON_SERVER,
    REASON_OTHER,
)


class TransportError(DeviceAppError):
    """No usable HTTP response arrived.

    ``reason`` is one of :data:`REASONS`. ``retry_after`` is seconds the server asked us to
    wait, or None.
    """

    def __init__(self, message, reason=REASON_OTHER, retry_after=None):
        DeviceAppError.__init__(self, message)
        self.reason = reason
        self.retry_after = retry_after


class ProtocolError(DeviceAppError):
    """The server answered in a way the protocol does not allow."""


class OAuthError(ProtocolError):
    """An RFC 6749 §5.2 error response: ``error``, ``error_description``, ``error_uri``."""

    def __init__(self, error, description=None, uri=None, status=None, category=None):
        msg = error if not description else "%s: %s" % (error, description)
        ProtocolError.__init__(self, msg)
        self.error = error
        self.description = description
        self.uri = uri
        self.status = status
        self.category = category if category is not None else classify(error)
