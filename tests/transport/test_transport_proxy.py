"""Proxies from the environment, through a real forwarding proxy on 127.0.0.1: https through a
CONNECT tunnel (still verified end to end), http in absolute form, NO_PROXY, proxy failures."""

from __future__ import annotations

import base64
import time
from collections.abc import Callable

import pytest

from device_app.core.errors import TransportError
from device_app.core.http import Request
from device_app.engine.transport import HttpTransport

from .conftest import ServerFactory
from .servers import Captured, CertFactory, Conn, ForwardProxy, closed_port, respond

pytestmark = pytest.mark.timeout(20)

ProxyFactory = Callable[..., ForwardProxy]
REFUSED = "the proxy refused or failed the connection"


def ok(conn: Conn, req: Captured) -> bool:
    conn.send(respond(200, b'{"ok": true}', keep_alive=True))
    return True


def fails(transport: HttpTransport, url: str) -> TransportError:
    with pytest.raises(TransportError) as info:
        transport(Request("GET", url))
    return info.value


def test_https_goes_through_a_connect_tunnel_and_is_still_verified(
    serve: ServerFactory,
    certs: CertFactory,
    forward_proxy: ProxyFactory,
    proxy_env: pytest.MonkeyPatch,
) -> None:
    server = serve(ok, tls=certs.server_context())
    proxy = forward_proxy()
    proxy_env.setenv("HTTPS_PROXY", proxy.url)
    transport = HttpTransport(ca_bundle=str(certs.ca_path), total_timeout=5)
    for _ in range(2):
        assert transport(Request("GET", server.url("/x"))).body == b'{"ok": true}'
    connect = proxy.heads[0]
    assert (connect.method, connect.target) == ("CONNECT", f"127.0.0.1:{server.port}")
    assert connect.header("Host") == f"127.0.0.1:{server.port}"
    assert connect.header("Proxy-Authorization") is None
    assert [r.target for r in server.requests] == ["/x", "/x"]  # origin form inside the tunnel
    assert server.requests[0].header("Host") == f"127.0.0.1:{server.port}"
    assert (len(proxy.heads), proxy.connections, server.connections) == (1, 1, 1)  # reused
    # The tunnel does not weaken verification: without the CA the server is refused.
    err = fails(HttpTransport(total_timeout=5), server.url("/x"))
    assert err.reason == "tls"


def test_http_goes_to_the_proxy_in_absolute_form(
    serve: ServerFactory, forward_proxy: ProxyFactory, proxy_env: pytest.MonkeyPatch
) -> None:
    server = serve(ok)
    proxy = forward_proxy()
    proxy_env.setenv("http_proxy", f"user%40home:p%3Ass@127.0.0.1:{proxy.port}")  # no scheme
    resp = HttpTransport(total_timeout=5)(Request("GET", server.url("/a?b=c")))
    assert resp.status == 200
    head = proxy.heads[0]
    assert head.target == f"http://127.0.0.1:{server.port}/a?b=c"
    assert head.header("Host") == f"127.0.0.1:{server.port}"
    credentials = base64.b64encode(b"user@home:p:ss").decode()
    assert head.header("Proxy-Authorization") == f"Basic {credentials}"
    assert server.requests[0].target == f"http://127.0.0.1:{server.port}/a?b=c"


def test_proxy_credentials_go_with_the_connect_only(
    serve: ServerFactory,
    certs: CertFactory,
    forward_proxy: ProxyFactory,
    proxy_env: pytest.MonkeyPatch,
) -> None:
    server = serve(ok, tls=certs.server_context())
    proxy = forward_proxy()
    proxy_env.setenv("https_proxy", f"http://tv:secret@127.0.0.1:{proxy.port}")
    HttpTransport(ca_bundle=str(certs.ca_path))(Request("GET", server.url("/x")))
    assert proxy.heads[0].header("Proxy-Authorization") == "Basic dHY6c2VjcmV0"
    assert server.requests[0].header("Proxy-Authorization") is None


@pytest.mark.parametrize(
    "no_proxy", ["127.0.0.1", "localhost,127.0.0.1", ".0.0.1", "*", "127.0.0.0/8", " 127.0.0.1 "]
)
def test_no_proxy_goes_direct(
    serve: ServerFactory, forward_proxy: ProxyFactory, proxy_env: pytest.MonkeyPatch, no_proxy: str
) -> None:
    server = serve(ok)
    proxy = forward_proxy()
    proxy_env.setenv("HTTP_PROXY", proxy.url)
    proxy_env.setenv("NO_PROXY", no_proxy)
    assert HttpTransport()(Request("GET", server.url("/x"))).status == 200
    assert proxy.heads == [] and server.requests[0].target == "/x"


def test_no_proxy_with_another_port_still_uses_the_proxy(
    serve: ServerFactory, forward_proxy: ProxyFactory, proxy_env: pytest.MonkeyPatch
) -> None:
    server = serve(ok)
    proxy = forward_proxy()
    proxy_env.setenv("HTTP_PROXY", proxy.url)
    proxy_env.setenv("no_proxy", f"127.0.0.1:{closed_port()}")
    assert HttpTransport()(Request("GET", server.url("/x"))).status == 200
    assert len(proxy.heads) == 1


def test_a_refused_connect_is_a_proxy_failure(
    serve: ServerFactory,
    certs: CertFactory,
    forward_proxy: ProxyFactory,
    proxy_env: pytest.MonkeyPatch,
) -> None:
    server = serve(ok, tls=certs.server_context())
    proxy = forward_proxy(refuse=True)
    proxy_env.setenv("HTTPS_PROXY", proxy.url)
    err = fails(HttpTransport(ca_bundle=str(certs.ca_path)), server.url("/x"))
    assert err.reason == "connect"
    assert err.message == f"Could not talk to 127.0.0.1:{server.port}: {REFUSED}."
    assert server.requests == []


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_a_proxy_nobody_listens_on_is_a_proxy_failure(
    scheme: str, proxy_env: pytest.MonkeyPatch
) -> None:
    proxy_env.setenv(f"{scheme}_proxy", f"http://127.0.0.1:{closed_port()}")
    err = fails(HttpTransport(), f"{scheme}://auth.example.test/token")
    assert err.reason == "connect" and REFUSED in err.message
    assert "auth.example.test" in err.message


def test_a_stalled_connect_is_cut_at_the_deadline(
    serve: ServerFactory, proxy_env: pytest.MonkeyPatch
) -> None:
    def silent(conn: Conn, req: Captured) -> bool:
        conn.wait_closed()  # reads the CONNECT, never answers it
        return False

    proxy = serve(silent)
    proxy_env.setenv("HTTPS_PROXY", proxy.url())
    start = time.monotonic()
    err = fails(HttpTransport(connect_timeout=1, total_timeout=1), "https://auth.example.test/")
    assert err.reason == "timeout" and time.monotonic() - start < 1.8


@pytest.mark.parametrize("value", ["socks5://127.0.0.1:1080", "https://127.0.0.1:3128", "http://"])
def test_an_unsupported_proxy_setting_is_named_without_its_value(
    proxy_env: pytest.MonkeyPatch, value: str
) -> None:
    proxy_env.setenv("HTTPS_PROXY", value)
    err = fails(HttpTransport(), "https://auth.example.test/token")
    assert err.reason == "other"
    assert "HTTPS_PROXY" in err.message and "127.0.0.1" not in err.message
