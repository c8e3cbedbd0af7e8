"""WSGI middleware and socket hooks that apply the live fault set to every dialect."""

from __future__ import annotations

import logging
import socket
import ssl
import struct
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.serving import ThreadedWSGIServer, WSGIRequestHandler

from .context import SimContext
from .templates import CAPTIVE_PORTAL, SERVICE_UNAVAILABLE

log = logging.getLogger("simulator.http")

Environ = dict[str, Any]
StartResponse = Callable[..., Any]
WSGIApp = Callable[[Environ, StartResponse], Iterable[bytes]]

LISTEN_BACKLOG = 128  # Werkzeug's own LISTEN_QUEUE
OVERSIZED_BYTES = 5 * 1024 * 1024  # the brief's 5 MB; clients must cap at 1 MiB (P5)
# What a reset leaves on the wire: headers promising more than is ever sent.
PARTIAL_RESPONSE = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 4096\r\n\r\n"
    b'{"access_token": "'
)
MALFORMED_BODY = b'{"error": "authorization_pending", "interval": 5,, <html>'


class DroppedConnection(ConnectionAbortedError):
    """Raised after a fault reset the connection; Werkzeug treats it as a client drop."""


def _reset_socket(sock: socket.socket) -> None:
    """Make close() send a TCP RST instead of a FIN (SO_LINGER with a zero timeout)."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(LISTEN_BACKLOG)
    except OSError:
        sock.close()
        raise
    return sock


class SimWSGIServer(ThreadedWSGIServer):
    """Werkzeug's threaded server plus connection-level faults (refuse, reset)."""

    def __init__(
        self,
        host: str,
        port: int,
        app: WSGIApp,
        ctx: SimContext,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.ctx = ctx
        self._reset: set[int] = set()
        self._reset_lock = threading.Lock()
        # Bind ourselves: Werkzeug prints and calls sys.exit() when its own bind fails,
        # whereas an OSError here lets start_server() say what to change.
        listener = _listen(host, port)
        try:
            super().__init__(
                host,
                port,
                app,
                handler=SimRequestHandler,
                ssl_context=tls,
                fd=listener.fileno(),
            )
        finally:
            listener.close()  # Werkzeug keeps its own duplicate of the descriptor

    def mark_reset(self, sock: socket.socket) -> None:
        _reset_socket(sock)
        with self._reset_lock:
            self._reset.add(id(sock))

    def verify_request(self, request: Any, client_address: Any) -> bool:
        if self.ctx.faults.take("refuse"):
            self.mark_reset(request)
            return False
        return True

    def shutdown_request(self, request: Any) -> None:
        with self._reset_lock:
            reset = id(request) in self._reset
            self._reset.discard(id(request))
        if reset:
            request.close()  # RST: no shutdown(), so no FIN goes first
            return
        super().shutdown_request(request)


class SimRequestHandler(WSGIRequestHandler):
    """Request handler that closes after a fault and logs paths without query strings."""

    def make_environ(self) -> Environ:
        environ: Environ = super().make_environ()
        environ["sim.server"] = self.server
        return environ

    def connection_dropped(self, error: BaseException, environ: Any = None) -> None:
        self.close_connection = True

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        path = self.path.split("?", 1)[0]
        log.info("%s %s %s", self.command, path, code)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug(format, *args)


class FaultMiddleware:
    """Applies faults to API endpoints; browser and admin pages are never faulted."""

    def __init__(self, app: WSGIApp, ctx: SimContext) -> None:
        self.app = app
        self.ctx = ctx
        d = ctx.dialect
        self.paths: dict[str, str] = {
            d.device_path: "device_authorization",
            d.token_path: "token",
            d.userinfo_path: "userinfo",
        }
        if d.revocation_path:
            self.paths[d.revocation_path] = "revocation"
        for path in ctx.discovery_paths:
            self.paths[path] = "discovery"

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        endpoint = self.paths.get(environ.get("PATH_INFO", ""))
        if endpoint is None:
            return self.app(environ, start_response)
        faults = self.ctx.faults
        applies = faults.applies_to(endpoint)
        latency = faults.get("latency")
        if latency and applies:
            time.sleep(float(latency))
        if faults.get("captive_portal"):
            start_response(
                "200 OK",
                [
                    ("Content-Type", "text/html; charset=utf-8"),
                    ("Content-Length", str(len(CAPTIVE_PORTAL))),
                ],
            )
            return [CAPTIVE_PORTAL]
        only = faults.get("only")
        if endpoint in only if only else endpoint == "token":
            retry_after = faults.get("retry_after")
            if faults.take("5xx"):
                headers = [
                    ("Content-Type", "text/html; charset=utf-8"),
                    ("Content-Length", str(len(SERVICE_UNAVAILABLE))),
                ]
                if retry_after is not None:
                    headers.append(("Retry-After", str(retry_after)))
                start_response("503 Service Unavailable", headers)
                return [SERVICE_UNAVAILABLE]
        if applies and faults.take("reset"):
            self._drop(environ, PARTIAL_RESPONSE)
        # Garbled and oversized replies are decided before the OAuth logic runs, so that they
        # never use up a device code behind the client's back (lose_token_response does that,
        # on purpose, and only that fault).
        if applies and faults.take("malformed"):
            start_response(
                "200 OK",
                [
                    ("Content-Type", "application/json"),
                    ("Content-Length", str(len(MALFORMED_BODY))),
                ],
            )
            return [MALFORMED_BODY]
        if applies and faults.take("oversized"):
            start_response(
                "200 OK",
                [("Content-Type", "application/json"), ("Content-Length", str(OVERSIZED_BYTES))],
            )
            return _oversized()
        status, headers, body = self._run(environ)
        if endpoint == "token" and status.startswith("200") and b"access_token" in body:
            if faults.take("lose_token_response"):
                self._drop(environ, b"")
        headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
        headers.append(("Content-Length", str(len(body))))
        start_response(status, headers)
        return [body]

    def _run(self, environ: Environ) -> tuple[str, list[tuple[str, str]], bytes]:
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            captured["status"], captured["headers"] = status, list(headers)
            return lambda data: None

        chunks = self.app(environ, capture)
        try:
            body = b"".join(chunks)
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()
        return captured["status"], captured["headers"], body

    def _drop(self, environ: Environ, partial: bytes) -> None:
        sock = environ.get("werkzeug.socket")
        server = environ.get("sim.server")
        if sock is not None and server is not None:
            if partial:
                try:
                    sock.sendall(partial)
                except OSError:
                    pass
            server.mark_reset(sock)
        raise DroppedConnection("fault injected: connection reset")


def _oversized() -> Iterable[bytes]:
    """A valid JSON object padded to OVERSIZED_BYTES, sent in 64 KiB chunks."""
    head = b'{"padding": "'
    tail = b'"}'
    yield head
    left = OVERSIZED_BYTES - len(head) - len(tail)
    chunk = b"x" * 65536
    while left > 0:
        piece = chunk[: min(left, len(chunk))]
        left -= len(piece)
        yield piece
    yield tail


__all__ = ["FaultMiddleware", "SimWSGIServer"]
