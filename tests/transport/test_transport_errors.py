"""How low-level failures become TransportError reasons (unit level, no network)."""

from __future__ import annotations

import errno
import http.client
import socket

import pytest

from device_app.core.errors import ConfigurationError
from device_app.engine.content_coding import UndecodableBody
from device_app.engine.transport import (
    HttpTransport,
    _classify,
    _ConnectTimedOut,
    _host_of,
    _ProxyFailed,
)


def raised_from(outer: Exception, inner: Exception) -> Exception:
    """``outer`` raised while handling ``inner`` (``raise outer from inner``), as the transport
    wraps a connect timeout or a proxy's failure."""
    try:
        try:
            raise inner
        except Exception as low:
            raise outer from low
    except Exception as caught:
        return caught


T = HttpTransport(connect_timeout=2, total_timeout=9)
HOST = "auth.example.test"


def test_dns_failure_is_connect() -> None:
    gai = socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    err = _classify(gai, HOST, False, T)
    assert err.reason == "connect"
    assert err.message == f"Could not talk to {HOST}: the host name could not be resolved."


def test_unreachable_network_is_connect() -> None:
    os_err = OSError(errno.ENETUNREACH, "Network is unreachable")
    err = _classify(os_err, HOST, False, T)
    assert (err.reason, "unreachable" in err.message) == ("connect", True)


def test_blackholed_connect_is_timeout_with_the_connect_budget() -> None:
    exc = raised_from(_ConnectTimedOut(), TimeoutError("timed out"))
    err = _classify(exc, HOST, False, T)
    assert err.reason == "timeout"
    assert "within 2 seconds" in err.message


def test_a_read_timeout_is_timeout_with_the_total_budget() -> None:
    err = _classify(TimeoutError("timed out"), HOST, False, T)
    assert err.reason == "timeout"
    assert "within 9 seconds" in err.message


def test_anything_after_the_deadline_fired_is_timeout() -> None:
    err = _classify(http.client.IncompleteRead(b"x", 10), HOST, True, T)
    assert err.reason == "timeout"
    assert "within 9 seconds" in err.message


def test_decode_error_is_other() -> None:
    err = _classify(UndecodableBody("bad gzip"), HOST, False, T)
    assert err.reason == "other"
    assert "could not be decompressed" in err.message


@pytest.mark.parametrize(
    "inner",
    [
        ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused"),
        OSError("Tunnel connection failed: 403 Forbidden"),
        socket.gaierror(socket.EAI_NONAME, "Name or service not known"),
    ],
)
def test_a_proxy_failure_is_connect_and_names_the_proxy(inner: Exception) -> None:
    err = _classify(raised_from(_ProxyFailed(), inner), HOST, False, T)
    assert err.reason == "connect"
    assert err.message == f"Could not talk to {HOST}: the proxy refused or failed the connection."


def test_programming_errors_are_not_disguised() -> None:
    with pytest.raises(KeyError):
        _classify(KeyError("bug"), HOST, False, T)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://user:pw@auth.example.test/token", "auth.example.test"),
        ("https://auth.example.test:8443/x?code=1", "auth.example.test:8443"),
        ("http://[::1]:9/x", "[::1]:9"),
        ("not a url", "the server"),
        ("http://[bad/", "the server"),
    ],
)
def test_messages_name_the_host_only(url: str, shown: str) -> None:
    assert _host_of(url) == shown


@pytest.mark.parametrize("kw", [{"total_timeout": 0}, {"connect_timeout": -1}, {"max_body": 0}])
def test_bad_settings_are_configuration_errors(kw: dict[str, float]) -> None:
    with pytest.raises(ConfigurationError):
        HttpTransport(**kw)  # type: ignore[arg-type]
