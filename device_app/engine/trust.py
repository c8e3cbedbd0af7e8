"""Which certificate authorities the transport trusts: the system's, certifi's, and a
``ca_bundle`` the settings add. Verification and host-name checks are never off.

Its own module so that a ``ca_bundle`` is checked at start-up with ``ssl`` alone, without
bringing in ``http.client`` and the transport before the first screen.
"""

from __future__ import annotations

import os
import re
import ssl

from device_app.core.errors import ConfigurationError

_HASHED = re.compile(r"[0-9a-f]{8}\.[0-9]+")


def tls_context(ca_bundle: str | None) -> ssl.SSLContext:
    """System CAs, certifi's CA bundle and ``ca_bundle``; verification and host checks on.

    Loading the bundles is the slowest part of a first https request (25 ms each here).
    The system's CAs are read from its hashed folder where there is one, as OpenSSL reads a
    CA's file there only when a chain names it; else from its bundle file, all at once.
    Debian, and so Raspberry Pi OS, keeps the folder and the file in step
    (update-ca-certificates), so the CAs trusted are the same either way.
    """
    import certifi  # only for https; the same Mozilla list requests trusted

    folder = ssl.get_default_verify_paths().capath  # SSL_CERT_DIR, else OpenSSL's own
    if folder and _hashed(folder):
        # Defaults otherwise as without the folder: CERT_REQUIRED, check_hostname ...
        context = ssl.create_default_context(capath=folder)
    else:
        context = ssl.create_default_context()
    if context.minimum_version < ssl.TLSVersion.TLSv1_2:
        context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_verify_locations(cafile=certifi.where())
    if ca_bundle is not None:
        _add_ca_bundle(context, ca_bundle)
    return context


def _hashed(folder: str) -> bool:
    """Whether ``folder`` holds CA certificates under their subject hashes (``5ad8a5d6.0``),
    as OpenSSL looks them up."""
    try:
        names = os.listdir(folder)
    except OSError:
        return False
    return any(_HASHED.fullmatch(name) for name in names)


def check_ca_bundle(ca_bundle: str) -> None:
    """Raise ConfigurationError, saying what to fix, if ``ca_bundle`` cannot be loaded."""
    _add_ca_bundle(ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT), ca_bundle)


def _add_ca_bundle(context: ssl.SSLContext, ca_bundle: str) -> None:
    try:
        context.load_verify_locations(cafile=ca_bundle)
    except (OSError, ssl.SSLError) as exc:
        reason = getattr(exc, "strerror", None) or type(exc).__name__
        raise ConfigurationError(
            f"The CA bundle {ca_bundle!r} could not be loaded ({reason}); "
            "--ca-bundle (ca_bundle in a profile file) must name a readable PEM file of CA "
            "certificates."
        ) from exc
