"""Provider settings, validated once, and their resolution into a :class:`Profile`.

:class:`Settings` is what the user asked for (flags.py reads it from the command line, a
profile file (profile_file.py) and the environment); :func:`resolve_profile` discovers the
endpoints where the provider publishes them and builds the profile.
"""

# No ``from __future__ import annotations``: typing.NamedTuple compiles every string
# annotation when the class is made (issue 14: ~2.5 ms of the TV's start over its modules).

import logging
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, NamedTuple

from device_app.core.errors import DeviceAppError
from device_app.core.profile import Profile, build_profile

log = logging.getLogger("device_app.engine.config")

SECRET_ENV = "DEVICE_APP_CLIENT_SECRET"  # noqa: S105 - the name of a variable, not a secret
DISCOVERY_MODES = ("auto", "oidc", "oauth", "none")
# RFC 9449 DPoP: "auto" signs proofs when the metadata lists ES256 in
# dpop_signing_alg_values_supported (§5.1); "on" always, "off" never.
DPOP_MODES = ("auto", "on", "off")
DPOP_ALGS = "dpop_signing_alg_values_supported"


class Settings(NamedTuple):
    """What the user asked for, before any network access. Its repr hides the client secret."""

    provider: str
    provider_data: Mapping[str, Any]
    issuer: str | None
    client_id: str | None
    client_secret: str | None
    scope: str | None
    client_auth: str | None
    extra_params: Mapping[str, str]
    endpoints: Mapping[str, str]
    discovery: str
    insecure_hosts: tuple[str, ...]
    token_store: str
    ca_bundle: str | None
    dpop: str = "auto"

    @property
    def store_profile(self) -> str:
        """File name (without suffix) of this device profile's token store."""
        raw = "%s-%s" % (self.provider, self.client_id or "client")
        return re.sub(r"[^A-Za-z0-9._-]", "_", raw)[:64]

    def __repr__(self) -> str:
        shown = ", ".join(
            "%s=%r" % (name, "<hidden>" if name == "client_secret" and value else value)
            for name, value in zip(self._fields, self, strict=True)
        )
        return "Settings(%s)" % shown


def resolve_profile(
    settings: Settings,
    transport: Any,
    cache_dir: Path | None,
    discover: Callable[..., dict[str, Any]] | None = None,
) -> Profile:
    """Discover endpoints where the provider publishes them and build the :class:`Profile`.

    Discovery failure falls back to the profile's endpoint templates; with none, it is an error.
    ``discover`` stands in for engine.discovery's (the TV's start-up helper, which has it
    loaded); it takes the same arguments.
    """
    metadata: dict[str, Any] = {}
    need = [ep for ep in ("device_authorization", "token") if ep not in settings.endpoints]
    # settings_from_args has checked the client ID and that an issuer is there when needed.
    if settings.discovery != "none" and need and settings.issuer:
        if discover is None:
            from device_app.engine.discovery import discover as discover_here

            discover = discover_here
        try:
            metadata = discover(
                settings.issuer,
                transport,
                mode=settings.discovery,
                cache_dir=cache_dir,
                allow_insecure_hosts=settings.insecure_hosts,
                issuer_check=settings.provider_data.get("issuer_check", "exact"),
            )
        except DeviceAppError as e:  # TransportError included
            templates = settings.provider_data.get("endpoints") or {}
            if not all(ep in templates for ep in need):
                raise
            log.warning("discovery failed (%s); using the profile's endpoints", e)
    overrides = {"%s_endpoint" % k: v for k, v in settings.endpoints.items()}
    return _build(settings, metadata, overrides)


def _build(settings: Settings, metadata: dict[str, Any], overrides: dict[str, str]) -> Profile:
    profile: Profile = build_profile(
        settings.provider,
        settings.client_id,
        issuer=settings.issuer,
        metadata=metadata,
        overrides=overrides,
        client_secret=settings.client_secret,
        scope=settings.scope,
        client_auth=settings.client_auth,
        extra_params=dict(settings.extra_params),
        insecure_hosts=settings.insecure_hosts,
        dpop=settings.dpop == "on"
        or (settings.dpop == "auto" and "ES256" in metadata.get(DPOP_ALGS, ())),
    )
    return profile
