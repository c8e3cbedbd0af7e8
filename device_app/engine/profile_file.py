"""The profile TOML file (``--provider FILE``): its keys, their types, and reading it.

A client secret never belongs in it: it comes only from the environment.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from device_app.core.errors import ConfigurationError
from device_app.core.profile import ENDPOINT_NAMES
from device_app.engine.config import SECRET_ENV

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
    "dpop": str,
}


def load_profile_file(path: Path) -> dict[str, Any]:
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
