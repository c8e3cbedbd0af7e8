"""A second process for the first seconds: it loads the HTTP stack and the QR encoder while
the display starts, then sends the app's first requests and encodes its first QR code.

Why: from power-on to the code on screen the app is busy in one core (Python runs one thread
at a time), while a Pi has four. ``run`` starts the helper first, as a new interpreter (a
fork would make the app copy each page it writes afterwards: 7 ms more to the first frame,
measured). As the app loads pygame, its board and its screens, opens the display and draws
the starting screen, the helper imports ``http.client``, the transport and the QR encoder;
told the transport's settings (from the flags, as ``run`` begins), it builds the TLS context
where the server speaks https: loading the CA bundles is the slowest part of a first
request. The first request still leaves only once the display is up and the flow asks for
it, as without the helper: a TV whose display fails asks the server for nothing.

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

import logging
import marshal
import os
import select
import signal
import struct
import sys
import threading
from typing import TYPE_CHECKING, Any

from device_app.core.errors import ConfigurationError, TransportError
from device_app.core.http import Request, Response
from device_app.ui import qr

if TYPE_CHECKING:
    from device_app.engine.wiring import TransportOnFirstUse

log = logging.getLogger("device_app.tv.startup_helper")

# The helper's end of each pipe, and how it starts: a new interpreter (a fork would make the
# app copy each page it writes afterwards, ~7 ms here).
_IN, _OUT = 3, 4
_MAIN = "import sys; from device_app.tv.startup_helper import main; main(int(sys.argv[1]))"

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
        """Start the helper; None on a single core (nothing to run beside) or where it cannot
        be started (no posix_spawn, out of processes), and then the app does it all."""
        cores = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else ()
        if len(cores) < 2 or not hasattr(os, "posix_spawn"):
            return None
        down_r, down_w = os.pipe()  # not inherited, as every descriptor Python opens ...
        up_r, up_w = os.pipe()
        level = logging.getLogger().getEffectiveLevel()
        argv = [sys.executable, "-c", _MAIN, str(level)]
        # ... but these two, as the helper's descriptors 3 and 4.
        moves = [(os.POSIX_SPAWN_DUP2, down_r, _IN), (os.POSIX_SPAWN_DUP2, up_w, _OUT)]
        try:
            pid = os.posix_spawn(sys.executable, argv, os.environ, file_actions=moves)
        except OSError as e:
            log.warning("start-up helper: cannot start (%s); starting without it", e.strerror)
            return None
        finally:
            os.close(down_r)
            os.close(up_w)
        log.debug("start-up helper %d: loading the HTTP stack and the QR encoder", pid)
        return cls(pid, down_w, up_r)

    def configure(self, ca_bundle: str | None, tls_expected: bool) -> None:
        """The transport's settings, as early as the app knows them: the helper makes its
        transport (and TLS context) as soon as it has loaded. Sent once."""
        with self._lock:
            if self._closed or self._configured is not None:
                return
            self._configured = (ca_bundle, tls_expected)
            try:
                _write(self._out, ("transport", ca_bundle, tls_expected))
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
            qr.use_encoder(self)

    # -- the app's calls ---------------------------------------------------------------------

    def send(self, request: Request) -> Response:
        """``request`` sent by the helper; raises TransportError as the transport would."""
        reply: Any = ("unavailable",)  # what a released or gone helper amounts to
        with self._lock:
            if not self._closed:
                try:
                    reply = self._call(("send", _request_fields(request)))
                finally:
                    self._close_if_released()
        if reply is None:
            # The request may have left: never send it a second time (the flow retries).
            raise TransportError("the start-up helper stopped during a request")
        if reply[0] == "unavailable":  # the request has not left: it is sent here
            assert self._transport is not None  # send() is reached through attach() only
            return self._transport.made()(request)
        return _response_of(reply)

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
            "start-up helper %d released after %d request(s) and %d QR code(s)",
            self.pid,
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


def main(log_level: int) -> None:
    """The helper process: load, then answer on descriptors 3 and 4 until the app closes
    its end. Never returns."""
    status = 0
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the app's; EOF ends us
        from device_app.engine.logging_setup import setup_logging

        setup_logging(log_level)  # the app's level and redaction, on the same stderr
        from device_app.engine.transport import HttpTransport

        qr.load()
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
    transport: Any = None
    encoded: dict[str, qr.Rows] = {}  # what was encoded after its side was asked for
    while True:
        message = _read(_IN, None)
        if message is None:
            return
        if message[0] == "transport":  # no answer: the app does not wait for this
            transport = _transport(make_transport, *message[1:])
        elif message[0] == "qr_side":  # answer at once, then encode while the app lays out
            fitted = qr.fitted(message[1])
            _write(_OUT, ("ok", qr.side_of(fitted)))
            encoded = {message[1]: qr.rows_of(fitted)}
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
    except TransportError as e:
        return ("transport_error", str(e), e.reason, e.retry_after)
    except ConfigurationError as e:
        return ("configuration_error", str(e))
    return ("ok", resp.status, resp.headers, resp.body)


# -- messages --------------------------------------------------------------------------------


def _request_fields(r: Request) -> tuple[Any, ...]:
    form = dict(r.form) if r.form is not None else None
    return (r.method, r.url, dict(r.headers), form, r.body, tuple(r.secret_fields))


def _response_of(reply: tuple[Any, ...]) -> Response:
    if reply[0] == "ok":
        return Response(reply[1], reply[2], reply[3])
    if reply[0] == "configuration_error":
        raise ConfigurationError(reply[1])
    raise TransportError(reply[1], reply[2], reply[3])


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
