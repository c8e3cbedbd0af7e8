"""HttpTransport against real scripted servers on 127.0.0.1: requests, redirects, faults."""

from __future__ import annotations

import gzip
import json
import logging
import time
import tracemalloc
import zlib
from pathlib import Path

import pytest

from device_app import __version__
from device_app.core.errors import TransportError
from device_app.core.http import Request
from device_app.engine.transport import HttpTransport

from .conftest import ServerFactory
from .servers import Captured, Conn, Script, closed_port, respond

pytestmark = pytest.mark.timeout(20)

FORM = "application/x-www-form-urlencoded"
# Small budgets keep the fault tests short. A byte every 0.2 s is faster than any per-read
# timeout could notice (each read returns well within 1 s), so only a total deadline stops it.
TOTAL = 1.0
GAP = 0.2


def fast() -> HttpTransport:
    return HttpTransport(connect_timeout=1.0, total_timeout=TOTAL)


def answer(body: bytes, status: int = 200, /, **headers: str) -> Script:
    def script(conn: Conn, req: Captured) -> bool:
        conn.send(respond(status, body, headers))
        return False

    return script


def fails(transport: HttpTransport, request: Request) -> tuple[TransportError, float]:
    start = time.monotonic()
    with pytest.raises(TransportError) as info:
        transport(request)
    return info.value, time.monotonic() - start


# --- normal exchanges ------------------------------------------------------------------------


def test_json_200(serve: ServerFactory) -> None:
    server = serve(answer(b'{"ok": true}', **{"Cache-Control": "no-store"}))
    resp = HttpTransport()(Request("GET", server.url("/meta")))
    assert resp.status == 200
    assert json.loads(resp.body) == {"ok": True}
    assert resp.header("Cache-Control") == "no-store"
    assert resp.headers["content-type"] == "application/json"  # keys lower-cased
    got = server.requests[0]
    assert (got.method, got.target) == ("GET", "/meta")
    assert got.header("Accept") == "application/json"
    assert got.header("User-Agent") == f"device-app/{__version__}"


def test_form_body_and_exact_content_type(serve: ServerFactory) -> None:
    server = serve(answer(b'{"device_code": "x"}'))
    body = b"client_id=tv&scope=openid+profile&x=%C3%A9"
    req = Request(
        "POST",
        server.url("/device"),
        headers={"Content-Type": FORM},
        form={"client_id": "tv"},
        body=body,
    )
    resp = HttpTransport()(req)
    assert resp.status == 200
    got = server.requests[0]
    assert got.method == "POST"
    assert got.body == body
    assert got.header("Content-Length") == str(len(body))
    # django-oauth-toolkit rejects anything but exactly this: no "; charset=" suffix.
    content_types = [ln for ln in got.header_lines if ln.lower().startswith("content-type:")]
    assert content_types == [f"Content-Type: {FORM}"]
    assert not any(ln.lower().startswith(("cookie:", "authorization:")) for ln in got.header_lines)


def test_caller_headers_win_over_defaults(serve: ServerFactory) -> None:
    server = serve(answer(b"{}"))
    req = Request("GET", server.url(), headers={"accept": "text/plain", "User-Agent": "tv/9"})
    HttpTransport()(req)
    got = server.requests[0]
    assert got.header("Accept") == "text/plain"
    assert got.header("User-Agent") == "tv/9"
    assert sum(ln.lower().startswith("accept:") for ln in got.header_lines) == 1


def test_environment_adds_nothing(
    serve: ServerFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # requests' Session.request would add ~/.netrc credentials as an Authorization header.
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login user password netrc-canary\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    server = serve(answer(b"{}"))
    HttpTransport()(Request("GET", server.url()))
    got = server.requests[0]
    assert got.header("Authorization") is None
    assert got.header("Cookie") is None


def test_gzip_response_is_decoded(serve: ServerFactory) -> None:
    payload = json.dumps({"k": "v" * 1000}).encode()
    server = serve(answer(gzip.compress(payload), **{"Content-Encoding": "gzip"}))
    assert HttpTransport()(Request("GET", server.url())).body == payload


@pytest.mark.parametrize("status", [302, 307, 308])
def test_redirect_returned_not_followed(serve: ServerFactory, status: int) -> None:
    elsewhere = serve(answer(b'{"stolen": true}'))
    server = serve(answer(b"", status, Location=elsewhere.url("/token")))
    req = Request(
        "POST",
        server.url("/token"),
        headers={"Content-Type": FORM},
        form={"device_code": "D"},
        body=b"device_code=D",
        secret_fields=("device_code",),
    )
    resp = HttpTransport()(req)
    assert resp.status == status
    assert resp.header("location") == elsewhere.url("/token")
    assert elsewhere.requests == []  # the device code never went anywhere else


@pytest.mark.parametrize("status", [429, 503])
def test_rate_limit_answers_are_returned(serve: ServerFactory, status: int) -> None:
    server = serve(answer(b'{"error": "slow"}', status, **{"Retry-After": "7"}))
    resp = HttpTransport()(Request("GET", server.url()))
    assert (resp.status, resp.header("retry-after")) == (status, "7")


def test_keep_alive_connection_is_reused(serve: ServerFactory) -> None:
    def script(conn: Conn, req: Captured) -> bool:
        conn.send(respond(200, b"{}", keep_alive=True))
        return True

    server = serve(script)
    transport = HttpTransport()
    for _ in range(3):
        assert transport(Request("GET", server.url())).status == 200
    assert (len(server.requests), server.connections) == (3, 1)
    transport.close()


# --- the total deadline -----------------------------------------------------------------------


def test_slow_loris_body_is_cut_at_total_deadline(serve: ServerFactory) -> None:
    def script(conn: Conn, req: Captured) -> bool:
        conn.send(b"HTTP/1.1 200 OK\r\nContent-Length: 500\r\nConnection: close\r\n\r\n")
        conn.trickle(b"{" + b" " * 499, GAP)
        return False

    server = serve(script)
    err, took = fails(fast(), Request("GET", server.url()))
    assert err.reason == "timeout"
    assert TOTAL - 0.05 <= took < TOTAL + 0.8
    assert "127.0.0.1" in err.message


def test_slow_loris_headers_are_cut_at_total_deadline(serve: ServerFactory) -> None:
    def script(conn: Conn, req: Captured) -> bool:
        conn.send(b"HTTP/1.1 200 OK\r\n")
        conn.trickle(b"X-Padding: " + b"a" * 200 + b"\r\n\r\n", GAP)
        return False

    server = serve(script)
    err, took = fails(fast(), Request("GET", server.url()))
    assert err.reason == "timeout"
    assert TOTAL - 0.05 <= took < TOTAL + 0.8


def test_slow_loris_status_line_is_cut_at_total_deadline(serve: ServerFactory) -> None:
    def script(conn: Conn, req: Captured) -> bool:
        conn.trickle(b"HTTP/1.1 200 OK\r\n\r\n", GAP)
        return False

    server = serve(script)
    err, took = fails(fast(), Request("GET", server.url()))
    assert err.reason == "timeout"
    assert took < TOTAL + 0.8


def test_close_delimited_slow_body_is_not_mistaken_for_a_short_one(
    serve: ServerFactory,
) -> None:
    # No Content-Length and no chunking: the body ends when the connection closes, so the
    # deadline's shutdown looks like a normal end of body to http.client.
    def script(conn: Conn, req: Captured) -> bool:
        conn.send(b"HTTP/1.0 200 OK\r\n\r\n")
        conn.trickle(b"x" * 100, GAP)
        return False

    server = serve(script)
    err, _ = fails(fast(), Request("GET", server.url()))
    assert err.reason == "timeout"


def test_headers_then_stalled_body(serve: ServerFactory) -> None:
    def script(conn: Conn, req: Captured) -> bool:
        conn.send(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{")
        conn.wait_closed()
        return False

    server = serve(script)
    # A per-read timeout longer than the total: only the total deadline can end this.
    err, took = fails(fast(), Request("GET", server.url()))
    assert err.reason == "timeout"
    assert took < TOTAL + 0.8


def test_stalled_tls_handshake_is_cut(serve: ServerFactory) -> None:
    def script(conn: Conn, req: Captured) -> bool:
        conn.wait_closed()  # accepts TCP, never answers the ClientHello
        return False

    server = serve(script, raw=True)
    err, took = fails(fast(), Request("GET", f"https://127.0.0.1:{server.port}/"))
    assert err.reason == "timeout"
    assert took < TOTAL + 0.8


def test_slow_loris_on_a_reused_connection(serve: ServerFactory) -> None:
    def script(conn: Conn, req: Captured) -> bool:
        if req.target == "/first":
            conn.send(respond(200, b"{}", keep_alive=True))
            return True
        conn.send(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")
        conn.trickle(b"x" * 100, GAP)
        return False

    server = serve(script)
    transport = fast()
    assert transport(Request("GET", server.url("/first"))).status == 200
    err, took = fails(transport, Request("GET", server.url("/second")))
    assert err.reason == "timeout"
    assert took < TOTAL + 0.8
    assert server.connections == 1  # the guard covered the kept-alive socket


# --- size caps -------------------------------------------------------------------------------


def _peak_while(fn: object) -> tuple[BaseException | None, int]:
    tracemalloc.start()
    try:
        try:
            fn()  # type: ignore[operator]
            caught = None
        except TransportError as exc:
            caught = exc
        return caught, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_ten_megabyte_body_is_refused_by_length(serve: ServerFactory) -> None:
    def script(conn: Conn, req: Captured) -> bool:
        conn.send(b"HTTP/1.1 200 OK\r\nContent-Length: 10485760\r\n\r\n")
        for _ in range(160):
            conn.send(b"x" * 65536)
        return False

    server = serve(script)
    err, took = fails(fast(), Request("GET", server.url()))
    assert err.reason == "too_large"
    assert took < 0.5


def test_ten_megabyte_body_without_length_is_capped(serve: ServerFactory) -> None:
    def script(conn: Conn, req: Captured) -> bool:
        conn.send(b"HTTP/1.0 200 OK\r\n\r\n")
        for _ in range(160):
            conn.send(b"x" * 65536)
        return False

    server = serve(script)
    transport = HttpTransport()
    err, peak = _peak_while(lambda: transport(Request("GET", server.url())))
    assert isinstance(err, TransportError) and err.reason == "too_large"
    assert peak < 4 * 1024 * 1024, peak  # read up to the cap, not the 10 MB


def test_endless_chunked_body_is_capped(serve: ServerFactory) -> None:
    def script(conn: Conn, req: Captured) -> bool:
        conn.send(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        chunk = b"%x\r\n%s\r\n" % (4096, b"y" * 4096)
        while True:
            conn.send(chunk)

    server = serve(script)
    transport = HttpTransport(max_body=100_000)
    err, peak = _peak_while(lambda: transport(Request("GET", server.url())))
    assert isinstance(err, TransportError) and err.reason == "too_large"
    assert "100000 bytes" in err.message
    assert peak < 2 * 1024 * 1024, peak


def test_endless_body_on_a_redirect_is_capped(serve: ServerFactory) -> None:
    # requests' Session.send reads a redirect's whole body even with allow_redirects=False;
    # the transport must not go through that path.
    def script(conn: Conn, req: Captured) -> bool:
        conn.send(b"HTTP/1.1 302 Found\r\nLocation: /x\r\nTransfer-Encoding: chunked\r\n\r\n")
        chunk = b"%x\r\n%s\r\n" % (4096, b"y" * 4096)
        while True:
            conn.send(chunk)

    server = serve(script)
    transport = HttpTransport(max_body=100_000, total_timeout=5)
    start = time.monotonic()
    err, peak = _peak_while(lambda: transport(Request("GET", server.url())))
    assert isinstance(err, TransportError) and err.reason == "too_large"
    assert peak < 2 * 1024 * 1024, peak
    assert time.monotonic() - start < 1.0


def _gzip_bomb(size: int) -> bytes:
    comp = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: gzip container
    block = b"\0" * (1 << 20)
    parts = [comp.compress(block) for _ in range(size >> 20)]
    return b"".join([*parts, comp.flush()])


def test_gzip_bomb_is_capped_without_inflating_it(serve: ServerFactory) -> None:
    bomb = _gzip_bomb(200 << 20)  # 200 MiB of zeros in about 200 KB
    assert len(bomb) < 400_000
    server = serve(answer(bomb, **{"Content-Encoding": "gzip"}))
    transport = HttpTransport()
    start = time.monotonic()
    err, peak = _peak_while(lambda: transport(Request("GET", server.url())))
    assert isinstance(err, TransportError) and err.reason == "too_large"
    assert peak < 8 * 1024 * 1024, peak  # far below the 200 MiB it would inflate to
    assert time.monotonic() - start < 2.0


def test_body_exactly_at_the_cap_is_accepted(serve: ServerFactory) -> None:
    server = serve(answer(b"z" * 1000))
    assert len(HttpTransport(max_body=1000)(Request("GET", server.url())).body) == 1000


# --- broken connections ------------------------------------------------------------------------


def test_connection_refused() -> None:
    err, took = fails(fast(), Request("GET", f"http://127.0.0.1:{closed_port()}/"))
    assert err.reason == "connect"
    assert "refused" in err.message
    assert took < 0.5


def test_connection_reset_mid_response(serve: ServerFactory) -> None:
    def script(conn: Conn, req: Captured) -> bool:
        conn.send(b'HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n{"access')
        time.sleep(0.05)  # let the client start reading the body
        conn.reset()
        return False

    server = serve(script)
    err, _ = fails(fast(), Request("GET", server.url()))
    assert err.reason == "connect"


def test_reset_before_any_response(serve: ServerFactory) -> None:
    def script(conn: Conn, req: Captured) -> bool:
        conn.reset()
        return False

    server = serve(script)
    err, _ = fails(fast(), Request("GET", server.url()))
    assert err.reason == "connect"


def test_truncated_body_short_of_content_length(serve: ServerFactory) -> None:
    def script(conn: Conn, req: Captured) -> bool:
        conn.send(b'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{"access_token": "x')
        return False  # then a normal close (FIN)

    server = serve(script)
    err, _ = fails(fast(), Request("GET", server.url()))
    assert err.reason == "connect"
    assert "before the whole response" in err.message


def test_garbage_instead_of_http(serve: ServerFactory) -> None:
    def script(conn: Conn, req: Captured) -> bool:
        conn.send(b"SSH-2.0-OpenSSH_9.6\r\n\r\n")
        return False

    server = serve(script)
    err, _ = fails(fast(), Request("GET", server.url()))
    assert err.reason in ("other", "connect")
    assert "127.0.0.1" in err.message


def test_invalid_url_is_reported_not_raised_raw() -> None:
    err, _ = fails(fast(), Request("GET", "ftp://127.0.0.1/x"))
    assert err.reason == "other"


# --- logging -----------------------------------------------------------------------------------


def test_debug_log_never_holds_secrets(
    serve: ServerFactory, caplog: pytest.LogCaptureFixture
) -> None:
    secret_body = b'{"access_token": "AT-canary-123", "refresh_token": "RT-canary-456"}'
    server = serve(answer(secret_body))
    req = Request(
        "POST",
        server.url("/token"),
        headers={"Content-Type": FORM, "Authorization": "Basic Y2xpZW50OnNlY3JldC1jYW5hcnk="},
        form={"grant_type": "refresh_token", "refresh_token": "RT-canary-old"},
        body=b"grant_type=refresh_token&refresh_token=RT-canary-old",
        secret_fields=("refresh_token",),
    )
    with caplog.at_level(logging.DEBUG, logger="device_app.engine.transport"):
        HttpTransport()(req)
    text = "\n".join(r.getMessage() for r in caplog.records)
    for canary in ("canary", "Y2xpZW50"):
        assert canary not in text
    assert "grant_type" in text and "refresh_token" in text  # names are fine, values are not
    assert f"200, {len(secret_body)} bytes" in text


# --- proxies -------------------------------------------------------------------------------------


def test_proxy_from_environment_is_used_and_guarded(
    serve: ServerFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    def proxy(conn: Conn, req: Captured) -> bool:
        if req.target.endswith("/fast"):
            conn.send(respond(200, b'{"via": "proxy"}'))
            return False
        conn.send(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")
        conn.trickle(b"x" * 100, GAP)
        return False

    server = serve(proxy)
    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy", "http_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", server.url())
    transport = fast()
    resp = transport(Request("GET", "http://auth.example.test/fast"))
    assert resp.body == b'{"via": "proxy"}'
    assert server.requests[0].target == "http://auth.example.test/fast"  # absolute form
    err, took = fails(transport, Request("GET", "http://auth.example.test/slow"))
    assert err.reason == "timeout"
    assert took < TOTAL + 0.8
