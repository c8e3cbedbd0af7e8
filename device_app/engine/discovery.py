"""Authorization-server metadata: OpenID Connect discovery and RFC 8414, with a disk cache.

Where the document lives
    OIDC Discovery 1.0 §4 appends ``/.well-known/openid-configuration`` to the issuer.
    RFC 8414 §3.1 inserts ``/.well-known/oauth-authorization-server`` between the host and
    the issuer's path; some servers publish it OIDC-style (appended) instead, so both are
    tried. ``mode="auto"`` tries OIDC first, then the two RFC 8414 forms.

What is trusted
    Nothing the server says is, until checked: the body must be one JSON object without
    duplicate keys; ``issuer`` must be the issuer we asked for (``issuer_matches`` in
    core/profile.py: exact, or Microsoft's templated one for a ``lenient`` provider); every
    ``*_endpoint`` and ``jwks_uri`` must pass the package's one URL policy for endpoints
    (``check_uri`` in core/sanitize.py; plain http only for loopback hosts or hosts the caller
    lists in ``allow_insecure_hosts``).

Cache
    One JSON file per issuer (a hash of it names the file), mode 0600, written atomically.
    A fresh entry (younger than ``ttl`` by the wall clock) is used without the network. When
    fetching fails, a stale entry is used instead and that is logged once at INFO.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from device_app.core.errors import (
    REASON_SERVER,
    ConfigurationError,
    DeviceAppError,
    ProtocolError,
    TransportError,
)
from device_app.core.http import Request, Response
from device_app.core.jsonparse import json_object
from device_app.core.profile import ISSUER_CHECKS, issuer_matches
from device_app.core.responses import retry_after
from device_app.core.sanitize import check_uri
from device_app.engine.private_files import make_private_dirs

log = logging.getLogger("device_app.engine.discovery")


Transport = Callable[[Request], Response]

MODES = ("auto", "oidc", "oauth")
OIDC_SUFFIX = "/.well-known/openid-configuration"  # OIDC Discovery 1.0 §4
OAUTH_SUFFIX = "/.well-known/oauth-authorization-server"  # RFC 8414 §3.1 / §7.3
# 24 h: metadata changes rarely; OIDC Discovery gives no lifetime, and a day bounds how long
# a moved endpoint keeps failing on a device that is left running.
DEFAULT_TTL = 86400.0
# Lists passed through when they hold only strings (RFC 8414 §2 names them all).
_LISTS = (
    "grant_types_supported",
    "response_types_supported",
    "scopes_supported",
    "token_endpoint_auth_methods_supported",
    "revocation_endpoint_auth_methods_supported",
    "introspection_endpoint_auth_methods_supported",
    "code_challenge_methods_supported",
    "claims_supported",
    "subject_types_supported",
    "id_token_signing_alg_values_supported",
    "dpop_signing_alg_values_supported",  # RFC 9449 §5.1
)
_CACHE_VERSION = 1

_stale_logged: set[str] = set()


def discover(
    issuer: str,
    transport: Transport,
    *,
    mode: str = "auto",
    cache_dir: Path | None = None,
    ttl: float = DEFAULT_TTL,
    wall: Callable[[], float] = time.time,
    allow_insecure_hosts: Iterable[str] = (),
    issuer_check: str = "exact",
) -> dict[str, Any]:
    """Fetch, check and cache the metadata of ``issuer``; return the checked fields.

    ``issuer_check`` is the provider profile's (``exact`` or ``lenient``, see issuer_matches).

    Raises ConfigurationError for a bad ``issuer`` or ``mode``, TransportError when no
    usable answer arrived, ProtocolError when the answer is not acceptable metadata;
    either of the last two only when no cached copy (fresh or stale) exists.
    """
    if mode not in MODES:
        raise ConfigurationError(
            f"Discovery mode must be one of {', '.join(MODES)}, not {_quote(mode)}."
        )
    if issuer_check not in ISSUER_CHECKS:
        raise ConfigurationError(
            f"issuer_check must be one of {', '.join(ISSUER_CHECKS)}, not {_quote(issuer_check)}."
        )
    insecure = frozenset(h.lower() for h in allow_insecure_hosts)
    _check_issuer(issuer, insecure)
    check = (insecure, issuer_check)
    cache = _cache_path(cache_dir, issuer) if cache_dir is not None else None
    cached = _read_cache(cache, issuer, mode, check) if cache is not None else None
    if cached is not None:
        age = wall() - cached[0]
        if 0 <= age < ttl:  # a negative age means the clock moved back: refetch
            log.debug("discovery for %s from cache (%.0f s old)", issuer, age)
            return cached[2]
    try:
        kind, metadata = _fetch(issuer, transport, mode, check)
    except (TransportError, ProtocolError) as exc:
        if cached is None:
            raise
        if issuer not in _stale_logged:
            _stale_logged.add(issuer)
            log.info(
                "Discovery for %s failed (%s); using the cached copy from %s.",
                issuer,
                exc,
                time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(cached[0])),
            )
        return cached[2]
    if cache is not None:
        _write_cache(cache, issuer, kind, wall(), metadata)
    return metadata


def candidate_urls(issuer: str, mode: str) -> list[tuple[str, str]]:
    """The (kind, URL) pairs to try, in order, without duplicates."""
    base = issuer.rstrip("/")
    parts = urlsplit(base)
    inserted = f"{parts.scheme}://{parts.netloc}{OAUTH_SUFFIX}{parts.path}"
    pairs: list[tuple[str, str]] = []
    if mode in ("auto", "oidc"):
        pairs.append(("oidc", base + OIDC_SUFFIX))
    if mode in ("auto", "oauth"):
        pairs.append(("oauth", inserted))
        if base + OAUTH_SUFFIX != inserted:  # the same URL when the issuer has no path
            pairs.append(("oauth", base + OAUTH_SUFFIX))
    return pairs


# --- fetching --------------------------------------------------------------------------------


def _fetch(
    issuer: str, transport: Transport, mode: str, check: tuple[frozenset[str], str]
) -> tuple[str, dict[str, Any]]:
    tried: list[str] = []
    for kind, url in candidate_urls(issuer, mode):
        resp = transport(Request("GET", url, headers={"Accept": "application/json"}))
        status: int = resp.status
        if status == 429 or status >= 500:
            # The server is there but busy or broken: another URL on it will not help.
            raise TransportError(
                f"{_host(issuer)} answered discovery with HTTP {status}; try again later.",
                reason=REASON_SERVER,
                retry_after=retry_after(resp),
            )
        if status != 200:
            tried.append(f"{url} (HTTP {status})")
            continue
        doc = _parse(resp.body)
        if doc is None:
            tried.append(f"{url} (not a JSON object)")
            continue
        return kind, validate(doc, issuer, *check)
    raise ProtocolError(
        f"No discovery document found for {issuer}: tried {'; '.join(tried)}. "
        "Check the issuer URL, or configure the endpoints by hand."
    )


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            # A second "issuer" or "token_endpoint" could smuggle a value past a checker that
            # reads the other one; refuse rather than pick.
            raise ProtocolError(
                f"The discovery document repeats the key {_quote(str(k))}; refusing it."
            )
        out[k] = v
    return out


def _strict_loads(text: str) -> Any:
    return json.loads(text, object_pairs_hook=_no_duplicates)


def _parse(body: bytes) -> dict[str, Any] | None:
    """The body as a JSON object, or None when it is not one (an HTML page, a list, junk)."""
    doc: dict[str, Any] | None = json_object(body, _strict_loads)
    return doc


# --- validation ------------------------------------------------------------------------------


def validate(
    doc: dict[str, Any],
    issuer: str,
    allow_insecure_hosts: Iterable[str] = (),
    issuer_check: str = "exact",
) -> dict[str, Any]:
    """Check a metadata document for ``issuer`` and return the fields this client uses.

    Raises ProtocolError naming the field and what was wrong with it.
    """
    insecure = frozenset(h.lower() for h in allow_insecure_hosts)
    got = doc.get("issuer")
    if not isinstance(got, str) or not got:
        raise ProtocolError("The discovery document has no issuer.")
    if not issuer_matches(issuer, got, issuer_check):
        raise ProtocolError(
            f"The discovery document is for issuer {_quote(got)}, not {_quote(issuer)}; "
            "check the configured issuer (it must match exactly)."
        )
    out: dict[str, Any] = {"issuer": got}
    for key, value in doc.items():
        if key.endswith("_endpoint") or key == "jwks_uri":
            problem = _url_problem(value, insecure)
            if problem:
                raise ProtocolError(f"The discovery document's {_quote(key)} {problem}.")
            out[key] = value
        elif key in _LISTS and isinstance(value, list):
            if all(isinstance(v, str) for v in value):
                out[key] = list(value)
            else:
                log.debug("discovery: ignoring %s, which is not a list of strings", key)
    return out


def _url_problem(value: object, insecure: frozenset[str]) -> str | None:
    """Why ``value`` is not an acceptable endpoint URL, or None when it is."""
    if not isinstance(value, str):
        return "is not a string"
    try:
        check_uri(value, tuple(insecure), endpoint=True)
    except ValueError as e:
        return f"is refused: {e} ({_quote(value)})"
    return None


def _check_issuer(issuer: str, insecure: frozenset[str]) -> None:
    problem = _url_problem(issuer, insecure) if isinstance(issuer, str) else "is not a string"
    if problem is None and (urlsplit(issuer).query or urlsplit(issuer).fragment):
        problem = "has a query or fragment (RFC 8414 §2 forbids both)"
    if problem:
        raise ConfigurationError(f"The issuer {problem}.")


# --- the cache -------------------------------------------------------------------------------


def _cache_path(cache_dir: Path, issuer: str) -> Path:
    import hashlib  # here: loading OpenSSL's hashes costs 2-4 ms at import, unneeded till now

    digest = hashlib.sha256(issuer.rstrip("/").encode("utf-8")).hexdigest()[:32]
    return cache_dir / f"discovery-{digest}.json"


def _read_cache(
    path: Path, issuer: str, mode: str, check: tuple[frozenset[str], str]
) -> tuple[float, str, dict[str, Any]] | None:
    """(fetched_at, kind, metadata) from the cache file, or None if absent or unusable."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(fd, "rb") as f:
            raw = f.read(1 << 20)
        entry = json.loads(raw.decode("utf-8"))
        fetched_at = float(entry["fetched_at"])
        kind = entry["kind"]
        if entry["version"] != _CACHE_VERSION or entry["issuer"] != issuer.rstrip("/"):
            return None
        if mode != "auto" and kind != mode:
            return None
        # Checked again: the file may come from an older version or have been edited.
        metadata = validate(entry["metadata"], issuer, *check)
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError, DeviceAppError) as exc:
        log.debug("discovery cache %s unusable (%s); ignoring it", path.name, type(exc).__name__)
        return None
    if not isinstance(kind, str) or fetched_at != fetched_at:  # NaN check
        return None
    return fetched_at, kind, metadata


def _write_cache(path: Path, issuer: str, kind: str, now: float, metadata: dict[str, Any]) -> None:
    """Write atomically (temp file, fsync, rename); a failure only costs the cache."""
    entry = {
        "version": _CACHE_VERSION,
        "issuer": issuer.rstrip("/"),
        "kind": kind,
        "fetched_at": now,
        "metadata": metadata,
    }
    data = json.dumps(entry, indent=1, sort_keys=True).encode("utf-8")
    tmp: str | None = None
    try:
        make_private_dirs(path.parent)  # 0700 whatever the umask, parents included
        fd, tmp = tempfile.mkstemp(prefix=".discovery-", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as f:
            os.fchmod(f.fileno(), 0o600)  # mkstemp makes 0600; say so regardless of platform
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
        tmp = None
    except OSError as exc:
        log.warning(
            "Could not write the discovery cache in %s (%s); continuing without it.",
            path.parent,
            exc.strerror or type(exc).__name__,
        )
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass


# --- small helpers ---------------------------------------------------------------------------


def _quote(value: str, limit: int = 80) -> str:
    """A server string made safe to show: escaped (repr) and cut to ``limit`` characters."""
    return repr(value[:limit]) + ("..." if len(value) > limit else "")


def _host(url: str) -> str:
    try:
        return urlsplit(url).hostname or "the server"
    except ValueError:
        return "the server"
