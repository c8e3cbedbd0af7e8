"""Content-Encoding over a real connection: gzip and both kinds of deflate, decoded under the
size cap; a body that does not decode is reported, never returned half-decoded."""

from __future__ import annotations

import gzip
import zlib

import pytest

from device_app.core.errors import TransportError
from device_app.core.http import Request
from device_app.engine.content_coding import BodyDecoder, UndecodableBody
from device_app.engine.transport import HttpTransport

from .conftest import ServerFactory
from .servers import Captured, Conn, respond

pytestmark = pytest.mark.timeout(20)

PAYLOAD = b'{"access_token": "' + b"a" * 3000 + b'"}'


def coded(body: bytes, coding: str, *, chunked: bool = False):  # type: ignore[no-untyped-def]
    def script(conn: Conn, req: Captured) -> bool:
        if not chunked:
            conn.send(respond(200, body, {"Content-Encoding": coding}))
            return False
        head = f"HTTP/1.1 200 OK\r\nContent-Encoding: {coding}\r\nTransfer-Encoding: chunked\r\n"
        conn.send(head.encode() + b"Connection: close\r\n\r\n")
        for i in range(0, len(body), 7):  # small chunks: the decoder gets odd pieces
            piece = body[i : i + 7]
            conn.send(b"%x\r\n%s\r\n" % (len(piece), piece))
        conn.send(b"0\r\n\r\n")
        return False

    return script


def raw_deflate(data: bytes) -> bytes:
    comp = zlib.compressobj(6, zlib.DEFLATED, -15)
    return comp.compress(data) + comp.flush()


@pytest.mark.parametrize(
    ("coding", "body"),
    [
        ("gzip", gzip.compress(PAYLOAD)),
        ("x-gzip", gzip.compress(PAYLOAD)),
        ("deflate", zlib.compress(PAYLOAD)),  # RFC 9110: the zlib format
        ("deflate", raw_deflate(PAYLOAD)),  # what some servers send instead
        ("gzip", gzip.compress(PAYLOAD[:100]) + gzip.compress(PAYLOAD[100:])),  # two members
        ("identity", PAYLOAD),
    ],
)
@pytest.mark.parametrize("chunked", [False, True])
def test_codings_are_decoded(serve: ServerFactory, coding: str, body: bytes, chunked: bool) -> None:
    server = serve(coded(body, coding, chunked=chunked))
    assert HttpTransport()(Request("GET", server.url())).body == PAYLOAD


def test_a_coding_never_asked_for_is_passed_through(serve: ServerFactory) -> None:
    server = serve(coded(b"\x1b\x00opaque", "br"))
    assert HttpTransport()(Request("GET", server.url())).body == b"\x1b\x00opaque"


@pytest.mark.parametrize(
    ("coding", "body"),
    [
        ("gzip", b"this is not gzip at all"),
        ("gzip", gzip.compress(PAYLOAD)[:40] + b"\xff" * 40),
        ("deflate", b"\xff\xfe\xfd\xfc"),
        ("deflate", b"x"),
    ],
)
def test_an_undecodable_body_is_other(serve: ServerFactory, coding: str, body: bytes) -> None:
    server = serve(coded(body, coding))
    with pytest.raises(TransportError) as info:
        HttpTransport()(Request("GET", server.url()))
    assert info.value.reason == "other"
    host = f"127.0.0.1:{server.port}"
    assert info.value.message == f"The response from {host} could not be decompressed."


def test_deflated_body_is_capped_after_decoding(serve: ServerFactory) -> None:
    server = serve(coded(zlib.compress(b"z" * 50_000), "deflate"))
    with pytest.raises(TransportError) as info:
        HttpTransport(max_body=10_000)(Request("GET", server.url()))
    assert info.value.reason == "too_large"


def test_empty_deflate_blocks_cannot_run_on_forever(serve: ServerFactory) -> None:
    # Stored blocks of length 0 inflate to nothing: far more than the cap of them is refused.
    def endless(conn: Conn, req: Captured) -> bool:
        conn.send(b"HTTP/1.1 200 OK\r\nContent-Encoding: deflate\r\nConnection: close\r\n\r\n")
        conn.send(b"\x78\x9c")  # zlib header
        for _ in range(200):
            conn.send(b"\x00\x00\x00\xff\xff" * 2000)

    server = serve(endless)
    with pytest.raises(TransportError) as info:
        HttpTransport(max_body=100_000, total_timeout=5)(Request("GET", server.url()))
    assert info.value.reason == "too_large"


def test_each_step_inflates_at_most_the_limit() -> None:
    decoder = BodyDecoder("gzip")
    bomb = gzip.compress(b"\0" * (20 << 20))
    out = decoder.decode(bomb, 1000)
    assert len(out) == 1000


def test_trailing_garbage_after_a_whole_gzip_member_is_ignored() -> None:
    decoder = BodyDecoder("gzip")
    data = gzip.compress(PAYLOAD) + gzip.compress(b"!") + b"\x00garbage"
    assert decoder.decode(data, 1 << 20) + decoder.finish() == PAYLOAD + b"!"
    with pytest.raises(UndecodableBody):
        BodyDecoder("gzip").decode(b"garbage", 100)
