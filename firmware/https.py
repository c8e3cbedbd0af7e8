"""A small HTTP/1.1 client for the firmware: TLS with the certificate checked, no redirects.

Why not micropython-lib's ``requests``: it does not verify the server certificate
and follows redirects, re-posting a 307/308 body (the device
code) to wherever the ``Location`` points. Neither is acceptable for OAuth, so this module
sends one request per connection (``Connection: close``) over a TLS socket whose server
certificate must chain to the CA certificates given, for the host name asked for.

It is a transport for the core: ``HttpsTransport(...)(request) -> Response``, raising
``TransportError`` whose ``reason`` is one of ``device_app.core.errors.REASONS``. The socket
layer is injectable (``opener``) so the parser runs in tests on a fake stream.
"""

from device_app.core.errors import TransportError
from device_app.core.formenc import split_url
from device_app.core.http import Response

# A token response with an OpenID id_token is a few kB; a Pico W has a few hundred kB of RAM
# in all (264 kB on the RP2040), so answers are capped well below the desktop's 1 MiB.
MAX_BODY = 32 * 1024
MAX_LINE = 4096  # longest status or header line accepted
MAX_HEADERS = 64
TIMEOUT = 15  # seconds per socket operation (connect, each read): a slow TV network
ETIMEDOUT = (110, 116)  # lwIP / newlib ETIMEDOUT, and ETIMEDOUT on some ports' errno tables
USER_AGENT = "device-app-firmware/0.1"


def socket_opener(cadata, timeout=TIMEOUT):
    """The real opener: a TCP socket, wrapped in verified TLS for https."""

    def open_stream(scheme, host, port):
        import socket

        try:
            ai = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)[0]
            s = socket.socket(ai[0], socket.SOCK_STREAM, ai[2])
            s.settimeout(timeout)
            s.connect(ai[-1])
        except OSError as e:
            raise _transport_error("cannot connect to %s" % host, e, "connect") from None
        if scheme != "https":
            return s
        import tls  # MicroPython 1.23 and newer (older ones called it ssl)

        try:
            ctx = tls.SSLContext(tls.PROTOCOL_TLS_CLIENT)
            # verify_mode is documented (docs.micropython.org, tls.SSLContext) but missing
            # from micropython-rp2-stubs 1.29.0.post1.
            ctx.verify_mode = tls.CERT_REQUIRED  # type: ignore[attr-defined]
            ctx.load_verify_locations(cadata=cadata)
            # server_hostname gives SNI and makes mbedTLS check the name in the certificate.
            return ctx.wrap_socket(s, server_hostname=host)
        except OSError as e:
            s.close()
            raise TransportError(
                "TLS with %s failed (certificate not trusted, or the clock is wrong: %s)"
                % (host, e),
                reason="tls",
            ) from None

    return open_stream


def _transport_error(what, e, default):
    code = e.args[0] if e.args else None
    reason = "timeout" if code in ETIMEDOUT else default
    return TransportError("%s: %s" % (what, e), reason=reason)


def _header_value(value):
    value = str(value)
    if "\r" in value or "\n" in value:
        raise TransportError("a header value holds a line break", reason="other")
    return value


def request_bytes(request, host, port, default_port, target):
    """The HTTP/1.1 request head and body as bytes."""
    authority = "[%s]" % host if ":" in host else host
    if port is not None and port != default_port:
        authority += ":%d" % port
    lines = ["%s %s HTTP/1.1" % (request.method, target), "Host: " + authority]
    skip = ("host", "content-length", "connection")
    for k in request.headers:
        if k.lower() not in skip:
            lines.append("%s: %s" % (k, _header_value(request.headers[k])))
    if "user-agent" not in [k.lower() for k in request.headers]:
        lines.append("User-Agent: " + USER_AGENT)
    body = request.body or b""
    if body or request.method == "POST":
        lines.append("Content-Length: %d" % len(body))
    lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8") + body


def _readline(stream):
    line = stream.readline()
    if len(line) > MAX_LINE:
        raise TransportError("a response line is too long", reason="too_large")
    return line


def _read_exact(stream, n):
    parts = []
    got = 0
    while got < n:
        chunk = stream.read(n - got)
        if not chunk:
            raise TransportError("the connection closed mid-body", reason="other")
        parts.append(chunk)
        got += len(chunk)
    return b"".join(parts)


def read_response(stream, limit=MAX_BODY):
    """Read one HTTP/1.x response from a stream with ``readline()`` and ``read(n)``."""
    status_line = _readline(stream)
    parts = status_line.split(None, 2)
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/1.") or not parts[1].isdigit():
        raise TransportError("not an HTTP response", reason="other")
    status = int(parts[1])
    headers = {}
    for _ in range(MAX_HEADERS + 1):
        line = _readline(stream).rstrip(b"\r\n")
        if not line:
            break
        i = line.find(b":")
        if i > 0:
            name = line[:i].decode("utf-8").strip().lower()
            headers[name] = line[i + 1 :].decode("utf-8").strip()
    else:
        raise TransportError("too many response headers", reason="too_large")
    if "chunked" in headers.get("transfer-encoding", "").lower():
        body = _read_chunked(stream, limit)
    elif "content-length" in headers:
        text = headers["content-length"]
        if not text.isdigit():
            raise TransportError("bad Content-Length", reason="other")
        n = int(text)
        if n > limit:
            raise TransportError("the answer is larger than %d bytes" % limit, reason="too_large")
        body = _read_exact(stream, n)
    else:
        body = stream.read(limit + 1) or b""
        if len(body) > limit:
            raise TransportError("the answer is larger than %d bytes" % limit, reason="too_large")
    return Response(status, headers, body)


def _read_chunked(stream, limit):
    parts = []
    total = 0
    while True:
        size_line = _readline(stream).split(b";")[0].strip()
        try:
            n = int(size_line, 16)
        except ValueError:
            raise TransportError("bad chunk size", reason="other") from None
        if n == 0:
            break
        total += n
        if total > limit:
            raise TransportError("the answer is larger than %d bytes" % limit, reason="too_large")
        parts.append(_read_exact(stream, n))
        _readline(stream)  # the CRLF after each chunk
    return b"".join(parts)


class HttpsTransport:
    """``transport(request) -> Response`` for the core, one connection per request."""

    def __init__(self, opener, limit=MAX_BODY):
        self.opener = opener
        self.limit = limit

    def __call__(self, request):
        try:
            scheme, _userinfo, host, port, rest = split_url(request.url)
        except ValueError as e:
            raise TransportError("bad URL: %s" % e, reason="other") from None
        if scheme not in ("https", "http"):
            raise TransportError("unsupported scheme %s" % scheme, reason="other")
        default_port = 443 if scheme == "https" else 80
        target = rest.split("#")[0] or "/"
        if not target.startswith("/"):
            target = "/" + target
        stream = self.opener(scheme, host, port or default_port)
        try:
            stream.write(request_bytes(request, host, port, default_port, target))
            return read_response(stream, self.limit)
        except OSError as e:
            raise _transport_error("no answer from %s" % host, e, "connect") from None
        finally:
            stream.close()
