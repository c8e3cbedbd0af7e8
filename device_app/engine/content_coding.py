"""Decoding a response body's ``Content-Encoding`` (gzip, deflate) step by step, with a bound.

Each step inflates at most ``limit`` bytes (``zlib``'s ``max_length``), so a gzip bomb costs
about the caller's size cap in memory and is never inflated in full.
"""

from __future__ import annotations

import zlib


class UndecodableBody(Exception):
    """The body is not valid data in the coding its ``Content-Encoding`` names."""


class BodyDecoder:
    """Inflates one gzip or deflate body fed to it in pieces."""

    def __init__(self, coding: str) -> None:
        self._gzip = coding == "gzip"
        self._pending = b""  # deflate: the first bytes, until there are two to look at
        self._later_member = False  # past the first of several concatenated gzip members
        self._trailing_garbage = False
        self._obj = zlib.decompressobj(_GZIP) if self._gzip else None

    def decode(self, data: bytes, limit: int) -> bytes:
        """What ``data`` inflates to; stops at ``limit`` bytes (the body is then too large)."""
        if self._trailing_garbage:
            return b""
        try:
            return self._decode(data, limit)
        except zlib.error as exc:
            raise UndecodableBody(str(exc)) from None

    def finish(self) -> bytes:
        """Whatever inflated output is still held back at the end of the body."""
        if self._trailing_garbage:
            return b""
        if self._obj is None:
            if self._pending:
                raise UndecodableBody("a deflate body of one byte")
            return b""  # an empty body
        try:
            return self._obj.flush()
        except zlib.error as exc:
            raise UndecodableBody(str(exc)) from None

    def _decode(self, data: bytes, limit: int) -> bytes:
        if self._obj is None:
            # deflate: RFC 9110 §8.4.1.2 means the zlib format, but some servers send raw
            # deflate; the first two bytes tell which (as urllib3 and browsers decide it).
            data = self._pending + data
            if len(data) < 2:
                self._pending = data
                return b""
            self._pending = b""
            self._obj = zlib.decompressobj(zlib.MAX_WBITS if _zlib_header(data) else -15)
        out = bytearray()
        while data and len(out) < limit:
            try:
                out += self._obj.decompress(data, limit - len(out))
            except zlib.error:
                if not self._later_member:
                    raise
                self._trailing_garbage = True  # bytes after a whole gzip member: ignored,
                break  # as urllib3 did
            data = self._obj.unconsumed_tail
            if self._gzip and self._obj.eof and self._obj.unused_data:
                # Another gzip member follows (concatenated gzip files are one stream).
                data = self._obj.unused_data
                self._obj = zlib.decompressobj(_GZIP)
                self._later_member = True
        return bytes(out)


_GZIP = 16 + zlib.MAX_WBITS  # wbits for the gzip container


def _zlib_header(data: bytes) -> bool:
    """True when ``data`` starts like a zlib stream (RFC 1950 §2.2: CM 8, FCHECK)."""
    return data[0] & 0x0F == 8 and (data[0] << 8 | data[1]) % 31 == 0


def decoder_for(content_encoding: str) -> BodyDecoder | None:
    """A decoder for the header's coding; None for identity or a coding we never asked for.

    A coding the transport did not offer (``Accept-Encoding: gzip, deflate``) is passed
    through as it came, as before.
    """
    coding = content_encoding.strip().lower()
    if coding in ("gzip", "x-gzip"):
        return BodyDecoder("gzip")
    if coding == "deflate":
        return BodyDecoder("deflate")
    return None
