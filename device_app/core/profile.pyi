# Types for library users; profile.py has no annotations (it also runs on MicroPython).
from collections.abc import Iterable, Mapping
from typing import Any

DEVICE_GRANT: str
FORM_TYPE: str
DEFAULT_INTERVAL: float
MIN_INTERVAL: float
MAX_INTERVAL: float
DEFAULT_EXPIRES: float
MAX_EXPIRES: float
ENDPOINT_NAMES: tuple[str, ...]
CLIENT_AUTH: tuple[str, ...]

class Profile:
    name: str
    issuer: str | None
    client_id: str
    client_secret: str | None
    scope: str | None
    client_auth: str
    extra_params: dict[str, str]
    error_map: dict[str, str]
    expired_aliases: tuple[str, ...]
    empty_error_bodies: dict[int, str]
    insecure_hosts: tuple[str, ...]
    allowed_hosts: Iterable[str] | None
    grant_type: str
    min_interval: float
    dpop: bool
    device_authorization_endpoint: str
    token_endpoint: str
    revocation_endpoint: str | None
    userinfo_endpoint: str | None
    def __init__(
        self,
        client_id: str | None,
        device_authorization_endpoint: str | None,
        token_endpoint: str | None,
        name: str = "custom",
        issuer: str | None = None,
        client_secret: str | None = None,
        scope: str | None = None,
        revocation_endpoint: str | None = None,
        userinfo_endpoint: str | None = None,
        client_auth: str = "none",
        extra_params: Mapping[str, str] | None = None,
        error_map: Mapping[str, str] | None = None,
        expired_aliases: Iterable[str] = (),
        empty_error_bodies: Mapping[Any, str] | None = None,
        insecure_hosts: Iterable[str] = (),
        allowed_hosts: Iterable[str] | None = None,
        grant_type: str = ...,
        min_interval: float = ...,
        dpop: bool = False,
    ) -> None: ...
    def client_auth_fields(self, form: dict[str, str], headers: dict[str, str]) -> None: ...
    def describe(self) -> dict[str, Any]: ...

def expand(template: str | None, issuer: str | None, issuer_suffix: str = "") -> str | None: ...
def sibling(url: str, name: str) -> str | None: ...

ISSUER_CHECKS: tuple[str, ...]

def issuer_matches(expected: str | None, got: str | None, check: str = "exact") -> bool: ...
def build_profile(
    provider: str | Mapping[str, Any],
    client_id: str | None,
    issuer: str | None = None,
    metadata: Mapping[str, Any] | None = None,
    overrides: Mapping[str, str | None] | None = None,
    **settings: Any,
) -> Profile: ...
