"""The provider flags of the command line, read (with the profile file and the environment)
into :class:`Settings`, and core messages told in terms of these flags.

Order of precedence: command-line flags, then the profile file named by ``--provider FILE``,
then the shipped provider profile. A client secret comes only from the environment
(``DEVICE_APP_CLIENT_SECRET``), never from a flag (it would show in ``ps``) or a file.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from device_app.core.errors import ConfigurationError
from device_app.core.profile import CLIENT_AUTH, ENDPOINT_NAMES
from device_app.core.providers import PROVIDERS
from device_app.core.sanitize import check_uri
from device_app.engine.config import DISCOVERY_MODES, DPOP_MODES, SECRET_ENV, Settings
from device_app.engine.locations import default_token_store
from device_app.engine.profile_file import load_profile_file


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
        "--dpop",
        choices=DPOP_MODES,
        help="bind tokens to a device key (RFC 9449); auto: when the server offers it",
    )
    g.add_argument(
        "--allow-insecure-host",
        action="append",
        default=[],
        metavar="HOST",
        help="accept plain http to this host (the simulator's LAN mode); repeatable",
    )
    g.add_argument("--token-store", metavar="DIR", help="folder of the token store")
    g.add_argument("--ca-bundle", metavar="FILE", help="extra CA certificates to trust (PEM)")


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
        file_data = load_profile_file(path)
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
    dpop = pick("dpop") or data.get("dpop", "auto")
    if dpop not in DPOP_MODES:
        raise ConfigurationError("dpop must be one of %s" % ", ".join(DPOP_MODES))
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
        dpop=dpop,
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
                check_uri(url, insecure, endpoint=True)
            except ValueError as e:
                raise ConfigurationError("the %s %s is not usable: %s" % (what, url, e)) from None


# The core names settings; on the command line they are flags or the environment.
_FLAG_HINTS = [
    ("set %s_endpoint" % ep, "give --%s-endpoint" % ep.replace("_", "-")) for ep in ENDPOINT_NAMES
]
_FLAG_HINTS += [
    ("set the client_id of this device", "give --client-id"),
    ("needs its issuer", "needs --issuer"),
    ("set client_secret", "set %s in the environment" % SECRET_ENV),
]


def with_flag_hints(message: str) -> str:
    """A core message with the settings it names told as this command line's flags."""
    for setting, flag in _FLAG_HINTS:
        message = message.replace(setting, flag)
    return message
