"""SimContext: what every part of one running simulator shares (config, store, URLs, faults)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import cast

from flask import Flask, current_app

from .config import SimulatorConfig
from .dialects import Dialect
from .faults import FaultBoard
from .ratelimit import RateLimiter
from .store import Store

EXTENSION_KEY = "device_sim"


@dataclass
class SimContext:
    """Shared state of one simulator instance; ``base_url`` is filled in once bound."""

    config: SimulatorConfig
    dialect: Dialect
    store: Store
    faults: FaultBoard
    base_url: str = ""
    clock: Callable[[], float] = field(default=time.time)
    # Addresses that count as "this machine" for the loopback-only admin pages.
    local_addresses: set[str] = field(default_factory=lambda: {"127.0.0.1", "::1"})
    # Wrong user codes and passwords on the verification pages, per client address.
    limiter: RateLimiter = field(default_factory=RateLimiter)

    @property
    def issuer(self) -> str:
        issuer = self.base_url + self.dialect.issuer_path
        return issuer + "/" if self.dialect.issuer_trailing_slash else issuer

    @property
    def published_issuer(self) -> str:
        """The issuer the metadata names (Entra's multi-tenant template, where there is one)."""
        segment = self.dialect.issuer_template_segment
        if segment is None:
            return self.issuer
        return self.issuer.replace(segment, "/{tenantid}/", 1)

    def url(self, path: str | None) -> str | None:
        return None if path is None else self.base_url + path

    @property
    def discovery_paths(self) -> list[str]:
        """Paths that serve metadata for this dialect (empty for GitHub)."""
        d = self.dialect
        paths = []
        if d.discovery_oidc:
            paths.append(d.issuer_path + "/.well-known/openid-configuration")
        if d.discovery_rfc8414:
            # RFC 8414 §3: the well-known suffix goes before the issuer's path.
            paths.append("/.well-known/oauth-authorization-server" + d.issuer_path)
        return paths

    @property
    def endpoints(self) -> dict[str, str | None]:
        d = self.dialect
        return {
            "device_authorization": self.url(d.device_path),
            "token": self.url(d.token_path),
            "revocation": self.url(d.revocation_path),
            "userinfo": self.url(d.userinfo_path),
            "verification": self.url(d.verification_path),
            "discovery": self.url(self.discovery_paths[0]) if self.discovery_paths else None,
        }

    def install(self, app: Flask) -> None:
        """Make this context the one ``current_context()`` returns inside ``app``."""
        app.extensions[EXTENSION_KEY] = self

    def is_local(self, remote_addr: str | None) -> bool:
        if not remote_addr:
            return False
        return remote_addr in self.local_addresses or remote_addr.startswith("127.")


def current_context() -> SimContext:
    """The SimContext of the app handling the current request."""
    return cast(SimContext, current_app.extensions[EXTENSION_KEY])
