"""Form encoding, percent-encoding and URL splitting that work on CPython and MicroPython.

MicroPython has no ``urllib.parse``; this module is the small part of it the core needs.
"""

_SAFE = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
_HEX = "0123456789ABCDEF"


def quote(text, plus=True):
    """Percent-encode ``text`` (UTF-8) for application/x-www-form-urlencoded.

    WHATWG URL standard, urlencoded serializer: space becomes ``+`` in form bodies.
    """
    out = []
    for b in str(text).encode("utf-8"):
        if b in _SAFE:
            out.append(chr(b))
        elif b == 0x20 and plus:
            out.append("+")
        else:
            out.append("%" + _HEX[b >> 4] + _HEX[b & 15])
    return "".join(out)


def _hexval(c):
    o = ord(c)
    if 48 <= o <= 57:
        return o - 48
    if 65 <= o <= 70:
        return o - 55
    if 97 <= o <= 102:
        return o - 87
    return -1


def unquote(text, plus=True):
    """Decode a percent-encoded string; malformed escapes are kept as they are.

    Bytes that are not valid UTF-8 make the whole value come back undecoded.
    """
    if plus:
        text = text.replace("+", " ")
    if "%" not in text:
        return text
    raw = bytearray()
    i = 0
    n = len(text)
    while i < n:
        c = text[i]
        if c == "%" and i + 2 < n:
            hi = _hexval(text[i + 1])
            lo = _hexval(text[i + 2])
            if hi >= 0 and lo >= 0:
                raw.append(hi * 16 + lo)
                i += 3
                continue
        raw.extend(c.encode("utf-8"))
        i += 1
    try:
        return bytes(raw).decode("utf-8")
    except UnicodeError:
        return text


def encode_form(fields):
    """Encode a dict (in order) as an urlencoded body (bytes); None values are skipped."""
    parts = []
    for k in fields:
        v = fields[k]
        if v is None:
            continue
        parts.append(quote(k) + "=" + quote(v))
    return "&".join(parts).encode("utf-8")


def decode_form(body):
    """Decode an urlencoded body (bytes or str) into a dict; the first value of a key wins."""
    if isinstance(body, bytes):
        body = body.decode("utf-8")
    out = {}
    for part in body.split("&"):
        if not part:
            continue
        i = part.find("=")
        if i < 0:
            k, v = part, ""
        else:
            k, v = part[:i], part[i + 1 :]
        k = unquote(k)
        if k not in out:
            out[k] = unquote(v)
    return out


def split_url(url):
    """Split an absolute URL into (scheme, userinfo, host, port, rest).

    ``host`` is lower-cased and keeps no brackets for IPv6; ``port`` is an int or None;
    ``rest`` is the path, query and fragment. Raises ValueError for anything unusable.
    """
    i = url.find(":")
    if i <= 0:
        raise ValueError("no scheme")
    scheme = url[:i].lower()
    for c in scheme:
        if not (c.isalpha() or c.isdigit() or c in "+-."):
            raise ValueError("bad scheme")
    rest = url[i + 1 :]
    if not rest.startswith("//"):
        return scheme, "", "", None, rest
    rest = rest[2:]
    end = len(rest)
    for sep in "/?#":
        j = rest.find(sep)
        if 0 <= j < end:
            end = j
    authority = rest[:end]
    tail = rest[end:]
    userinfo = ""
    at = authority.rfind("@")
    if at >= 0:
        userinfo = authority[:at]
        authority = authority[at + 1 :]
    port = None
    if authority.startswith("["):
        close = authority.find("]")
        if close < 0:
            raise ValueError("bad IPv6 literal")
        host = authority[1:close]
        after = authority[close + 1 :]
        if after:
            if not after.startswith(":"):
                raise ValueError("bad port")
            port = _port(after[1:])
    else:
        c = authority.rfind(":")
        if c >= 0:
            host = authority[:c]
            port = _port(authority[c + 1 :])
        else:
            host = authority
    return scheme, userinfo, host.lower(), port, tail


def _port(text):
    if not text:
        return None
    for c in text:
        if not ("0" <= c <= "9"):  # ASCII only: str.isdigit() also takes "８" and "٣"
            raise ValueError("bad port")
    p = int(text)
    if p > 65535:
        raise ValueError("bad port")
    return p


def origin(url):
    """``scheme://host[:port]`` of an absolute URL."""
    scheme, _u, host, port, _r = split_url(url)
    h = "[" + host + "]" if ":" in host else host
    return scheme + "://" + h + (":%d" % port if port is not None else "")


def b64encode(data):
    """Standard base64 of bytes, as str (for HTTP Basic client authentication)."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    out = []
    for i in range(0, len(data), 3):
        chunk = data[i : i + 3]
        n = len(chunk)
        v = 0
        for b in chunk:
            v = (v << 8) | b
        v <<= 8 * (3 - n)
        out.append(alphabet[(v >> 18) & 63])
        out.append(alphabet[(v >> 12) & 63])
        out.append(alphabet[(v >> 6) & 63] if n > 1 else "=")
        out.append(alphabet[v & 63] if n > 2 else "=")
    return "".join(out)
