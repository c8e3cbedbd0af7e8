"""TLS: verification always on; ca_bundle adds a private CA; every certificate fault is "tls"."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest

from device_app.core.errors import ConfigurationError, TransportError
from device_app.core.http import Request
from device_app.engine.transport import HttpTransport
from device_app.engine.trust import tls_context

from .conftest import ServerFactory
from .servers import Captured, CertFactory, Conn, respond

pytestmark = pytest.mark.timeout(20)


def ok(conn: Conn, req: Captured) -> bool:
    conn.send(respond(200, b'{"ok": true}'))
    return False


def tls_error(transport: HttpTransport, url: str) -> TransportError:
    with pytest.raises(TransportError) as info:
        transport(Request("GET", url))
    return info.value


def test_private_ca_rejected_by_default(serve: ServerFactory, certs: CertFactory) -> None:
    server = serve(ok, tls=certs.server_context())
    err = tls_error(HttpTransport(total_timeout=5), server.url())
    assert err.reason == "tls"
    assert "127.0.0.1" in err.message
    assert "could not be verified" in err.message and "ca_bundle" in err.message
    assert server.requests == []  # nothing was sent over the unverified connection


def test_private_ca_accepted_with_ca_bundle(serve: ServerFactory, certs: CertFactory) -> None:
    server = serve(ok, tls=certs.server_context())
    resp = HttpTransport(ca_bundle=str(certs.ca_path))(Request("GET", server.url("/x")))
    assert resp.status == 200
    assert server.requests[0].target == "/x"


def test_self_signed_leaf_rejected(serve: ServerFactory, certs: CertFactory) -> None:
    server = serve(ok, tls=certs.server_context(self_signed=True))
    err = tls_error(HttpTransport(ca_bundle=str(certs.ca_path), total_timeout=5), server.url())
    assert err.reason == "tls"
    assert "self-signed" in err.message


def test_wrong_host_rejected_even_with_trusted_ca(serve: ServerFactory, certs: CertFactory) -> None:
    server = serve(ok, tls=certs.server_context(("auth.example.test",)))
    err = tls_error(HttpTransport(ca_bundle=str(certs.ca_path), total_timeout=5), server.url())
    assert err.reason == "tls"
    assert "127.0.0.1" in err.message
    assert "mismatch" in err.message.lower()


def test_expired_certificate_rejected(serve: ServerFactory, certs: CertFactory) -> None:
    server = serve(ok, tls=certs.server_context(expired=True))
    err = tls_error(HttpTransport(ca_bundle=str(certs.ca_path), total_timeout=5), server.url())
    assert err.reason == "tls"
    assert "expired" in err.message


def test_ca_bundle_adds_to_the_default_trust(certs: CertFactory) -> None:
    base = tls_context(None)
    extended = tls_context(str(certs.ca_path))
    assert extended.verify_mode == ssl.CERT_REQUIRED and extended.check_hostname
    assert extended.minimum_version >= ssl.TLSVersion.TLSv1_2
    assert len(extended.get_ca_certs()) == len(base.get_ca_certs()) + 1
    assert len(base.get_ca_certs()) > 10  # requests' CA bundle, at least


def test_unreadable_ca_bundle_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="ca_bundle"):
        HttpTransport(ca_bundle=str(tmp_path / "missing.pem"))
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate\n")
    with pytest.raises(ConfigurationError, match=r"junk\.pem"):
        HttpTransport(ca_bundle=str(junk))


def test_plain_http_server_on_https_url(serve: ServerFactory) -> None:
    def plain(conn: Conn, req: Captured) -> bool:
        conn.sock.recv(4096)  # the ClientHello, which a plain HTTP server answers with a 400
        conn.send(respond(400, b"<html>Bad Request</html>"))
        return False

    server = serve(plain, raw=True)
    err = tls_error(HttpTransport(total_timeout=5), f"https://127.0.0.1:{server.port}/")
    assert err.reason in ("tls", "connect")
    assert "127.0.0.1" in err.message
