"""Which HTTP proxy the environment names for a URL: ``HTTPS_PROXY``, ``HTTP_PROXY``, ``NO_PROXY``.

The same variables curl and requests read: ``https_proxy`` for https URLs, ``http_proxy`` for
http ones, ``all_proxy`` for either when those are unset; the lower-case name wins over the
upper-case one, and an empty value means "no proxy". ``HTTP_PROXY`` in upper case is ignored
when ``REQUEST_METHOD`` is set: in a CGI program it comes from the client's ``Proxy:`` header
("httpoxy"). ``no_proxy`` lists hosts reached directly (see :func:`bypasses`).

``urllib.request`` would answer the same question, but importing it costs more than the
whole transport; this module needs ``os`` and ``urllib.parse`` only.
"""

from __future__ import annotations

import binascii
import os
from collections.abc import Mapping
from urllib.parse import unquote, urlsplit


class ProxySettingError(ValueError):
    """A proxy variable holds something other than an ``http://host:port`` URL."""

    def __init__(self, variable: str) -> None:
        super().__init__(variable)
        self.variable = variable  # never the value: it may hold a password


class Proxy:
    """An HTTP proxy: where it listens and the ``Proxy-Authorization`` to send it, if any."""

    __slots__ = ("authorization", "host", "port")

    def __init__(self, host: str, port: int, authorization: str | None) -> None:
        self.host = host
        self.port = port
        self.authorization = authorization

    def key(self) -> tuple[str, int, str | None]:
        return (self.host, self.port, self.authorization)


def proxy_for(
    scheme: str, host: str, port: int, environ: Mapping[str, str] | None = None
) -> Proxy | None:
    """The proxy to use for ``scheme://host:port``, or None to connect directly."""
    env = os.environ if environ is None else environ
    found = _variable(env, scheme + "_proxy") or _variable(env, "all_proxy")
    if found is None:
        return None
    name, value = found
    no_proxy = _variable(env, "no_proxy")
    if no_proxy is not None and bypasses(no_proxy[1], host, port):
        return None
    return _parse(name, value)


def _variable(env: Mapping[str, str], name: str) -> tuple[str, str] | None:
    """(the name found, its value) for ``name`` in lower or upper case; None if unset/empty."""
    for candidate in (name, name.upper()):
        if candidate == "HTTP_PROXY" and "REQUEST_METHOD" in env:
            continue  # httpoxy: set by a CGI server from the client's request
        if candidate in env:
            value = env[candidate].strip()
            return (candidate, value) if value else None
    return None


def _parse(name: str, value: str) -> Proxy:
    if "://" not in value:
        value = "http://" + value  # "proxy:3128", as curl and requests read it
    try:
        parts = urlsplit(value)
        port = parts.port or 80
    except ValueError:
        raise ProxySettingError(name) from None
    if parts.scheme.lower() != "http" or not parts.hostname:
        # https:// proxies (TLS to the proxy itself) and SOCKS are not supported.
        raise ProxySettingError(name)
    authorization = None
    if parts.username is not None:
        pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()
        authorization = "Basic " + binascii.b2a_base64(pair, newline=False).decode("ascii")
    return Proxy(parts.hostname, port, authorization)


def bypasses(no_proxy: str, host: str, port: int) -> bool:
    """True when ``no_proxy`` says to reach ``host:port`` directly, as curl and requests read it.

    Entries are separated by commas (or spaces). ``*`` alone matches every host. A name
    matches itself and every name below it (``example.com`` and ``.example.com`` both match
    ``example.com`` and ``auth.example.com``, not ``badexample.com``); an IP address matches
    itself, or every address in it when written as a network (``10.0.0.0/8``, ``fd00::/8``);
    IPv6 addresses may be in brackets. ``:port`` after an entry restricts it to that port.
    """
    host = host.lower().rstrip(".").strip("[]")
    for raw in no_proxy.replace(" ", ",").split(","):
        entry = raw.strip().lower()
        if entry == "*":
            return True
        name, entry_port = _split_port(entry)
        if not name or (entry_port is not None and entry_port != port):
            continue
        if "/" in name:
            if _in_network(host, name):
                return True
            continue
        name = name.lstrip(".").rstrip(".")
        if name and (host == name or host.endswith("." + name)):
            return True
    return False


def _split_port(entry: str) -> tuple[str, int | None]:
    """``host:port`` -> (host, port); a bare IPv6 address (more than one ``:``) has no port."""
    if entry.startswith("["):
        addr, _, rest = entry[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ""
        return addr, int(port) if port.isdigit() else None
    if entry.count(":") == 1:
        name, _, port = entry.partition(":")
        return (name, int(port)) if port.isdigit() else (entry, None)
    return entry, None


def _in_network(host: str, network: str) -> bool:
    import ipaddress  # only for a NO_PROXY entry written as a network

    try:
        return ipaddress.ip_address(host) in ipaddress.ip_network(network, strict=False)
    except ValueError:
        return False  # host is a name, or the entry is not a network
