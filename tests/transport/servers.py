"""Real loopback servers for the transport and discovery tests.

``ScriptedServer`` accepts connections on 127.0.0.1, reads each HTTP request itself (so the
tests see the exact bytes the client sent) and hands the socket to a per-test script that
may answer normally, trickle, stall, reset or lie about lengths. Optional TLS.
"""

from __future__ import annotations

import datetime
import ipaddress
import select
import socket
import ssl
import struct
import threading
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


class Captured:
    """One request as the server received it."""

    def __init__(self, method: str, target: str, header_lines: list[str], body: bytes) -> None:
        self.method = method
        self.target = target
        self.header_lines = header_lines  # raw "Name: value" lines, in order
        self.body = body

    def header(self, name: str) -> str | None:
        for line in self.header_lines:
            k, _, v = line.partition(":")
            if k.strip().lower() == name.lower():
                return v.strip()
        return None


class Stopped(Exception):
    """The server is shutting down; the script should end."""


class Conn:
    """The server side of one connection, with helpers for scripts."""

    def __init__(self, sock: socket.socket, stop: threading.Event) -> None:
        self.sock = sock
        self.stop = stop
        self.buf = b""

    def read_request(self) -> Captured | None:
        while b"\r\n\r\n" not in self.buf:
            data = self._recv()
            if not data:
                return None
            self.buf += data
        head, _, self.buf = self.buf.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        method, target, _ = lines[0].split(" ", 2)
        cap = Captured(method, target, lines[1:], b"")
        length = int(cap.header("content-length") or "0")
        while len(self.buf) < length:
            data = self._recv()
            if not data:
                return None
            self.buf += data
        cap.body, self.buf = self.buf[:length], self.buf[length:]
        return cap

    def _recv(self) -> bytes:
        while True:
            if self.stop.is_set():
                raise Stopped
            try:
                return self.sock.recv(65536)
            except TimeoutError:
                continue

    def send(self, data: bytes) -> None:
        if self.stop.is_set():
            raise Stopped
        self.sock.sendall(data)

    def trickle(self, data: bytes, gap: float) -> None:
        """Send ``data`` one byte at a time, ``gap`` seconds apart."""
        for i in range(len(data)):
            self.send(data[i : i + 1])
            if self.stop.wait(gap):
                raise Stopped

    def wait_closed(self, limit: float = 10.0) -> None:
        """Hold the connection open, sending nothing, until the client goes or time is up."""
        end = time.monotonic() + limit
        while time.monotonic() < end and not self.stop.is_set():
            try:
                if self.sock.recv(1) == b"":
                    return
            except TimeoutError:
                continue
            except OSError:
                return

    def reset(self) -> None:
        """Close with RST instead of FIN."""
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.sock.close()


Script = Callable[[Conn, Captured], bool]  # returns True to keep the connection for more


def respond(
    status: int = 200,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    *,
    keep_alive: bool = False,
) -> bytes:
    """The bytes of a complete HTTP/1.1 response."""
    reason = {200: "OK", 302: "Found", 404: "Not Found", 429: "Too Many", 503: "Unavailable"}
    lines = [f"HTTP/1.1 {status} {reason.get(status, 'X')}"]
    h = {"Content-Length": str(len(body)), "Content-Type": "application/json"}
    if not keep_alive:
        h["Connection"] = "close"
    h.update(headers or {})
    lines += [f"{k}: {v}" for k, v in h.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


class _LoopbackServer:
    """A threaded TCP listener on 127.0.0.1: one thread per connection runs ``_serve``."""

    def __init__(self) -> None:
        self.connections = 0
        self.errors: list[BaseException] = []
        self.stop = threading.Event()
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.listener.settimeout(0.05)
        self.port: int = self.listener.getsockname()[1]
        self.threads: list[threading.Thread] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while not self.stop.is_set():
            try:
                sock, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            t = threading.Thread(target=self._serve, args=(sock,), daemon=True)
            self.threads.append(t)
            t.start()

    def _serve(self, sock: socket.socket) -> None:
        raise NotImplementedError

    def close(self) -> None:
        self.stop.set()
        self.listener.close()
        self.thread.join(2)
        for t in self.threads:
            t.join(2)
        if self.errors:
            raise self.errors[0]


class ScriptedServer(_LoopbackServer):
    """A threaded TCP server on 127.0.0.1 whose connections are driven by ``script``."""

    def __init__(
        self, script: Script, tls: ssl.SSLContext | None = None, raw: bool = False
    ) -> None:
        self.script = script
        self.tls = tls
        self.raw = raw  # True: the script gets the connection before any request is read
        self.requests: list[Captured] = []
        super().__init__()

    def url(self, path: str = "/") -> str:
        scheme = "https" if self.tls else "http"
        return f"{scheme}://127.0.0.1:{self.port}{path}"

    def _serve(self, sock: socket.socket) -> None:
        sock.settimeout(0.05)
        try:
            if self.tls is not None:
                sock.settimeout(2.0)
                try:
                    sock = self.tls.wrap_socket(sock, server_side=True)
                except (ssl.SSLError, OSError):
                    return  # the client rejected our certificate: expected in TLS tests
                sock.settimeout(0.05)
            conn = Conn(sock, self.stop)
            if self.raw:
                self.script(conn, Captured("", "", [], b""))
                return
            while True:
                req = conn.read_request()
                if req is None:
                    return
                self.requests.append(req)
                if not self.script(conn, req):
                    return
        except (Stopped, BrokenPipeError, ConnectionResetError):
            pass
        except OSError as exc:
            if exc.errno not in (9, 32, 104):  # closed, pipe, reset: the client left
                self.errors.append(exc)
        except Exception as exc:  # surfaced by close() so a broken script fails its test
            self.errors.append(exc)
        finally:
            try:
                sock.close()
            except OSError:
                pass


class ForwardProxy(_LoopbackServer):
    """A forwarding HTTP proxy on 127.0.0.1, as squid or tinyproxy behave for these tests.

    ``CONNECT host:port`` opens a tunnel (https); a request line with an absolute URL
    (``GET http://host:port/x``) is passed on as it is (plain http). Every request head the
    proxy received is kept in ``heads``; ``refuse`` answers every CONNECT with 403.
    """

    def __init__(self, *, refuse: bool = False) -> None:
        self.refuse = refuse
        self.heads: list[Captured] = []
        super().__init__()
        self.url = f"http://127.0.0.1:{self.port}"

    def _serve(self, client: socket.socket) -> None:
        client.settimeout(0.05)
        upstream: socket.socket | None = None
        try:
            conn = Conn(client, self.stop)
            head = conn.read_request()  # the head and any body it declares
            if head is None:
                return
            self.heads.append(head)
            if head.method == "CONNECT":
                if self.refuse:
                    conn.send(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
                    return
                host, _, port = head.target.rpartition(":")
                upstream = socket.create_connection((host.strip("[]"), int(port)), 2)
                conn.send(b"HTTP/1.1 200 Connection established\r\n\r\n")
                first = conn.buf
            else:
                url = urlsplit(head.target)
                upstream = socket.create_connection((url.hostname, url.port or 80), 2)
                lines = [f"{head.method} {head.target} HTTP/1.1", *head.header_lines]
                first = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + head.body
                first += conn.buf
            upstream.sendall(first)
            self._pipe(client, upstream)
        except (Stopped, OSError):
            pass
        except Exception as exc:
            self.errors.append(exc)
        finally:
            client.close()
            if upstream is not None:
                upstream.close()

    def _pipe(self, a: socket.socket, b: socket.socket) -> None:
        """Copy bytes both ways until either side closes."""
        a.setblocking(False)
        b.setblocking(False)
        peers = {a: b, b: a}
        while not self.stop.is_set():
            readable, _, _ = select.select([a, b], [], [], 0.05)
            for sock in readable:
                data = sock.recv(65536)
                if not data:
                    return
                peers[sock].setblocking(True)
                peers[sock].sendall(data)
                peers[sock].setblocking(False)


def closed_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port: int = s.getsockname()[1]
    s.close()
    return port


# --- certificates ---------------------------------------------------------------------------


class CertFactory:
    """A private CA and certificates it (or nobody) signs, written as PEM files."""

    def __init__(self, folder: Path, name: str = "device-app test CA") -> None:
        self.folder = folder
        self.key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        now = datetime.datetime.now(datetime.UTC)
        self.cert = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(self.key.public_key()), critical=False
            )
            .sign(self.key, hashes.SHA256())
        )
        self.ca_path = folder / "ca.pem"
        self.ca_path.write_bytes(self.cert.public_bytes(serialization.Encoding.PEM))

    def server_context(
        self,
        names: tuple[str, ...] = ("127.0.0.1",),
        *,
        expired: bool = False,
        self_signed: bool = False,
    ) -> ssl.SSLContext:
        """A server-side SSL context presenting a leaf for ``names``."""
        key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.datetime.now(datetime.UTC)
        start, end = now - datetime.timedelta(days=1), now + datetime.timedelta(days=30)
        if expired:
            start, end = now - datetime.timedelta(days=60), now - datetime.timedelta(days=30)
        sans: list[x509.GeneralName] = []
        for n in names:
            try:
                sans.append(x509.IPAddress(ipaddress.ip_address(n)))
            except ValueError:
                sans.append(x509.DNSName(n))
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])])
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject if self_signed else self.cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(end)
            .add_extension(x509.SubjectAlternativeName(sans), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
            )
        )
        if not self_signed:
            builder = builder.add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()),
                critical=False,
            )
        leaf = builder.sign(key if self_signed else self.key, hashes.SHA256())
        tag = f"{names[0]}-{int(expired)}{int(self_signed)}"
        cert_path, key_path = self.folder / f"{tag}.crt", self.folder / f"{tag}.key"
        cert_path.write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
        key_path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert_path, key_path)
        return ctx
