"""The HTTP transport: sends a core ``Request`` with ``requests``, returns a ``Response``.

Theory of operation
-------------------
The core hands over a fully built request (method, URL, headers, encoded body) and gets back
status, headers and at most ``max_body`` decoded bytes, or a :class:`TransportError` whose
``reason`` (one of ``device_app.core.errors.REASONS``) says what went wrong. The transport
never retries, never follows a redirect and never stores cookies: those decisions belong to
the core.

``requests`` only bounds each *socket read*, so a peer that sends one byte every few seconds
would keep a request alive forever. Each request therefore gets a :class:`_Deadline`: a
timer that, when the total budget is spent, shuts down every socket the request has touched.
The sockets are reported to it by the urllib3 connection and pool subclasses below as soon
as they exist (right after the TCP connect, before the TLS handshake), and a shut-down
socket wakes any blocked read in the calling thread at once.
"""

from __future__ import annotations

import errno
import functools
import http.client
import logging
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import requests
import requests.adapters
import requests.utils
import urllib3.connection
import urllib3.connectionpool
import urllib3.exceptions
import urllib3.poolmanager

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

if TYPE_CHECKING:
    from urllib3._base_connection import BaseHTTPConnection

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
# Only codings that the standard library decodes; urllib3 2.x decodes them incrementally
# with a bound on the output of each step, which is what makes the size cap hold for a
# gzip bomb.
_ACCEPT_ENCODING = "gzip, deflate"


# --- the total deadline ------------------------------------------------------------------


class _Deadline:
    """Shuts down the sockets of one request when its total time budget runs out."""

    def __init__(self, seconds: float) -> None:
        self._lock = threading.Lock()
        self._socks: list[socket.socket] = []
        self._closed = False
        self.fired = False
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True

    def start(self) -> None:
        self._timer.start()

    def watch(self, sock: socket.socket) -> None:
        """Keep a duplicate of ``sock``'s descriptor so it can be shut down later.

        A duplicate, because urllib3 hands the original to ``ssl`` (which detaches it) and
        may close it on its own; shutting down any descriptor of a socket stops the socket
        itself, and our duplicate can never be recycled for an unrelated file meanwhile.
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
        pass  # the peer or urllib3 already closed it


_local = threading.local()


def _watch(sock: socket.socket) -> None:
    deadline: _Deadline | None = getattr(_local, "deadline", None)
    if deadline is not None:
        deadline.watch(sock)


def _watch_pooled(conn: BaseHTTPConnection) -> None:
    sock = getattr(conn, "sock", None)
    if isinstance(sock, socket.socket):  # a kept-alive connection: its socket exists already
        _watch(sock)


class _GuardedHTTPConnection(urllib3.connection.HTTPConnection):
    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        _watch(sock)
        return sock


class _GuardedHTTPSConnection(urllib3.connection.HTTPSConnection):
    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        _watch(sock)  # before the TLS handshake, so a stalled handshake is covered too
        return sock


class _GuardedHTTPPool(urllib3.connectionpool.HTTPConnectionPool):
    ConnectionCls = _GuardedHTTPConnection

    def _get_conn(self, timeout: float | None = None) -> BaseHTTPConnection:
        conn = super()._get_conn(timeout)
        _watch_pooled(conn)
        return conn


class _GuardedHTTPSPool(urllib3.connectionpool.HTTPSConnectionPool):
    ConnectionCls = _GuardedHTTPSConnection

    def _get_conn(self, timeout: float | None = None) -> BaseHTTPConnection:
        conn = super()._get_conn(timeout)
        _watch_pooled(conn)
        return conn


_POOL_CLASSES: dict[str, type[urllib3.connectionpool.HTTPConnectionPool]] = {
    "http": _GuardedHTTPPool,
    "https": _GuardedHTTPSPool,
}


class _GuardedAdapter(requests.adapters.HTTPAdapter):
    """An adapter whose pools report their sockets to the deadline and use our TLS context.

    The context is built on the first request that needs TLS (an https URL or a proxy):
    loading the CA bundles costs 50-75 ms and 2.5 MiB, for nothing with an http:// issuer.
    """

    def __init__(self, tls_context: Callable[[], ssl.SSLContext]) -> None:
        self._make_tls_context = tls_context
        self._ssl_context: ssl.SSLContext | None = None
        self._tls_lock = threading.Lock()
        super().__init__(max_retries=0)  # the core owns retries and backoff

    def init_poolmanager(
        self, connections: int, maxsize: int, block: bool = False, **pool_kwargs: Any
    ) -> None:
        super().init_poolmanager(connections, maxsize, block, **pool_kwargs)
        self.poolmanager.pool_classes_by_scheme = dict(_POOL_CLASSES)

    def _tls_context(self) -> ssl.SSLContext:
        with self._tls_lock:
            if self._ssl_context is None:
                self._ssl_context = self._make_tls_context()
                self.poolmanager.connection_pool_kw["ssl_context"] = self._ssl_context
            return self._ssl_context

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        if self._ssl_context is None and (request.url or "").lower().startswith("https:"):
            self._tls_context()  # before the first https pool exists: every pool gets it
        return super().send(request, *args, **kwargs)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        fresh = proxy not in self.proxy_manager
        if fresh:
            proxy_kwargs["ssl_context"] = self._tls_context()
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if fresh and isinstance(manager, urllib3.poolmanager.PoolManager):
            manager.pool_classes_by_scheme = dict(_POOL_CLASSES)
        return manager

    def cert_verify(self, conn: Any, url: str, verify: Any, cert: Any) -> None:
        # Only ever called with verify=True and no client certificate. Our context holds
        # every trusted CA already; left alone, requests would have urllib3 re-load its CA
        # bundle into it on each new connection. Verification stays required.
        conn.cert_reqs = "CERT_REQUIRED"
        conn.ca_certs = None
        conn.ca_cert_dir = None


# --- the transport -------------------------------------------------------------------------


class HttpTransport:
    """A callable ``transport(request) -> Response`` over ``requests``.

    Guarantees: TLS is always verified (``ca_bundle`` only *adds* trusted CAs); redirects are
    returned, never followed; the whole exchange (connect, TLS, headers, body) ends within
    ``total_timeout`` seconds; at most ``max_body`` decoded bytes are read; every failure is a
    :class:`TransportError` with a one-sentence message free of secrets.
    """

    def __init__(
        self,
        *,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        total_timeout: float = DEFAULT_TOTAL_TIMEOUT,
        max_body: int = DEFAULT_MAX_BODY,
        user_agent: str = "device-app/" + __version__,
        ca_bundle: str | None = None,
        session: requests.Session | None = None,
    ) -> None:
        if not connect_timeout > 0 or not total_timeout > 0:
            raise ConfigurationError("HTTP timeouts must be positive numbers of seconds.")
        if max_body < 1:
            raise ConfigurationError("max_body must be at least 1 byte.")
        self.connect_timeout = float(connect_timeout)
        self.total_timeout = float(total_timeout)
        self.max_body = int(max_body)
        self.user_agent = user_agent
        self._session = session if session is not None else requests.Session()
        if ca_bundle is not None:  # a bad file is a start-up error, not the first request's
            _add_ca_bundle(ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT), ca_bundle)
        adapter = _GuardedAdapter(functools.partial(_tls_context, ca_bundle))
        # Mounted on a caller's session too: without it the total deadline cannot hold.
        self._session.mount("https://", adapter)
        self._session.mount("http://", adapter)

    def close(self) -> None:
        """Close pooled connections."""
        self._session.close()

    def __call__(self, request: Request) -> Response:
        log.debug("request %s", request.redacted())
        url: str = request.url
        host = _host_of(url)
        deadline = _Deadline(self.total_timeout)
        _local.deadline = deadline
        started = time.monotonic()
        deadline.start()
        try:
            status, headers, body = self._exchange(request, host, started)
        except TransportError as exc:
            log.debug("request to %s failed (%s)", host, exc.reason)
            raise
        except Exception as exc:
            # Anything requests/urllib3/ssl raise is classified; an exception that escapes
            # classification is a bug here and propagates (see _classify's last branch).
            err = _classify(exc, host, deadline.fired, self)
            log.debug("request to %s failed (%s)", host, err.reason)
            raise err from exc
        finally:
            _local.deadline = None
            deadline.close()
        if deadline.fired:
            # The deadline hit between the last read and here, or the body was
            # close-delimited and the shutdown looked like a normal end of body.
            raise _timeout(host, self.total_timeout)
        log.debug("response %d, %d bytes from %s", status, len(body), host)
        return Response(status, headers, body)

    def _exchange(
        self, request: Request, host: str, started: float
    ) -> tuple[int, dict[str, str], bytes]:
        prepared = requests.PreparedRequest()
        # Prepared directly, not through Session.request: that path would merge session
        # headers, send stored cookies, add ~/.netrc credentials (overwriting an
        # Authorization header) and swap the CA bundle for one named in the environment.
        prepared.prepare(
            method=request.method,
            url=request.url,
            headers=self._headers(request),
            data=request.body,
        )
        connect = min(self.connect_timeout, self.total_timeout)
        # The adapter, not Session.send: even with allow_redirects=False, Session.send reads
        # the whole body of a 3xx (to build Response.next) with no size limit.
        adapter = self._session.get_adapter(request.url)
        resp = adapter.send(
            prepared,
            stream=True,
            verify=True,
            proxies=requests.utils.get_environ_proxies(request.url),
            timeout=(connect, self.total_timeout),
        )
        try:
            headers = {k.lower(): v for k, v in resp.headers.items()}
            length = headers.get("content-length", "")
            encoding = headers.get("content-encoding", "identity").strip().lower()
            if encoding == "identity" and length.isdigit() and int(length) > self.max_body:
                raise _too_large(host, self.max_body)
            body = self._read_body(resp.raw.stream(_CHUNK, decode_content=True), host, started)
        finally:
            resp.close()  # an unread or half-read connection must never go back to the pool
        return resp.status_code, headers, body

    def _headers(self, request: Request) -> dict[str, str]:
        headers = {str(k): str(v) for k, v in request.headers.items()}
        present = {k.lower() for k in headers}
        if "accept" not in present:
            headers["Accept"] = "application/json"
        if "user-agent" not in present:
            headers["User-Agent"] = self.user_agent
        if "accept-encoding" not in present:
            headers["Accept-Encoding"] = _ACCEPT_ENCODING
        return headers

    def _read_body(self, chunks: Iterator[bytes], host: str, started: float) -> bytes:
        body = bytearray()
        for chunk in chunks:
            body += chunk
            if len(body) > self.max_body:
                raise _too_large(host, self.max_body)
            if time.monotonic() - started > self.total_timeout:
                raise _timeout(host, self.total_timeout)
        return bytes(body)


def _tls_context(ca_bundle: str | None) -> ssl.SSLContext:
    """System CAs, requests' CA bundle and ``ca_bundle``; verification and host checks on."""
    context = ssl.create_default_context()  # CERT_REQUIRED, check_hostname, TLS >= 1.2
    context.load_verify_locations(cafile=requests.utils.DEFAULT_CA_BUNDLE_PATH)
    if ca_bundle is not None:
        _add_ca_bundle(context, ca_bundle)
    return context


def _add_ca_bundle(context: ssl.SSLContext, ca_bundle: str) -> None:
    try:
        context.load_verify_locations(cafile=ca_bundle)
    except (OSError, ssl.SSLError) as exc:
        raise ConfigurationError(
            f"The CA bundle {ca_bundle!r} could not be loaded ({_os_reason(exc)}); "
            "--ca-bundle (ca_bundle in a profile file) must name a readable PEM file of CA "
            "certificates."
        ) from exc


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


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and everything it wraps: requests and urllib3 nest errors in args and .reason."""
    seen: set[int] = set()
    todo: list[BaseException] = [exc]
    while todo:
        e = todo.pop(0)
        if id(e) in seen:
            continue
        seen.add(id(e))
        yield e
        inner: list[object] = [e.__cause__, e.__context__, getattr(e, "reason", None)]
        inner.extend(e.args)
        todo.extend(x for x in inner if isinstance(x, BaseException))


def _os_reason(exc: BaseException) -> str:
    return getattr(exc, "strerror", None) or type(exc).__name__


def _classify(exc: Exception, host: str, fired: bool, t: HttpTransport) -> TransportError:
    """Turn whatever requests, urllib3, ssl or the socket raised into a TransportError."""
    if fired:
        return _timeout(host, t.total_timeout)
    causes = list(_causes(exc))
    for find in (_certificate, _timed_out, _bad_url, _connection, _tls_or_http):
        err = find(causes, host, t)
        if err is not None:
            return err
    if isinstance(
        exc, (requests.RequestException, urllib3.exceptions.HTTPError, OSError, ValueError)
    ):
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
    if any(
        isinstance(e, urllib3.exceptions.ConnectTimeoutError)
        # urllib3 derives NewConnectionError (refused, unreachable) from ConnectTimeoutError
        and not isinstance(e, urllib3.exceptions.NewConnectionError)
        for e in causes
    ):
        return TransportError(
            f"{host} did not accept a connection within "
            f"{min(t.connect_timeout, t.total_timeout):g} seconds.",
            reason=REASON_TIMEOUT,
        )
    if any(isinstance(e, (TimeoutError, urllib3.exceptions.ReadTimeoutError)) for e in causes):
        return _timeout(host, t.total_timeout)
    return None


_BAD_URL = (
    requests.exceptions.InvalidURL,
    requests.exceptions.MissingSchema,
    requests.exceptions.InvalidSchema,
)


def _bad_url(causes: list[BaseException], host: str, t: HttpTransport) -> TransportError | None:
    if any(isinstance(e, _BAD_URL) for e in causes):
        return TransportError(
            f"The URL for {host} is not a valid http(s) URL; check the configured endpoint.",
            reason=REASON_OTHER,
        )
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
    if any(isinstance(e, urllib3.exceptions.DecodeError) for e in causes):
        return TransportError(
            f"The response from {host} could not be decompressed.", reason=REASON_OTHER
        )
    if any(isinstance(e, http.client.HTTPException) for e in causes):
        return TransportError(
            f"{host} sent a response that is not valid HTTP.", reason=REASON_OTHER
        )
    return None


_UNREACHABLE = (errno.ENETUNREACH, errno.EHOSTUNREACH, errno.ENETDOWN, errno.EHOSTDOWN)


def _connect_reason(causes: list[BaseException]) -> str | None:
    """A short phrase when the failure is the connection itself, else None."""
    for e in causes:
        if isinstance(e, (socket.gaierror, urllib3.exceptions.NameResolutionError)):
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
        if isinstance(
            e,
            (
                http.client.RemoteDisconnected,
                ssl.SSLEOFError,
                ssl.SSLZeroReturnError,
                http.client.IncompleteRead,
                urllib3.exceptions.IncompleteRead,
                BrokenPipeError,
            ),
        ):
            return "the connection closed before the whole response arrived"
        if isinstance(e, urllib3.exceptions.ProxyError):
            return "the proxy refused or failed the connection"
    for e in causes:
        if isinstance(e, (urllib3.exceptions.NewConnectionError, ConnectionError)):
            return "the connection failed"
        if isinstance(e, urllib3.exceptions.ProtocolError) and not any(
            isinstance(c, http.client.HTTPException) for c in causes
        ):
            return "the connection broke during the response"
    return None
