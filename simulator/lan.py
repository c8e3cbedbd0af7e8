"""Choosing the machine's LAN address for ``--lan`` without sending a packet."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable

# A TEST-NET-1 address (RFC 5737): connecting a UDP socket only picks a route and a
# source address; no datagram is sent.
PROBE_TARGET = ("192.0.2.1", 9)

SocketFactory = Callable[[], socket.socket]


def _usable(addr: str) -> bool:
    try:
        ip = ipaddress.ip_address(addr)
    except ValueError:
        return False
    return not (ip.is_loopback or ip.is_unspecified or ip.is_link_local or ip.is_multicast)


def probe_route_address(make_socket: SocketFactory | None = None) -> str | None:
    """The source address the kernel would use for an outside destination."""
    factory = make_socket or (lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM))
    try:
        sock = factory()
    except OSError:
        return None
    try:
        sock.connect(PROBE_TARGET)
        addr = sock.getsockname()[0]
    except OSError:
        return None
    finally:
        sock.close()
    return str(addr)


def host_addresses() -> list[str]:
    """Addresses the host name resolves to (the fallback when there is no route)."""
    try:
        infos = socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)
    except OSError:
        return []
    return [str(info[4][0]) for info in infos]


def pick_lan_address(
    make_socket: SocketFactory | None = None, fallback: Callable[[], Iterable[str]] = host_addresses
) -> str | None:
    """The first usable non-loopback IPv4 address, or None if this machine has none."""
    first = probe_route_address(make_socket)
    if first and _usable(first):
        return first
    for addr in fallback():
        if _usable(addr):
            return addr
    return None
