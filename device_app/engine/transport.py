"""The HTTP transport: sends a core ``Request`` with ``http.client``, returns a ``Response``.

Theory of operation
-------------------
The core hands over a fully built request (method, URL, headers, encoded body) and gets back
status, headers and at most ``max_body`` decoded bytes, or a :class:`TransportError` whose
``reason`` (one of ``device_app.core.errors.REASONS``) says what went wrong. The transport
never retries, never follows a redirect and never stores cookies: those decisions belong to
the core.

It needs one request at a time, no redirects, a total deadline, a size cap and verified
TLS, so it is built on the standard library (``http.client``, ``ssl``, ``socket``,
``zlib``) rather than ``requests``, whose sessions, cookies, redirects, ``.netrc`` and
charset guessing it would only switch off, and whose import was the largest single cost
before the first code appears on a Raspberry Pi.

A socket timeout only bounds each *read*, so a peer that sends one byte every few seconds
would keep a request alive forever. Each request therefore gets a :class:`_Deadline`: a
timer that, when the total budget is spent, shuts down the socket the request uses. The
socket is handed to it as soon as it exists (right after the TCP connect, before a proxy's
CONNECT and the TLS handshake) or when a kept-alive connection is taken for the request,
and a shut-down socket wakes any blocked read in the calling thread at once.
"""

from __future__ import annotations

import errno
import http.client
import logging
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from urllib.parse import quote, urlsplit

from device_app import __version__
from device_app.core.errors import (
    REASON_CONNECT,
    REASON_OTHER,
    REASON_TIMEOUT,
    REASON_TLS,
    REASON_TOO_LARGE,
    ConfigurationError,
    TransportError,
)
from device_app.core.http import Request, Response
from device_app.engine.content_coding import UndecodableBody, decoder_for
from device_app.engine.proxy_env import Proxy, ProxySettingError, proxy_for
from device_app.engine.trust import check_ca_bundle, tls_context

log = logging.getLogger("device_app.engine.transport")


# Defaults. 5 s to connect covers Linux's first two SYN retransmissions (sent after 1 s and
# 3 s), enough for a lossy Wi-Fi link, and still notices a dead network quickly. 20 s total
# is four default poll intervals (RFC 8628 §3.5: 5 s), so a hung poll cannot stall the flow.
DEFAULT_CONNECT_TIMEOUT = 5.0
DEFAULT_TOTAL_TIMEOUT = 20.0
# 1 MiB: ARCHITECTURE.md caps Response.body there. Real token and discovery responses are
# a few KiB (a Google discovery document is about 4 KiB).
DEFAULT_MAX_BODY = 1 << 20
# Read size per step; small enough that the size cap is checked often, large enough that a
# normal response takes one or two steps.
_CHUNK = 64 * 1024
# Only codings that the standard library decodes (content_coding.py, a bounded step at a
# time, which is what makes the size cap hold for a gzip bomb).
_ACCEPT_ENCODING = "gzip, deflate"
# Kept-alive connections: a few per server (the TV app's worker threads may overlap), none
# idle for longer than a minute (a NAT or Wi-Fi router may have forgotten it silently by
# then, and a request sent into a dead connection would only end at the deadline).
_IDLE_PER_ROUTE = 4
_MAX_IDLE_S = 60.0
# What requests' requote_uri leaves alone in a path or query: everything else (spaces,
# non-ASCII) is percent-encoded, and existing %XX escapes are kept.
_URL_SAFE = "!#$%&'()*+,/:;=?@[]~"
_HOST_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-._:%")


# --- the total deadline ------------------------------------------------------------------


class _Deadline:
    """Shuts down the sockets of one request when its total time budget runs out."""

    def __init__(self, seconds: float) -> None:
        self._lock = threading.Lock()
        self._socks: list[socket.socket] = []
        self._closed = False
        self.fired = False
        self.seconds = seconds
        self._started = time.monotonic()
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True

    def start(self) -> None:
        self._started = time.monotonic()
        self._timer.start()

    def passed(self) -> bool:
        return self.fired or time.monotonic() - self._started > self.seconds

    def watch(self, sock: socket.socket) -> None:
        """Keep a duplicate of ``sock``'s descriptor so it can be shut down later.

        A duplicate, because the socket object is not ours alone: ``ssl`` detaches it when
        it wraps it, and ``http.client`` closes it on errors and on ``Connection: close``.
        Shutting down any descriptor of a socket stops the socket itself, and a duplicate
        can never be recycled for an unrelated file (opened by another thread) while the
        timer still holds it.
        """
        try:
            dup = socket.fromfd(sock.fileno(), sock.family, sock.type)
        except OSError:
            return  # already closed: nothing left to guard
        with self._lock:
            if self._closed:
                dup.close()
                return
            self._socks.append(dup)
            if self.fired:
                _shutdown(dup)

    def _fire(self) -> None:
        with self._lock:
            if self._closed:
                return
            self.fired = True
            for s in self._socks:
                _shutdown(s)

    def close(self) -> None:
        self._timer.cancel()
        with self._lock:
            self._closed = True
            for s in self._socks:
                s.close()
            self._socks.clear()


def _shutdown(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # the peer already closed it


# --- where a request goes ------------------------------------------------------------------


class _Target:
    """The parts of a request URL the connection needs, host already IDNA-encoded."""

    __slots__ = ("host", "netloc", "path", "port", "scheme")

    def __init__(self, scheme: str, host: str, port: int, path: str) -> None:
        self.scheme = scheme
        self.host = host
        self.port = port
        self.path = path  # path and query, percent-encoded: what the request line carries
        shown = f"[{host}]" if ":" in host else host
        default = 443 if scheme == "https" else 80
        self.netloc = shown if port == default else f"{shown}:{port}"  # the Host header

    def absolute(self) -> str:
        """The URL as a request line to a proxy carries it (RFC 9112 §3.2.2)."""
        return f"{self.scheme}://{self.netloc}{self.path}"


def _target(url: str, shown: str) -> _Target:
    try:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        host = parts.hostname or ""
        port = parts.port or (443 if scheme == "https" else 80)
        if not host.isascii():
            host = host.encode("idna").decode("ascii")
    except ValueError:  # a bad port or IPv6 literal; UnicodeError (IDNA) is a ValueError
        raise _bad_url(shown) from None
    if scheme not in ("http", "https") or not host or not _HOST_CHARS.issuperset(host):
        raise _bad_url(shown)
    path = quote(parts.path or "/", safe=_URL_SAFE)
    if parts.query:
        path += "?" + quote(parts.query, safe=_URL_SAFE)
    return _Target(scheme, host, port, path)


class _ConnectTimedOut(Exception):
    """No TCP connection within ``connect_timeout``."""


class _ProxyFailed(Exception):
    """The proxy refused or failed the connection (what it raised is the ``__cause__``)."""


class _Connection(http.client.HTTPConnection):
    """One connection to a server, or to a proxy for it; reused while the server agrees."""

    def __init__(self, target: _Target, proxy: Proxy | None, tls: ssl.SSLContext | None):
        host, port = (proxy.host, proxy.port) if proxy is not None else (target.host, target.port)
        super().__init__(host, port)
        self.auto_open = 0  # never reconnect behind the transport's back
        self.idle_since = 0.0
        self._tls = tls
        self._server_hostname = target.host
        self._via_proxy = proxy is not None
        if proxy is not None and target.scheme == "https":
            tunnel = {"Host": _authority(target)}
            if proxy.authorization is not None:
                tunnel["Proxy-Authorization"] = proxy.authorization
            # Brackets kept for an IPv6 host: Python 3.11 would write "CONNECT ::1:443".
            shown = f"[{target.host}]" if ":" in target.host else target.host
            self.set_tunnel(shown, target.port, headers=tunnel)

    def open(self, deadline: _Deadline, connect_timeout: float, read_timeout: float) -> None:
        """TCP, then the CONNECT tunnel through a proxy, then TLS, all under ``deadline``."""

        def new_socket(address: tuple[str, int], *_: object) -> socket.socket:
            try:
                sock = socket.create_connection(address, min(connect_timeout, read_timeout))
            except TimeoutError as exc:
                raise _ConnectTimedOut from exc
            deadline.watch(sock)  # before the CONNECT and the handshake: both are covered
            sock.settimeout(read_timeout)  # a backstop only: the deadline ends reads first
            return sock

        self._create_connection = new_socket
        try:
            self.connect()  # http.client: the socket above, TCP_NODELAY, CONNECT if proxied
        except (OSError, http.client.HTTPException) as exc:
            if self._via_proxy:
                raise _ProxyFailed from exc
            raise
        if self._tls is not None:
            self.sock = self._tls.wrap_socket(self.sock, server_hostname=self._server_hostname)

    def still_open(self) -> bool:
        """False when the server closed this idle connection (or sent something unasked)."""
        sock = self.sock
        if sock is None:
            return False
        before = sock.gettimeout()
        try:
            sock.setblocking(False)
            if isinstance(sock, ssl.SSLSocket):
                sock.recv(1)  # ssl refuses MSG_PEEK; a byte here was unasked-for anyway
            else:
                sock.recv(1, socket.MSG_PEEK)
        except (BlockingIOError, ssl.SSLWantReadError):
            return True  # nothing to read: the server still holds the connection open
        except OSError:
            return False
        finally:
            try:
                sock.settimeout(before)
            except OSError:
                pass
        return False  # end of file, or bytes no request asked for


def _authority(target: _Target) -> str:
    shown = f"[{target.host}]" if ":" in target.host else target.host
    return f"{shown}:{target.port}"


class _IdleConnections:
    """Kept-alive connections by route; each is used by one request at a time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._idle: dict[tuple[object, ...], list[_Connection]] = {}

    def take(self, route: tuple[object, ...]) -> _Connection | None:
        while True:
            with self._lock:
                pool = self._idle.get(route)
                if not pool:
                    return None
                conn = pool.pop()  # the most recently used: the likeliest still open
            if time.monotonic() - conn.idle_since < _MAX_IDLE_S and conn.still_open():
                return conn
            conn.close()

    def give(self, route: tuple[object, ...], conn: _Connection) -> None:
        conn.idle_since = time.monotonic()
        with self._lock:
            pool = self._idle.setdefault(route, [])
            if len(pool) < _IDLE_PER_ROUTE:
                pool.append(conn)
                return
        conn.close()

    def close_all(self) -> None:
        with self._lock:
            pools, self._idle = list(self._idle.values()), {}
        for pool in pools:
            for conn in pool:
                conn.close()


# --- the transport -------------------------------------------------------------------------


class HttpTransport:
    """A callable ``transport(request) -> Response`` over ``http.client``.

    Guarantees: TLS is always verified (``ca_bundle`` only *adds* trusted CAs); redirects are
    returned, never followed; the whole exchange (connect, TLS, headers, body) ends within
    ``total_timeout`` seconds; at most ``max_body`` decoded bytes are read; every failure is a
    :class:`TransportError` with a one-sentence message free of secrets. Safe to call from
    several threads at once.
    """

    def __init__(
        self,
        *,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        total_timeout: float = DEFAULT_TOTAL_TIMEOUT,
        max_body: int = DEFAULT_MAX_BODY,
        user_agent: str = "device-app/" + __version__,
        ca_bundle: str | None = None,
    ) -> None:
        if not connect_timeout > 0 or not total_timeout > 0:
            raise ConfigurationError("HTTP timeouts must be positive numbers of seconds.")
        if max_body < 1:
            raise ConfigurationError("max_body must be at least 1 byte.")
        self.connect_timeout = float(connect_timeout)
        self.total_timeout = float(total_timeout)
        self.max_body = int(max_body)
        self.user_agent = user_agent
        if ca_bundle is not None:  # a bad file is a start-up error, not the first request's
            check_ca_bundle(ca_bundle)
        self._ca_bundle = ca_bundle
        # Built on the first https request: loading the CA bundles costs 50-75 ms and
        # 2.5 MiB, for nothing with an http:// issuer.
        self._tls_made: ssl.SSLContext | None = None
        self._tls_lock = threading.Lock()
        self._idle = _IdleConnections()

    def close(self) -> None:
        """Close kept-alive connections (the transport stays usable)."""
        self._idle.close_all()

    def __call__(self, request: Request) -> Response:
        log.debug("request %s", request.redacted())
        url: str = request.url
        host = _host_of(url)
        deadline = _Deadline(self.total_timeout)
        deadline.start()
        try:
            status, headers, body = self._exchange(request, host, deadline)
        except TransportError as exc:
            log.debug("request to %s failed (%s)", host, exc.reason)
            raise
        except Exception as exc:
            # Anything http.client, ssl or the socket raise is classified; an exception that
            # escapes classification is a bug here and propagates (see _classify's end).
            err = _classify(exc, host, deadline.fired, self)
            log.debug("request to %s failed (%s)", host, err.reason)
            raise err from exc
        finally:
            deadline.close()
        if deadline.fired:
            # The deadline hit between the last read and here, or the body was
            # close-delimited and the shutdown looked like a normal end of body.
            raise _timeout(host, self.total_timeout)
        log.debug("response %d, %d bytes from %s", status, len(body), host)
        return Response(status, headers, body)

    def _exchange(
        self, request: Request, host: str, deadline: _Deadline
    ) -> tuple[int, dict[str, str], bytes]:
        target = _target(request.url, host)
        proxy = _proxy(target, host)
        route = (target.scheme, target.host, target.port, proxy.key() if proxy else None)
        conn = self._connection(route, target, proxy, deadline)
        reusable = False
        resp: http.client.HTTPResponse | None = None
        try:
            resp = self._send(conn, request, target, proxy, host)
            headers = _headers_of(resp)
            body = self._read_body(resp, headers, host, deadline)
            # Only a response read to its end, from a server that keeps the connection.
            reusable = resp.isclosed() and not resp.will_close and not deadline.passed()
        finally:
            if reusable:
                self._idle.give(route, conn)
            else:
                if resp is not None:
                    resp.close()  # with Connection: close, the response holds the socket
                conn.close()
        return resp.status, headers, body

    def _connection(
        self, route: tuple[object, ...], target: _Target, proxy: Proxy | None, deadline: _Deadline
    ) -> _Connection:
        """A kept-alive connection for ``route`` if one is still open, else a new one."""
        conn = self._idle.take(route)
        if conn is not None and conn.sock is not None:
            deadline.watch(conn.sock)
            return conn
        conn = _Connection(target, proxy, self._tls() if target.scheme == "https" else None)
        try:
            conn.open(deadline, self.connect_timeout, self.total_timeout)
        except BaseException:
            conn.close()
            raise
        return conn

    def warm_tls(self) -> None:
        """Build the TLS context now (loading the CA bundles), not on the first https request."""
        self._tls()

    def _tls(self) -> ssl.SSLContext:
        with self._tls_lock:
            if self._tls_made is None:
                self._tls_made = tls_context(self._ca_bundle)
            return self._tls_made

    def _send(
        self,
        conn: _Connection,
        request: Request,
        target: _Target,
        proxy: Proxy | None,
        host: str,
    ) -> http.client.HTTPResponse:
        # Plain http through a proxy: the request line names the whole URL. https through
        # a proxy goes through the CONNECT tunnel and looks like a direct request.
        via_proxy = proxy is not None and target.scheme == "http"
        line = target.absolute() if via_proxy else target.path
        body: bytes | None = request.body or None
        headers = self._headers(request, target, body)
        if via_proxy and proxy is not None and proxy.authorization is not None:
            headers.setdefault("Proxy-Authorization", proxy.authorization)
        try:
            conn.request(request.method, line, body=body, headers=headers)
        except ValueError as exc:  # http.client refuses a control character or non-Latin-1
            raise TransportError(
                f"The request to {host} failed (a header cannot be sent as HTTP/1.1).",
                reason=REASON_OTHER,
            ) from exc
        return conn.getresponse()

    def _headers(self, request: Request, target: _Target, body: bytes | None) -> dict[str, str]:
        given = {str(k): str(v) for k, v in request.headers.items()}
        present = {k.lower() for k in given}
        headers = {} if "host" in present else {"Host": target.netloc}
        headers.update(given)
        if "accept" not in present:
            headers["Accept"] = "application/json"
        if "user-agent" not in present:
            headers["User-Agent"] = self.user_agent
        if "accept-encoding" not in present:
            headers["Accept-Encoding"] = _ACCEPT_ENCODING
        if not present & {"content-length", "transfer-encoding"}:
            # As requests framed it: the body's length; 0 for an empty POST, PUT, DELETE...
            if body is not None or request.method.upper() not in ("GET", "HEAD"):
                headers["Content-Length"] = str(len(body or b""))
        return headers

    def _read_body(
        self,
        resp: http.client.HTTPResponse,
        headers: dict[str, str],
        host: str,
        deadline: _Deadline,
    ) -> bytes:
        decoder = decoder_for(headers.get("content-encoding", "identity"))
        length = headers.get("content-length", "").strip()
        if decoder is None and length.isdigit() and int(length) > self.max_body:
            raise _too_large(host, self.max_body)
        body = bytearray()
        # Compressed data is smaller than what it inflates to; a body far larger than the
        # cap that inflates to almost nothing (empty deflate blocks) is refused too.
        raw_cap, raw = 2 * self.max_body + _CHUNK, 0
        while data := resp.read(_CHUNK):  # http.client undoes chunked transfer coding
            raw += len(data)
            body += data if decoder is None else decoder.decode(data, self._room(body))
            if len(body) > self.max_body or raw > raw_cap:
                raise _too_large(host, self.max_body)
            if deadline.passed():
                raise _timeout(host, self.total_timeout)
        if resp.length:  # http.client ends a short Content-Length body quietly
            raise http.client.IncompleteRead(bytes(body), resp.length)
        if decoder is not None:
            body += decoder.finish()
            if len(body) > self.max_body:
                raise _too_large(host, self.max_body)
        return bytes(body)

    def _room(self, body: bytearray) -> int:
        """How much one decoding step may inflate: one byte past the cap shows it is passed."""
        return self.max_body - len(body) + 1


def _proxy(target: _Target, host: str) -> Proxy | None:
    try:
        return proxy_for(target.scheme, target.host, target.port)
    except ProxySettingError as exc:
        raise TransportError(
            f"The proxy for {host} in {exc.variable} is not an http://host:port URL "
            "(https:// and SOCKS proxies are not supported).",
            reason=REASON_OTHER,
        ) from None


def _headers_of(resp: http.client.HTTPResponse) -> dict[str, str]:
    """Lower-cased names; a repeated field's values joined with ", " (RFC 9110 §5.3)."""
    headers: dict[str, str] = {}
    for name, value in resp.getheaders():
        key = name.lower()
        headers[key] = f"{headers[key]}, {value}" if key in headers else value
    return headers


# --- failures ------------------------------------------------------------------------------


def _host_of(url: str) -> str:
    try:
        parts = urlsplit(url)
        host = parts.hostname
        port = parts.port
    except ValueError:
        return "the server"
    if not host:
        return "the server"
    shown = f"[{host}]" if ":" in host else host
    return f"{shown}:{port}" if port else shown


def _timeout(host: str, seconds: float) -> TransportError:
    return TransportError(
        f"{host} did not send a complete response within {seconds:g} seconds.",
        reason=REASON_TIMEOUT,
    )


def _too_large(host: str, limit: int) -> TransportError:
    return TransportError(
        f"The response from {host} is larger than {limit} bytes, so it was not read.",
        reason=REASON_TOO_LARGE,
    )


def _bad_url(host: str) -> TransportError:
    return TransportError(
        f"The URL for {host} is not a valid http(s) URL; check the configured endpoint.",
        reason=REASON_OTHER,
    )


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and everything it wraps (``__cause__``, ``__context__``, exceptions in args)."""
    seen: set[int] = set()
    todo: list[BaseException] = [exc]
    while todo:
        e = todo.pop(0)
        if id(e) in seen:
            continue
        seen.add(id(e))
        yield e
        inner: list[object] = [e.__cause__, e.__context__]
        inner.extend(e.args)
        todo.extend(x for x in inner if isinstance(x, BaseException))


def _os_reason(exc: BaseException) -> str:
    return getattr(exc, "strerror", None) or type(exc).__name__


def _classify(exc: Exception, host: str, fired: bool, t: HttpTransport) -> TransportError:
    """Turn whatever http.client, ssl or the socket raised into a TransportError."""
    if fired:
        return _timeout(host, t.total_timeout)
    causes = list(_causes(exc))
    for find in (_certificate, _timed_out, _connection, _tls_or_http):
        err = find(causes, host, t)
        if err is not None:
            return err
    if isinstance(exc, (OSError, http.client.HTTPException)):
        return TransportError(
            f"The request to {host} failed ({type(exc).__name__}).", reason=REASON_OTHER
        )
    raise exc  # not an I/O failure: a programming error, let it surface


def _certificate(causes: list[BaseException], host: str, t: HttpTransport) -> TransportError | None:
    for e in causes:
        if isinstance(e, ssl.SSLCertVerificationError):
            detail = e.verify_message or "verification failed"
            return TransportError(
                f"The TLS certificate of {host} could not be verified ({detail}); if the "
                "server uses a private CA, give its certificate with --ca-bundle FILE "
                "(ca_bundle in a profile file).",
                reason=REASON_TLS,
            )
    return None


def _timed_out(causes: list[BaseException], host: str, t: HttpTransport) -> TransportError | None:
    if any(isinstance(e, _ConnectTimedOut) for e in causes):
        return TransportError(
            f"{host} did not accept a connection within "
            f"{min(t.connect_timeout, t.total_timeout):g} seconds.",
            reason=REASON_TIMEOUT,
        )
    if any(isinstance(e, TimeoutError) for e in causes):
        return _timeout(host, t.total_timeout)
    return None


def _connection(causes: list[BaseException], host: str, t: HttpTransport) -> TransportError | None:
    connect = _connect_reason(causes)
    if connect is None:
        return None
    return TransportError(f"Could not talk to {host}: {connect}.", reason=REASON_CONNECT)


def _tls_or_http(causes: list[BaseException], host: str, t: HttpTransport) -> TransportError | None:
    for e in causes:
        if isinstance(e, ssl.SSLError):
            return TransportError(
                f"The TLS handshake with {host} failed ({e.reason or 'error'}); check that "
                "the URL really is https and that no proxy intercepts the connection.",
                reason=REASON_TLS,
            )
    if any(isinstance(e, UndecodableBody) for e in causes):
        return TransportError(
            f"The response from {host} could not be decompressed.", reason=REASON_OTHER
        )
    if any(isinstance(e, http.client.HTTPException) for e in causes):
        return TransportError(
            f"{host} sent a response that is not valid HTTP.", reason=REASON_OTHER
        )
    return None


_UNREACHABLE = (errno.ENETUNREACH, errno.EHOSTUNREACH, errno.ENETDOWN, errno.EHOSTDOWN)
_CLOSED_EARLY = (
    http.client.RemoteDisconnected,
    http.client.IncompleteRead,
    ssl.SSLEOFError,
    ssl.SSLZeroReturnError,
    BrokenPipeError,
)


def _connect_reason(causes: list[BaseException]) -> str | None:
    """A short phrase when the failure is the connection itself, else None."""
    if any(isinstance(e, _ProxyFailed) for e in causes):
        return "the proxy refused or failed the connection"
    for e in causes:
        if isinstance(e, socket.gaierror):
            return "the host name could not be resolved"
        if isinstance(e, ConnectionRefusedError):
            return "the connection was refused"
        if isinstance(e, OSError) and e.errno in _UNREACHABLE:
            return "the network or host is unreachable"
    for e in causes:
        if isinstance(e, ConnectionResetError) and not isinstance(
            e, http.client.RemoteDisconnected
        ):
            return "the connection was reset"
        if isinstance(e, _CLOSED_EARLY):
            return "the connection closed before the whole response arrived"
    if any(isinstance(e, ConnectionError) for e in causes):
        return "the connection failed"
    return None
