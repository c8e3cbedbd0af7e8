"""A second process for the first seconds: it loads discovery, the HTTP stack and the QR
encoder while the display starts, then does the app's discovery (from its cache, mostly),
sends its first requests and encodes its first QR code.

Why: from power-on to the code on screen the app is busy in one core (Python runs one thread
at a time), while a Pi has four. The ``device-app`` entry point starts the helper before it
loads the rest of the command line, when it sees ``run`` (tv/helper_process.py), as a new
interpreter (a fork would make the app copy each page it writes afterwards: 7 ms more to
the first frame, measured). As the app loads the CLI, pygame, its board and its screens,
opens the display and draws the starting screen, the helper imports discovery,
``http.client``, the transport and then the QR encoder; told the transport's settings and
the log level (from the flags, as ``run`` begins), it builds the TLS context where the
server speaks https: loading the CA bundles is the slowest part of a first request. The
first request still leaves only once the display is up and the flow asks for it, as without
the helper: a TV whose display fails asks the server for nothing.

The app releases the helper once a screen other than the starting one is up; from then on
its own transport (warmed up in a background thread at that moment) carries every request.
The helper also ends when the app's end of the pipe closes, so it never outlives the app.
It holds no secret of its own: requests arrive complete (a DPoP proof is made in the app),
and it inherits no descriptor but its two pipes (Python opens every other one
non-inheritable): no token store lock, no event log.

One request at a time, over two pipes, each message a 4-byte length and a ``marshal``
payload (both ends are this program: nothing foreign is ever unmarshalled).
"""

from __future__ import annotations

import codecs
import logging
import marshal
import os
import select
import signal
import struct
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from device_app.core.errors import (
    ConfigurationError,
    DeviceAppError,
    ProtocolError,
    TransportError,
)
from device_app.core.http import Request, Response
from device_app.tv import helper_process
from device_app.ui import qr

if TYPE_CHECKING:
    from collections.abc import Callable

    from device_app.engine.wiring import TransportOnFirstUse

    Transport = Callable[[Request], Response]

log = logging.getLogger("device_app.tv.startup_helper")

# The helper's end of each pipe.
_IN, _OUT = helper_process.HELPER_IN, helper_process.HELPER_OUT

# s of silence after which the helper counts as stuck: well past any request's own deadline
# (the transport ends each within 20 s), so a slow server is never taken for a stuck helper.
REPLY_WAIT = 60.0
# s the screen waits for a QR code from the helper while a request holds it, before
# encoding the code itself.
QR_WAIT = 0.05
_LENGTH = struct.Struct("!I")


class StartupHelper:
    """The app's end: the transport's requests and the QR codes go to the helper until
    :meth:`release`."""

    def __init__(self, pid: int, to_helper: int, from_helper: int) -> None:
        self.pid = pid
        self._out = to_helper
        self._in = from_helper
        self._transport: TransportOnFirstUse | None = None  # the app's, once attached
        self._configured: tuple[str | None, bool] | None = None  # what configure() sent
        self._lock = threading.Lock()  # one call at a time; also guards the state below
        self._released = False
        self._closed = False
        self.served: dict[str, int] = {}  # calls answered, by kind

    @classmethod
    def start(cls) -> StartupHelper | None:
        """The helper the entry point started (tv/helper_process.py), else one started now;
        None on a single core (nothing to run beside) or where it cannot be started (no
        posix_spawn, out of processes), and then the app does it all."""
        early = helper_process.take_early()
        if early is not None:
            log.debug("start-up helper %d started by the entry point", early[0])
            return cls(*early)
        if not helper_process.can_spawn():
            return None
        try:
            spawned = helper_process.spawn()
        except OSError as e:
            log.warning("start-up helper: cannot start (%s); starting without it", e.strerror)
            return None
        log.debug(
            "start-up helper %d started: it loads the HTTP stack and the QR encoder", spawned[0]
        )
        return cls(*spawned)

    def configure(self, ca_bundle: str | None, tls_expected: bool) -> None:
        """The transport's settings, as early as the app knows them: the helper makes its
        transport (and TLS context) as soon as it has loaded, and logs at the app's level
        from then on. Sent once."""
        with self._lock:
            if self._closed or self._configured is not None:
                return
            self._configured = (ca_bundle, tls_expected)
            level = logging.getLogger().getEffectiveLevel()
            try:
                _write(self._out, ("configure", level, ca_bundle, tls_expected))
            except OSError:
                self._stop()

    def attach(self, transport: TransportOnFirstUse) -> None:
        """Send ``transport``'s requests and the QR codes to the helper from now on (its
        settings too, unless :meth:`configure` gave the same already)."""
        settings = (transport.ca_bundle, transport.tls_expected)
        if self._configured not in (None, settings):  # never on the TV: one set of flags
            self.release(warm=False)
            return
        self.configure(*settings)
        with self._lock:
            if self._closed:
                return
            self._transport = transport
            transport.stand_in = self.send
            transport.discover_stand_in = self.discover
            qr.use_encoder(self)

    # -- the app's calls ---------------------------------------------------------------------

    def send(self, request: Request) -> Response:
        """``request`` sent by the helper; raises TransportError as the transport would."""
        reply = self._exchange(("send", _request_fields(request)))
        if reply is None:
            # The request may have left: never send it a second time (the flow retries).
            raise TransportError("the start-up helper stopped during a request")
        if reply[0] == "unavailable":  # the request has not left: it is sent here
            assert self._transport is not None  # send() is reached through attach() only
            return self._transport.made()(request)
        if reply[0] == "ok":
            return Response(reply[1], reply[2], reply[3])
        raise _error_of(reply)

    def discover(self, issuer: str, transport: Transport, **options: Any) -> dict[str, Any]:
        """engine/discovery.py's ``discover``, done by the helper, which has that module and
        OpenSSL's hashes (the cache file's name) loaded: in the app they would load on the
        way to the first request, ~5 ms (issue 14). Done here, with ``transport``, when the
        helper cannot (released, gone, no transport of its own)."""
        cache_dir = options.get("cache_dir")
        sent = dict(options, cache_dir=None if cache_dir is None else str(cache_dir))
        reply = self._exchange(("discover", issuer, sent))
        if reply is None or reply[0] == "unavailable":  # a GET: safe to ask again here
            from device_app.engine.discovery import discover

            return discover(issuer, transport, **options)
        if reply[0] == "ok":
            metadata: dict[str, Any] = reply[1]
            return metadata
        raise _error_of(reply)

    def qr_side(self, payload: str) -> int | None:
        """The QR's side in modules for ``payload``, at once; the helper encodes it next,
        while the app lays the screen out. None: encode it yourself."""
        reply = self._ask(("qr_side", payload))
        return int(reply[1]) if reply is not None else None

    def qr_rows(self, payload: str) -> qr.Rows | None:
        """The QR modules of ``payload``, or None (encode it yourself) when the helper is
        busy, gone or failed."""
        reply = self._ask(("qr", payload))
        return tuple(tuple(row) for row in reply[1]) if reply is not None else None

    def _ask(self, message: tuple[Any, ...]) -> Any:
        """The helper's "ok" reply to a QR question; None when it is busy with a request
        (the screen does not wait for the network), gone or failed."""
        if not self._lock.acquire(timeout=QR_WAIT):
            return None
        try:
            if self._closed:
                return None
            reply = self._call(message)
            return reply if reply is not None and reply[0] == "ok" else None
        finally:
            self._close_if_released()
            self._lock.release()

    def release(self, warm: bool = True) -> None:
        """Start-up is over: requests and QR codes are done in the app again, and (``warm``)
        its own transport is made now in the background, so the first poll waits for
        nothing. The helper ends once a call in progress is answered."""
        if self._released:
            return
        self._released = True
        transport = self._transport
        log.debug(
            "start-up helper %d released after %d discovery, %d request(s) and %d QR code(s)",
            self.pid,
            self.served.get("discover", 0),
            self.served.get("send", 0),
            self.served.get("qr", 0),
        )
        self._detach()
        if transport is not None and warm:
            # Not a daemon: an exit waits the few ms it takes rather than ending the
            # interpreter (and OpenSSL) under it while it loads CA bundles (a crash, seen).
            threading.Thread(target=_warm, args=(transport,), name="warm").start()
        if self._lock.acquire(blocking=False):
            try:
                self._close_if_released()
            finally:
                self._lock.release()

    # -- inside --------------------------------------------------------------------------------

    def _exchange(self, message: tuple[Any, ...]) -> Any:
        """The helper's reply to a request or discovery; ``("unavailable",)`` once it is
        released or gone, None when it stopped answering during this call."""
        with self._lock:
            if self._closed:
                return ("unavailable",)
            try:
                return self._call(message)
            finally:
                self._close_if_released()

    def _call(self, message: tuple[Any, ...]) -> Any:
        """The helper's reply to ``message``; None if it is gone or stuck (it is then
        stopped and not asked again)."""
        try:
            _write(self._out, message)
            reply = _read(self._in, REPLY_WAIT)
        except OSError:
            reply = None
        if reply is None:
            log.warning("the start-up helper stopped answering; going on without it")
            self._stop()
        else:
            self.served[message[0]] = self.served.get(message[0], 0) + 1
        return reply

    def _close_if_released(self) -> None:
        if self._released and not self._closed:
            self._stop()

    def _detach(self) -> None:
        if self._transport is not None and self._transport.stand_in == self.send:
            self._transport.stand_in = None
        if self._transport is not None and self._transport.discover_stand_in == self.discover:
            self._transport.discover_stand_in = None
        if self._transport is not None:
            qr.use_encoder(None)

    def _stop(self) -> None:
        """Close the pipes (the helper ends at once) and reap it in the background."""
        if self._closed:
            return
        self._closed = True
        self._detach()
        for fd in (self._out, self._in):
            try:
                os.close(fd)
            except OSError:
                pass
        pid = self.pid
        threading.Thread(target=_reap, args=(pid,), name="helper-reap", daemon=True).start()


def _warm(transport: TransportOnFirstUse) -> None:
    try:
        transport.warm()
    except Exception as e:  # the first request meets it again and says why
        log.debug("warming the transport failed: %s", e)


def _reap(pid: int) -> None:
    try:
        _, status = os.waitpid(pid, 0)
    except ChildProcessError:
        return
    if os.WIFEXITED(status) and os.WEXITSTATUS(status):  # it logged why
        log.warning("start-up helper ended with status %d", os.WEXITSTATUS(status))


# -- the helper process ----------------------------------------------------------------------


def main() -> None:
    """The helper process: load, then answer on descriptors 3 and 4 until the app closes
    its end. Never returns."""
    status = 0
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the app's; EOF ends us
        from device_app.engine.logging_setup import setup_logging

        setup_logging()  # the app's redaction, on the same stderr; its level comes later
        # What the app asks for first, in that order: discovery (its module, and OpenSSL's
        # hashes for the cache file's name), then the first request (the transport, and the
        # codec every name lookup goes through, which the first request would load).
        import hashlib  # noqa: F401

        import device_app.engine.discovery  # noqa: F401
        from device_app.engine.transport import HttpTransport

        codecs.lookup("idna")
        # The QR encoder is asked for last, once the code has come: it loads beside the
        # rest, mostly while a request waits for the server (the import lock makes a QR
        # asked for meanwhile wait for it).
        threading.Thread(target=qr.load, name="qr-load", daemon=True).start()
        _serve(HttpTransport)
    except BaseException as e:  # a helper must end quietly; the app carries on
        log.warning("start-up helper failed (%s); the app goes on without it", type(e).__name__)
        log.debug("details", exc_info=True)
        status = 1
    finally:
        try:
            sys.stderr.flush()
        finally:
            os._exit(status)


def _serve(make_transport: Any) -> None:
    """Answer the app's messages in turn until its end of the pipe closes."""
    from device_app.engine.logging_setup import setup_logging

    transport: Any = None
    encoded: dict[str, qr.Rows] = {}  # what was encoded after its side was asked for
    while True:
        message = _read(_IN, None)
        if message is None:
            return
        if message[0] == "configure":  # no answer: the app does not wait for this
            setup_logging(message[1])
            transport = _transport(make_transport, *message[2:])
        elif message[0] == "qr_side":  # answer at once, then encode while the app lays out
            fitted = qr.fitted(message[1])
            _write(_OUT, ("ok", qr.side_of(fitted)))
            encoded = {message[1]: qr.rows_of(fitted)}
        elif message[0] == "discover":
            _write(_OUT, _discovered(message[1], message[2], transport))
        elif message[0] == "qr":
            rows = encoded.pop(message[1], None)
            _write(_OUT, ("ok", rows if rows is not None else qr.encode(message[1])))
        else:
            _write(_OUT, _answer(message, transport))


def _transport(make: Any, ca_bundle: str | None, tls_expected: bool) -> Any:
    """The helper's transport, warmed; None when the settings are refused (the app refuses
    them too, and says why)."""
    try:
        transport = make(ca_bundle=ca_bundle)
        if tls_expected:
            transport.warm_tls()
    except (ConfigurationError, OSError):
        return None
    return transport


def _answer(message: tuple[Any, ...], transport: Any) -> Any:
    if transport is None:
        return ("unavailable",)
    try:
        resp = transport(Request(*message[1]))
    except (TransportError, ConfigurationError) as e:
        return _error_reply(e)
    return ("ok", resp.status, resp.headers, resp.body)


def _discovered(issuer: str, options: dict[str, Any], transport: Any) -> Any:
    if transport is None:
        return ("unavailable",)
    from device_app.engine.discovery import discover

    cache_dir = options.pop("cache_dir", None)
    try:
        metadata = discover(
            issuer, transport, cache_dir=None if cache_dir is None else Path(cache_dir), **options
        )
    except (TransportError, ConfigurationError, ProtocolError) as e:
        return _error_reply(e)
    return ("ok", metadata)


def _error_reply(e: DeviceAppError) -> tuple[Any, ...]:
    if isinstance(e, TransportError):
        return ("transport_error", str(e), e.reason, e.retry_after)
    kind = "configuration_error" if isinstance(e, ConfigurationError) else "protocol_error"
    return (kind, str(e))


# -- messages --------------------------------------------------------------------------------


def _request_fields(r: Request) -> tuple[Any, ...]:
    form = dict(r.form) if r.form is not None else None
    return (r.method, r.url, dict(r.headers), form, r.body, tuple(r.secret_fields))


def _error_of(reply: tuple[Any, ...]) -> DeviceAppError:
    """The exception an error reply stands for (as the helper's call raised it)."""
    if reply[0] == "configuration_error":
        return ConfigurationError(reply[1])
    if reply[0] == "protocol_error":
        return ProtocolError(reply[1])
    return TransportError(reply[1], reply[2], reply[3])


def _write(fd: int, message: Any) -> None:
    data = marshal.dumps(message)
    view = memoryview(_LENGTH.pack(len(data)) + data)
    while view:
        view = view[os.write(fd, view) :]


def _read(fd: int, timeout: float | None) -> Any:
    """One message, or None at end of file or after ``timeout`` s of silence."""
    head = _read_exactly(fd, _LENGTH.size, timeout)
    if head is None:
        return None
    body = _read_exactly(fd, _LENGTH.unpack(head)[0], timeout)
    # Only ever this program's own messages, from its own pipe (see the module's docstring).
    return None if body is None else marshal.loads(body)  # noqa: S302


def _read_exactly(fd: int, n: int, timeout: float | None) -> bytes | None:
    chunks = []
    while n:
        if timeout is not None and not select.select([fd], [], [], timeout)[0]:
            return None
        chunk = os.read(fd, n)
        if not chunk:
            return None
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)
