"""The TLS context (the CA bundles: 50-75 ms and 2.5 MiB) is built on the first https
request, once, and never for plain http; verification is the same as when built up front."""

from __future__ import annotations

import ssl

import pytest

from device_app.core.http import Request
from device_app.engine import transport
from device_app.engine.transport import HttpTransport

from .conftest import ServerFactory
from .servers import Captured, CertFactory, Conn, respond

pytestmark = pytest.mark.timeout(20)


def ok(conn: Conn, req: Captured) -> bool:
    conn.send(respond(200, b'{"ok": true}'))
    return True  # keep the connection: the second request may reuse it


@pytest.fixture
def built(monkeypatch: pytest.MonkeyPatch) -> list[ssl.SSLContext]:
    """Every TLS context the transports made from now on."""
    made: list[ssl.SSLContext] = []
    real = transport.tls_context

    def counting(ca_bundle: str | None) -> ssl.SSLContext:
        made.append(real(ca_bundle))
        return made[-1]

    monkeypatch.setattr(transport, "tls_context", counting)
    return made


def test_plain_http_never_builds_a_tls_context(
    serve: ServerFactory, built: list[ssl.SSLContext]
) -> None:
    server = serve(ok)
    t = HttpTransport()
    for _ in range(2):
        assert t(Request("GET", server.url("/x"))).status == 200
    assert built == []


def test_the_first_https_request_builds_it_once(
    serve: ServerFactory, certs: CertFactory, built: list[ssl.SSLContext]
) -> None:
    server = serve(ok, tls=certs.server_context())
    t = HttpTransport(ca_bundle=str(certs.ca_path))
    assert built == []
    for _ in range(2):
        assert t(Request("GET", server.url("/x"))).status == 200
    assert len(built) == 1
    assert built[0].verify_mode == ssl.CERT_REQUIRED and built[0].check_hostname


def test_a_lazily_built_context_still_refuses_an_unknown_ca(
    serve: ServerFactory, certs: CertFactory, built: list[ssl.SSLContext]
) -> None:
    plain = serve(ok)
    secure = serve(ok, tls=certs.server_context())
    t = HttpTransport(total_timeout=5)
    assert t(Request("GET", plain.url("/x"))).status == 200  # an http pool first
    with pytest.raises(transport.TransportError) as info:
        t(Request("GET", secure.url("/x")))
    assert info.value.reason == "tls" and len(built) == 1
    assert secure.requests == []
