"""The TV's start-up helper process: it carries the transport's requests and encodes QR codes
until released, answers as the in-process transport would, and never outlives its use.

Each test starts a real helper (a new interpreter); the servers are real sockets on
127.0.0.1.
"""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from device_app.core.errors import ConfigurationError, ProtocolError, TransportError
from device_app.core.http import Request
from device_app.engine.discovery import discover
from device_app.engine.transport import HttpTransport
from device_app.engine.wiring import TransportOnFirstUse
from device_app.tv import helper_process
from device_app.tv.startup_helper import StartupHelper
from device_app.ui import qr

from .conftest import ServerFactory
from .servers import Captured, Conn, respond

pytestmark = pytest.mark.timeout(30)


def ok(conn: Conn, req: Captured) -> bool:
    body = b'{"pid": "%d", "got": "%s"}' % (os.getpid(), req.body)
    conn.send(respond(200, body, {"X-Seen": req.header("x-probe") or ""}))
    return False


def gone(pid: int) -> bool:
    """True once ``pid`` has ended (a zombie not yet reaped counts as ended)."""
    end = time.monotonic() + 10
    while time.monotonic() < end:
        try:
            with open("/proc/%d/stat" % pid) as f:
                if f.read().rpartition(")")[2].split()[0] == "Z":
                    return True
        except FileNotFoundError:
            return True
        time.sleep(0.01)
    return False


def start_helper() -> tuple[TransportOnFirstUse, StartupHelper]:
    """A helper given a transport (as ``run`` does once the session is built)."""
    helper = StartupHelper.start()
    assert helper is not None, "this machine has 2 cores: the helper must start"
    transport = TransportOnFirstUse(tls_expected=False)
    helper.attach(transport)
    return transport, helper


@pytest.fixture
def started() -> Iterator[tuple[TransportOnFirstUse, StartupHelper]]:
    transport, helper = start_helper()
    yield transport, helper
    helper.release()
    assert gone(helper.pid)


def test_requests_go_through_the_helper_until_released(
    started: tuple[TransportOnFirstUse, StartupHelper], serve: ServerFactory
) -> None:
    transport, helper = started
    server = serve(ok)
    form_body = b"client_id=tv&scope=a+b"
    request = Request("POST", server.url("/device"), {"X-Probe": "1"}, body=form_body)
    resp = transport(request)
    assert resp.status == 200
    assert resp.header("x-seen") == "1"  # headers and body crossed the pipe both ways
    assert b'"got": "client_id=tv&scope=a+b"' in resp.body
    assert transport._made is None  # this process never made its transport: the helper sent it
    # The same bytes as the in-process transport gets (status, lower-cased headers, body).
    direct = HttpTransport()(request)
    assert (direct.status, direct.header("x-seen")) == (resp.status, resp.header("x-seen"))

    helper.release()
    assert transport.stand_in is None
    assert gone(helper.pid)
    assert transport(request).status == 200  # now sent here
    assert transport._made is not None


def test_transport_errors_cross_as_the_same_error(
    started: tuple[TransportOnFirstUse, StartupHelper],
) -> None:
    transport, _helper = started
    with socket_closed_port() as url:
        with pytest.raises(TransportError) as via_helper:
            transport(Request("GET", url))
        with pytest.raises(TransportError) as here:
            HttpTransport()(Request("GET", url))
    assert via_helper.value.reason == here.value.reason == "connect"
    assert str(via_helper.value) == str(here.value)


class socket_closed_port:
    """A URL on 127.0.0.1 where nothing listens (a port bound, then closed)."""

    def __enter__(self) -> str:
        import socket

        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        return "http://127.0.0.1:%d/x" % port

    def __exit__(self, *exc: object) -> None:
        pass


def test_qr_codes_come_from_the_helper_and_match(
    started: tuple[TransportOnFirstUse, StartupHelper],
) -> None:
    _transport, helper = started
    payload = "https://example.com/activate?user_code=WDJB-MJHT"
    assert helper.qr_side(payload) == len(qr.encode(payload)) == 41  # known before the rows
    rows = helper.qr_rows(payload)  # encoded meanwhile
    assert rows is not None and rows == qr.encode(payload)
    long = "https://example.com/activate?user_code=" + "X" * 200  # a version with more rows
    assert helper.qr_rows(long) == qr.encode(long)  # rows without asking the side first
    assert helper.qr_side(long) == len(qr.encode(long)) > 41
    assert qr.matrix("https://example.com/a?x=%d" % os.getpid()) == qr.encode(
        "https://example.com/a?x=%d" % os.getpid()
    )
    helper.release()
    assert helper.qr_rows(payload) is None  # released: the caller encodes


def test_a_helper_that_dies_costs_one_failed_request_then_the_app_sends_itself(
    started: tuple[TransportOnFirstUse, StartupHelper], serve: ServerFactory
) -> None:
    transport, helper = started
    server = serve(ok)
    os.kill(helper.pid, signal.SIGKILL)
    assert gone(helper.pid)
    with pytest.raises(TransportError, match="start-up helper stopped"):
        transport(Request("GET", server.url("/first")))  # it may have left: not sent twice
    assert transport.stand_in is None
    assert transport(Request("GET", server.url("/second"))).status == 200
    assert helper.qr_rows("x") is None


def test_the_helper_ends_when_the_app_goes() -> None:
    """Its pipe closes with the app (here: the pipe's end closed without a release)."""
    _transport, helper = start_helper()
    os.close(helper._out)  # what the kernel does when the app exits or is killed
    assert gone(helper.pid)
    os.close(helper._in)
    helper._closed = True
    os.waitpid(helper.pid, 0)


def test_the_helper_inherits_no_descriptor_of_the_app() -> None:
    """A lock file or the event log the app holds open never reaches the helper."""
    with open(os.devnull, "rb") as held:
        _transport, helper = start_helper()
        try:
            assert helper.qr_rows("x") is not None  # it runs
            fds = os.listdir("/proc/%d/fd" % helper.pid)
            assert str(held.fileno()) not in fds
            # Besides stdio and its two pipe ends, only what this process was itself given
            # to pass on (here: by the shell that started pytest); nothing it opened.
            extra = {int(fd) for fd in fds} - {0, 1, 2, 3, 4}
            assert all(os.get_inheritable(fd) for fd in extra), extra
        finally:
            helper.release()
    assert gone(helper.pid)


def test_no_helper_on_a_single_core(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing to run beside: the helper would only add a process."""
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0})
    assert StartupHelper.start() is None


def test_a_helper_never_attached_ends_on_release() -> None:
    """The settings screen asks nothing of a server: the helper is let go unused."""
    helper = StartupHelper.start()
    assert helper is not None
    helper.release()
    assert gone(helper.pid)
    assert qr._encoder is None


def test_settings_the_helper_cannot_use_leave_the_request_to_the_app(
    tmp_path: Path, serve: ServerFactory
) -> None:
    """A CA bundle it cannot load: it answers "not me", and the app's own transport says
    what to fix (in one sentence, as without a helper); nothing was sent."""
    junk = tmp_path / "ca.pem"
    junk.write_text("not a certificate\n")
    helper = StartupHelper.start()
    assert helper is not None
    helper.configure(str(junk), False)  # what _configure_helper sends from the flags
    transport = TransportOnFirstUse(tls_expected=False)
    transport.ca_bundle = str(junk)  # the session's transport of the same flags
    helper.attach(transport)
    server = serve(ok)
    try:
        with pytest.raises(ConfigurationError, match="could not be loaded"):
            transport(Request("GET", server.url("/x")))
        assert server.connections == 0
        assert helper.served == {"send": 1}
    finally:
        helper.release(warm=False)
    assert gone(helper.pid)


def test_a_transport_of_other_settings_is_not_attached() -> None:
    _transport, helper = start_helper()  # configured by attach: no CA bundle, plain http
    other = TransportOnFirstUse(tls_expected=True)
    helper.attach(other)  # cannot happen on a TV (one set of flags); the helper lets go
    assert other.stand_in is None
    assert gone(helper.pid)


def metadata(conn: Conn, req: Captured) -> bool:
    """An authorization server's metadata (OIDC discovery), for whatever host it was asked."""
    base = "http://%s" % req.header("host")
    doc = {
        "issuer": base,
        "device_authorization_endpoint": base + "/device",
        "token_endpoint": base + "/token",
    }
    conn.send(respond(200, json.dumps(doc).encode(), {"Content-Type": "application/json"}))
    return False


def not_json(conn: Conn, req: Captured) -> bool:
    conn.send(respond(200, b"<html>sign in</html>", {"Content-Type": "text/html"}))
    return False


def test_discovery_is_done_by_the_helper_as_the_app_would(
    started: tuple[TransportOnFirstUse, StartupHelper], serve: ServerFactory, tmp_path: Path
) -> None:
    transport, helper = started
    assert transport.discover_stand_in == helper.discover  # what the session's profile asks
    server = serve(metadata)
    issuer = server.url("").rstrip("/")
    options = {"mode": "auto", "allow_insecure_hosts": (), "issuer_check": "exact"}
    cache = tmp_path / "cache"
    found = helper.discover(issuer, transport, cache_dir=cache, **options)
    assert found["device_authorization_endpoint"] == issuer + "/device"
    assert helper.served == {"discover": 1}
    assert transport._made is None  # this process sent nothing itself
    here = discover(issuer, HttpTransport(), cache_dir=tmp_path / "other", **options)
    assert found == here
    # The helper kept what it found where the app keeps it: the app reads it from now on.
    assert len(list(cache.glob("discovery-*.json"))) == 1
    asked = server.connections
    helper.release()
    assert transport.discover_stand_in is None
    assert helper.discover(issuer, transport, cache_dir=cache, **options) == found  # here
    assert helper.served == {"discover": 1} and server.connections == asked  # from the cache


def test_discovery_errors_cross_as_the_same_error(
    started: tuple[TransportOnFirstUse, StartupHelper], serve: ServerFactory
) -> None:
    transport, helper = started
    issuer = serve(not_json).url("").rstrip("/")
    with pytest.raises(ProtocolError) as via_helper:
        helper.discover(issuer, transport, mode="oidc", cache_dir=None)
    with pytest.raises(ProtocolError) as here:
        discover(issuer, HttpTransport(), mode="oidc", cache_dir=None)
    assert str(via_helper.value) == str(here.value)
    with socket_closed_port() as url:
        issuer = url.rpartition("/")[0]
        with pytest.raises(TransportError) as via_helper_t:
            helper.discover(issuer, transport, mode="oidc")
        with pytest.raises(TransportError) as here_t:
            discover(issuer, HttpTransport(), mode="oidc")
    assert via_helper_t.value.reason == here_t.value.reason == "connect"
    with pytest.raises(ConfigurationError, match="mode"):
        helper.discover(issuer, transport, mode="sideways")
    assert helper.served == {"discover": 3}


def test_run_takes_the_helper_the_entry_point_started() -> None:
    """``device-app run`` starts it before the CLI has loaded; ``run`` takes that one."""
    helper_process.start_early()
    helper_process.start_early()  # once per process
    assert len(helper_process._early) == 1
    pid = helper_process._early[0][0]
    helper = StartupHelper.start()
    assert helper is not None and helper.pid == pid
    assert helper_process.take_early() is None
    assert helper.qr_rows("x") is not None  # it answers
    helper.release()
    assert gone(pid)


def test_a_helper_started_early_that_no_run_took_ends() -> None:
    """``device-app run --help``, or a mistake in its flags: the helper goes at once."""
    helper_process.start_early()
    pid = helper_process._early[0][0]
    helper_process.drop_early()
    assert helper_process.take_early() is None
    assert gone(pid)
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:  # drop_early reaped it already
        pass
