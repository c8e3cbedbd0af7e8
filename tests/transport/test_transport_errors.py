"""How low-level failures become TransportError reasons (unit level, no network)."""

from __future__ import annotations

import errno
import socket

import pytest
import requests
import urllib3.exceptions

from device_app.core.errors import ConfigurationError
from device_app.engine.transport import HttpTransport, _classify, _host_of


def wrapped(inner: Exception) -> requests.exceptions.ConnectionError:
    """The shape requests gives: ConnectionError(MaxRetryError(reason=inner))."""
    pool = urllib3.connectionpool.HTTPConnectionPool("auth.example.test")
    try:
        raise inner
    except Exception as low:
        err = urllib3.exceptions.MaxRetryError(pool, "/token", low)
    return requests.exceptions.ConnectionError(err)


T = HttpTransport(connect_timeout=2, total_timeout=9)
HOST = "auth.example.test"


def test_dns_failure_is_connect() -> None:
    gai = socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    inner = urllib3.exceptions.NameResolutionError(HOST, None, gai)  # type: ignore[arg-type]
    err = _classify(wrapped(inner), HOST, False, T)
    assert err.reason == "connect"
    assert err.message == f"Could not talk to {HOST}: the host name could not be resolved."


def test_unreachable_network_is_connect() -> None:
    os_err = OSError(errno.ENETUNREACH, "Network is unreachable")
    inner = urllib3.exceptions.NewConnectionError(None, "failed")  # type: ignore[arg-type]
    inner.__cause__ = os_err
    err = _classify(wrapped(inner), HOST, False, T)
    assert (err.reason, "unreachable" in err.message) == ("connect", True)


def test_blackholed_connect_is_timeout_with_the_connect_budget() -> None:
    inner = urllib3.exceptions.ConnectTimeoutError(None, "timed out")
    err = _classify(requests.exceptions.ConnectTimeout(wrapped(inner)), HOST, False, T)
    assert err.reason == "timeout"
    assert "within 2 seconds" in err.message


def test_anything_after_the_deadline_fired_is_timeout() -> None:
    err = _classify(requests.exceptions.ChunkedEncodingError("x"), HOST, True, T)
    assert err.reason == "timeout"
    assert "within 9 seconds" in err.message


def test_decode_error_is_other() -> None:
    err = _classify(urllib3.exceptions.DecodeError("bad gzip"), HOST, False, T)
    assert err.reason == "other"


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
