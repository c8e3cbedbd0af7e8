"""TLS: verification always on; ca_bundle adds a private CA; every certificate fault is "tls"."""

from __future__ import annotations

import shutil
import ssl
import subprocess
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


def subject_hash(pem: Path) -> str:
    """The name OpenSSL looks a CA up by in a hashed folder (``openssl rehash``)."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is not installed")
    out = subprocess.run(
        ["openssl", "x509", "-subject_hash", "-noout", "-in", str(pem)],
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip()


def ours_loaded(context: ssl.SSLContext, name: str = "device-app test CA") -> bool:
    return any(
        ("commonName", name) in rdn for ca in context.get_ca_certs() for rdn in ca["subject"]
    )


def test_system_cas_in_a_hashed_folder_are_read_when_a_chain_needs_them(
    serve: ServerFactory, certs: CertFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The folder costs nothing to load (the bundle file of ~140 CAs costs ~25 ms here) and
    trusts the same CAs: the private CA placed there as a system CA verifies a server."""
    folder = tmp_path / "system-certs"
    folder.mkdir()
    shutil.copy(certs.ca_path, folder / (subject_hash(certs.ca_path) + ".0"))
    monkeypatch.setenv("SSL_CERT_DIR", str(folder))
    # The bundle file is not read at all (here it holds another CA, to tell).
    (tmp_path / "other").mkdir()
    other = CertFactory(tmp_path / "other", name="another CA")
    monkeypatch.setenv("SSL_CERT_FILE", str(other.ca_path))
    context = tls_context(None)
    assert not ours_loaded(context)  # not read yet
    assert not ours_loaded(context, "another CA")
    server = serve(ok, tls=certs.server_context())
    assert HttpTransport(total_timeout=5)(Request("GET", server.url("/x"))).status == 200
    monkeypatch.setenv("SSL_CERT_DIR", str(tmp_path / "empty"))  # without it: refused
    (tmp_path / "empty").mkdir()
    assert tls_error(HttpTransport(total_timeout=5), server.url()).reason == "tls"


def test_a_folder_without_hashes_leaves_the_bundle_file(
    serve: ServerFactory, certs: CertFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "plain"
    folder.mkdir()
    shutil.copy(certs.ca_path, folder / "ca.pem")  # not under its hash: OpenSSL cannot find it
    monkeypatch.setenv("SSL_CERT_DIR", str(folder))
    monkeypatch.setenv("SSL_CERT_FILE", str(certs.ca_path))
    assert ours_loaded(tls_context(None))  # the file, read at once
    server = serve(ok, tls=certs.server_context())
    assert HttpTransport(total_timeout=5)(Request("GET", server.url("/x"))).status == 200
