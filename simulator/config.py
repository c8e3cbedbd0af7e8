"""SimulatorConfig: the settings of one simulator instance, validated once and frozen."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .dialects import DIALECTS
from .faults import validate_faults

# RFC 8628 §3.2: clients default to 5 s; providers use 5 (design-notes §1.2).
DEFAULT_INTERVAL = 5
# Keycloak and Okta default to 600 s (design-notes §1.2).
DEFAULT_EXPIRES_IN = 600
# A common access-token lifetime (Auth0, Google, Entra issue 1 h tokens).
DEFAULT_TOKEN_TTL = 3600


def default_db_path(dialect: str) -> Path:
    """``$XDG_STATE_HOME/device-app-sim/<dialect>.sqlite3`` (default ~/.local/state)."""
    state = os.environ.get("XDG_STATE_HOME") or os.path.join(
        os.path.expanduser("~"), ".local", "state"
    )
    return Path(state) / "device-app-sim" / f"{dialect}.sqlite3"


@dataclass(frozen=True)
class SimulatorConfig:
    """Settings for :func:`device_app_simulator.server.start_server`."""

    dialect: str = "standard"
    host: str = "127.0.0.1"
    port: int = 8765
    interval: int = DEFAULT_INTERVAL
    expires_in: int = DEFAULT_EXPIRES_IN
    db_path: str | os.PathLike[str] | None = None
    faults: Mapping[str, Any] | None = None
    lan: bool = False
    public_host: str | None = None
    token_ttl: int = DEFAULT_TOKEN_TTL
    quiet: bool = True
    # RFC 9449 DPoP: "off", "on" (check proofs, bind tokens), "nonce" (also demand a nonce).
    dpop: str = "off"
    # https with this PEM certificate chain and key (as real servers are reached); the TV then
    # needs the issuing CA: device-app --ca-bundle CA.pem.
    tls_cert: str | os.PathLike[str] | None = None
    tls_key: str | os.PathLike[str] | None = None

    def __post_init__(self) -> None:
        if self.dialect not in DIALECTS:
            raise ValueError(
                f"unknown dialect {self.dialect!r}; choose one of: {', '.join(DIALECTS)}"
            )
        _int_in("port", self.port, 0, 65535)
        _int_in("interval", self.interval, 0, 3600)
        _int_in("expires_in", self.expires_in, 1, 86400)
        _int_in("token_ttl", self.token_ttl, 1, 366 * 86400)
        if not self.host or not isinstance(self.host, str):
            raise ValueError("host must be an address such as 127.0.0.1")
        validate_faults(self.faults or {})
        if self.dpop not in ("off", "on", "nonce"):
            raise ValueError(f"dpop must be off, on or nonce, got {self.dpop!r}")
        if (self.tls_cert is None) != (self.tls_key is None):
            raise ValueError("give both a TLS certificate and its key, or neither")

    def resolved_db_path(self) -> Path:
        return Path(self.db_path) if self.db_path else default_db_path(self.dialect)


def _int_in(name: str, value: Any, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"{name} must be a whole number from {low} to {high}, got {value!r}")
