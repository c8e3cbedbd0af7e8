"""Kept-alive connections: reused only when that is safe, never a request sent twice, and safe
from several threads at once (the TV app's workers share one transport)."""

from __future__ import annotations

import threading

import pytest

from device_app.core.errors import TransportError
from device_app.core.http import Request
from device_app.engine import transport as transport_mod
from device_app.engine.transport import HttpTransport

from .conftest import ServerFactory
from .servers import Captured, Conn, respond

pytestmark = pytest.mark.timeout(20)


def echo(conn: Conn, req: Captured) -> bool:
    conn.send(respond(200, req.target.encode(), keep_alive=True))
    return True


def test_a_connection_the_server_closed_while_idle_is_replaced(serve: ServerFactory) -> None:
    def once(conn: Conn, req: Captured) -> bool:
        conn.send(respond(200, b"{}", keep_alive=True))
        return False  # ...and then closes it anyway, as at the end of a keep-alive timeout

    server = serve(once)
    transport = HttpTransport()
    assert transport(Request("GET", server.url("/1"))).status == 200
    server.threads[0].join(2)  # the server has closed that connection
    assert transport(Request("GET", server.url("/2"))).status == 200
    assert (len(server.requests), server.connections) == (2, 2)


def test_a_request_that_failed_after_it_was_sent_is_not_sent_again(
    serve: ServerFactory,
) -> None:
    # A refresh with rotation sent twice would spend the refresh token: the failure is
    # reported, and the core decides what to do.
    def second_unanswered(conn: Conn, req: Captured) -> bool:
        if req.target == "/first":
            conn.send(respond(200, b"{}", keep_alive=True))
            return True
        return False  # reads the request, closes without answering

    server = serve(second_unanswered)
    transport = HttpTransport()
    assert transport(Request("GET", server.url("/first"))).status == 200
    with pytest.raises(TransportError) as info:
        transport(Request("POST", server.url("/token"), body=b"grant_type=refresh_token"))
    assert info.value.reason == "connect"
    assert [r.target for r in server.requests] == ["/first", "/token"]
    assert server.connections == 1


def test_connection_close_is_not_reused(serve: ServerFactory) -> None:
    def closing(conn: Conn, req: Captured) -> bool:
        conn.send(respond(200, b"{}"))  # Connection: close
        return True

    server = serve(closing)
    transport = HttpTransport()
    for _ in range(2):
        assert transport(Request("GET", server.url())).status == 200
    assert server.connections == 2


def test_a_response_not_read_to_its_end_is_not_reused(serve: ServerFactory) -> None:
    def big_then_small(conn: Conn, req: Captured) -> bool:
        body = b"x" * 5000 if req.target == "/big" else b"{}"
        conn.send(respond(200, body, keep_alive=True))
        return True

    server = serve(big_then_small)
    transport = HttpTransport(max_body=1000)
    with pytest.raises(TransportError):
        transport(Request("GET", server.url("/big")))
    assert transport(Request("GET", server.url("/small"))).body == b"{}"
    assert server.connections == 2


def test_close_drops_idle_connections_and_the_transport_stays_usable(
    serve: ServerFactory,
) -> None:
    server = serve(echo)
    transport = HttpTransport()
    transport(Request("GET", server.url("/1")))
    transport.close()
    assert transport(Request("GET", server.url("/2"))).body == b"/2"
    assert server.connections == 2


def test_threads_share_one_transport(serve: ServerFactory) -> None:
    # As many threads as the transport keeps idle connections: then none is ever closed for
    # want of room, so a new one is opened only while every other is busy. (With more
    # threads than that, how many get opened depends on scheduling: 8 threads once took 13.)
    server = serve(echo)
    transport = HttpTransport()
    wrong: list[object] = []
    threads_n = transport_mod._IDLE_PER_ROUTE

    def worker(n: int) -> None:
        for i in range(80 // threads_n):
            path = f"/{n}/{i}"
            try:
                body = transport(Request("GET", server.url(path))).body
            except TransportError as exc:
                wrong.append(exc)
                continue
            if body != path.encode():
                wrong.append((path, body))

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(15)
    assert wrong == []
    assert len(server.requests) == 80
    assert server.connections <= threads_n  # each thread holds at most one at a time
