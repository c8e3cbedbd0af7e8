"""Provider settings from flags, a profile TOML file and the environment, validated once.

Order of precedence: command-line flags, then the profile file named by ``--provider FILE``,
then the shipped provider profile. A client secret comes only from the environment
(``DEVICE_APP_CLIENT_SECRET``), never from a flag (it would show in ``ps``) or a file.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from device_app.core.errors import ConfigurationError, DeviceAppError
from device_app.core.profile import CLIENT_AUTH, ENDPOINT_NAMES, Profile, build_profile
from device_app.core.providers import PROVIDERS
from device_app.core.sanitize import check_uri
from device_app.engine.locations import default_token_store

log = logging.getLogger("device_app.engine.config")

SECRET_ENV = "DEVICE_APP_CLIENT_SECRET"  # noqa: S105 - the name of a variable, not a secret
DISCOVERY_MODES = ("auto", "oidc", "oauth", "none")

_FILE_KEYS: dict[str, Any] = {
    "provider": str,
    "issuer": str,
    "client_id": str,
    "scope": str,
    "audience": str,
    "client_auth": str,
    "discovery": str,
    "insecure_hosts": list,
    "token_store": str,
    "ca_bundle": str,
    "endpoints": dict,
}


@dataclass(frozen=True)
class Settings:
    """What the user asked for, before any network access."""

    provider: str
    provider_data: Mapping[str, Any]
    issuer: str | None
    client_id: str | None
    client_secret: str | None = field(repr=False)
    scope: str | None
    client_auth: str | None
    extra_params: Mapping[str, str]
    endpoints: Mapping[str, str]
    discovery: str
    insecure_hosts: tuple[str, ...]
    token_store: str
    ca_bundle: str | None

    @property
    def store_profile(self) -> str:
        """File name (without suffix) of this device profile's token store."""
        raw = "%s-%s" % (self.provider, self.client_id or "client")
        return re.sub(r"[^A-Za-z0-9._-]", "_", raw)[:64]


def add_provider_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags every command that talks to the provider takes."""
    g = parser.add_argument_group("provider")
    g.add_argument(
        "--provider",
        metavar="NAME|FILE",
        help="a shipped profile (%s) or a profile TOML file" % ", ".join(sorted(PROVIDERS)),
    )
    g.add_argument("--issuer", help="issuer URL (tenant, realm or site)")
    g.add_argument("--client-id", help="the OAuth client ID of this device")
    g.add_argument("--scope", help="scopes to ask for, space-separated")
    g.add_argument("--audience", help="the API to get a token for (Auth0)")
    for ep in ENDPOINT_NAMES:
        g.add_argument(
            "--%s-endpoint" % ep.replace("_", "-"),
            metavar="URL",
            help="the %s endpoint, instead of the discovered one" % ep.replace("_", " "),
        )
    g.add_argument("--discovery", choices=DISCOVERY_MODES, help="how to find the endpoints")
    g.add_argument(
        "--allow-insecure-host",
        action="append",
        default=[],
        metavar="HOST",
        help="accept plain http to this host (the simulator's LAN mode); repeatable",
    )
    g.add_argument("--token-store", metavar="DIR", help="folder of the token store")
    g.add_argument("--ca-bundle", metavar="FILE", help="extra CA certificates to trust (PEM)")


def _load_profile_file(path: Path) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise ConfigurationError(
            "%s: cannot read the profile file: %s" % (path, e.strerror)
        ) from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise ConfigurationError("%s: not valid TOML: %s" % (path, e)) from None
    if "client_secret" in data:
        raise ConfigurationError(
            "%s: client_secret does not belong in a file; set %s in the environment"
            % (path, SECRET_ENV)
        )
    for key, value in data.items():
        if key not in _FILE_KEYS:
            raise ConfigurationError(
                "%s: unknown key %r (expected one of: %s)"
                % (path, key, ", ".join(sorted(_FILE_KEYS)))
            )
        if not isinstance(value, _FILE_KEYS[key]):
            raise ConfigurationError(
                "%s: %s must be a %s"
                % (path, key, _FILE_KEYS[key].__name__.replace("str", "string"))
            )
    for key in data.get("endpoints", {}):
        if key not in ENDPOINT_NAMES:
            raise ConfigurationError(
                "%s: unknown endpoint %r (expected: %s)" % (path, key, ", ".join(ENDPOINT_NAMES))
            )
        if not isinstance(data["endpoints"][key], str):
            raise ConfigurationError("%s: endpoints.%s must be a string URL" % (path, key))
    for host in data.get("insecure_hosts", []):
        if not isinstance(host, str):
            raise ConfigurationError("%s: insecure_hosts must be a list of host names" % path)
    return data


def settings_from_args(args: argparse.Namespace, default_store: str | None = None) -> Settings:
    """Validate flags (+ profile file + environment) into :class:`Settings`."""
    file_data: dict[str, Any] = {}
    profile_file = ""
    provider = args.provider or "oidc"
    if provider not in PROVIDERS:
        path = Path(provider)
        profile_file = str(path)
        if path.suffix != ".toml" and not path.exists():
            raise ConfigurationError(
                "unknown provider %r: use one of %s, or a profile .toml file"
                % (provider, ", ".join(sorted(PROVIDERS)))
            )
        file_data = _load_profile_file(path)
        provider = file_data.get("provider", "oidc")
        if provider not in PROVIDERS:
            raise ConfigurationError("%s: unknown provider %r" % (path, provider))
    data = PROVIDERS[provider]

    def pick(flag: str, key: str | None = None) -> Any:
        value = getattr(args, flag, None)
        return value if value not in (None, "") else file_data.get(key or flag)

    endpoints = dict(file_data.get("endpoints", {}))
    for ep in ENDPOINT_NAMES:
        v = getattr(args, "%s_endpoint" % ep, None)
        if v:
            endpoints[ep] = v
    discovery = pick("discovery") or data.get("discovery", "auto")
    if discovery not in DISCOVERY_MODES:
        raise ConfigurationError("discovery must be one of %s" % ", ".join(DISCOVERY_MODES))
    client_auth = file_data.get("client_auth")
    if client_auth is not None and client_auth not in CLIENT_AUTH:
        raise ConfigurationError("client_auth must be one of %s" % ", ".join(CLIENT_AUTH))
    extra = {}
    audience = pick("audience")
    if audience:
        extra["audience"] = audience
    store = pick("token_store") or default_store or str(default_token_store())
    insecure = tuple(args.allow_insecure_host or ()) + tuple(file_data.get("insecure_hosts", ()))
    issuer = pick("issuer") or data.get("issuer")
    client_id = pick("client_id", "client_id")
    secret = os.environ.get(SECRET_ENV) or None
    _check_offline(
        provider, data, issuer, client_id, secret, endpoints, discovery, insecure, profile_file
    )
    return Settings(
        provider=provider,
        provider_data=data,
        issuer=issuer,
        client_id=client_id,
        client_secret=secret,
        scope=pick("scope"),
        client_auth=client_auth,
        extra_params=extra,
        endpoints=endpoints,
        discovery=discovery,
        insecure_hosts=tuple(args.allow_insecure_host or ())
        + tuple(file_data.get("insecure_hosts", ())),
        token_store=store,
        ca_bundle=pick("ca_bundle"),
    )


def _check_offline(
    provider: str,
    data: Mapping[str, Any],
    issuer: str | None,
    client_id: str | None,
    secret: str | None,
    endpoints: Mapping[str, str],
    discovery: str,
    insecure: tuple[str, ...],
    profile_file: str = "",
) -> None:
    """Every check that needs no network, so that a typo never costs a request."""
    if not client_id:
        raise ConfigurationError(
            "no client ID: give --client-id (or client_id in %s)"
            % (profile_file or "the profile file")
        )
    if data.get("requires_secret") and not secret:
        raise ConfigurationError(
            "%s needs the client secret: set %s in the environment" % (data["title"], SECRET_ENV)
        )
    templates = data.get("endpoints") or {}
    needs_issuer = discovery != "none" and not all(
        ep in endpoints for ep in ("device_authorization", "token")
    )
    for ep in ENDPOINT_NAMES:
        if ep not in endpoints and "{" in str(templates.get(ep, "")):
            needs_issuer = True
    if needs_issuer and not issuer:
        raise ConfigurationError(
            "%s needs --issuer (for example %s)"
            % (data["title"], data.get("issuer_hint", "https://login.example.com"))
        )
    for what, url in [("issuer", issuer)] + [("%s endpoint" % k, v) for k, v in endpoints.items()]:
        if url:
            try:
                check_uri(url, insecure)
            except ValueError as e:
                raise ConfigurationError("the %s %s is not usable: %s" % (what, url, e)) from None


def resolve_profile(settings: Settings, transport: Any, cache_dir: Path | None) -> Profile:
    """Discover endpoints where the provider publishes them and build the :class:`Profile`.

    Discovery failure falls back to the profile's endpoint templates; with none, it is an error.
    """
    metadata: dict[str, Any] = {}
    need = [ep for ep in ("device_authorization", "token") if ep not in settings.endpoints]
    # settings_from_args has checked the client ID and that an issuer is there when needed.
    if settings.discovery != "none" and need and settings.issuer:
        from device_app.engine.discovery import discover

        try:
            metadata = discover(
                settings.issuer,
                transport,
                mode=settings.discovery,
                cache_dir=cache_dir,
                allow_insecure_hosts=settings.insecure_hosts,
            )
        except DeviceAppError as e:  # TransportError included
            templates = settings.provider_data.get("endpoints") or {}
            if not all(ep in templates for ep in need):
                raise
            log.warning("discovery failed (%s); using the profile's endpoints", e)
    overrides = {"%s_endpoint" % k: v for k, v in settings.endpoints.items()}
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
    )
    return profile
