# Types for library users; errors.py has no annotations (it also runs on MicroPython).
AUTHORIZATION_PENDING: str
SLOW_DOWN: str
ACCESS_DENIED: str
EXPIRED_TOKEN: str
INVALID_GRANT: str
INVALID_CLIENT: str
INVALID_REQUEST: str
INVALID_SCOPE: str
UNAUTHORIZED_CLIENT: str
UNSUPPORTED_GRANT_TYPE: str
INVALID_TOKEN: str

C_PENDING: str
C_SLOW_DOWN: str
C_DENIED: str
C_EXPIRED: str
C_BAD_CODE: str
C_CONFIGURATION: str
C_TRANSIENT: str
C_OTHER: str
DEFAULT_ERROR_CLASSES: dict[str, str]

def classify(code: str | None, extra: dict[str, str] | None = None) -> str: ...

class DeviceAppError(Exception):
    message: str
    def __init__(self, message: str = "") -> None: ...

class UsageError(DeviceAppError): ...
class ConfigurationError(DeviceAppError): ...

REASON_CONNECT: str
REASON_TIMEOUT: str
REASON_TLS: str
REASON_TOO_LARGE: str
REASON_SERVER: str
REASON_OTHER: str
REASONS: tuple[str, ...]

class TransportError(DeviceAppError):
    reason: str
    retry_after: float | None
    def __init__(
        self, message: str, reason: str = "other", retry_after: float | None = None
    ) -> None: ...

class ProtocolError(DeviceAppError): ...

class OAuthError(ProtocolError):
    error: str
    description: str | None
    uri: str | None
    status: int | None
    category: str
    def __init__(
        self,
        error: str,
        description: str | None = None,
        uri: str | None = None,
        status: int | None = None,
        category: str | None = None,
    ) -> None: ...
