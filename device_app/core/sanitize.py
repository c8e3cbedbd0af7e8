"""Untrusted server strings: what may reach a terminal or a screen, and which URIs we accept.

A server's strings (user codes, URIs, error descriptions, names) are data from the network.
Control characters, escape sequences and bidirectional overrides never pass through, and
absurd lengths are cut (design-notes §3).
"""

from device_app.core.formenc import split_url

MAX_TEXT = 200  # longest server text shown (error descriptions, names); longer is cut
MAX_URI = 512  # a verification URI longer than this cannot be shown or scanned sensibly
# An endpoint is never shown, only called: no real one comes close to this, and it bounds what
# a hostile discovery document can make us store and log.
MAX_ENDPOINT = 2048
MAX_USER_CODE = 32  # Auth0 allows 20 including separators; Google asks for room for 15

# Bidi controls (U+200E/F, U+202A-202E, U+2066-2069), zero-width and BOM characters, and the
# line/paragraph separators U+2028/9 (renderers and some terminals break the line on them).
_INVISIBLE = (
    0x200B,
    0x200C,
    0x200D,
    0x200E,
    0x200F,
    0x2060,
    0xFEFF,
    0x061C,
    0x180E,
    0x2028,
    0x2029,
)


def _bad_char(o):
    if o < 0x20 or o == 0x7F or 0x80 <= o < 0xA0:  # C0, DEL, C1 (CSI 0x9B included)
        return True
    if 0x202A <= o <= 0x202E or 0x2061 <= o <= 0x206F or 0xFFF9 <= o <= 0xFFFB:
        return True  # bidi embeddings/isolates, invisible operators, interlinear annotations
    if 0xE0000 <= o <= 0xE007F:
        return True  # tag characters: invisible copies of ASCII ("ASCII smuggling")
    return o in _INVISIBLE or 0xD800 <= o <= 0xDFFF


def has_control(text):
    """True when ``text`` holds a character that must never reach a terminal or screen."""
    for ch in text:
        if _bad_char(ord(ch)):
            return True
    return False


def clean_text(value, limit=MAX_TEXT):
    """Return a display-safe version of an untrusted value (None stays None).

    Control and invisible characters become spaces (ESC sequences thus lose their power),
    runs of white space are folded, and the result is cut to ``limit`` characters with "…".
    """
    if value is None:
        return None
    if not isinstance(value, str):
        value = str(value)
    out = []  # type: list
    space = False
    for ch in value:
        if _bad_char(ord(ch)) or ch in " \t":
            if not space and out:
                out.append(" ")
            space = True
            continue
        out.append(ch)
        space = False
        if len(out) > limit:
            break
    text = "".join(out).strip()
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def is_loopback(host):
    """127.0.0.0/8, ::1 and localhost."""
    host = host.lower().rstrip(".")
    if host in ("localhost", "::1", "0:0:0:0:0:0:0:1"):
        return True
    parts = host.split(".")
    if len(parts) == 4 and parts[0] == "127":
        for p in parts:
            # ASCII digits only: str.isdigit() also takes "²", which int() refuses.
            if not p or not all("0" <= c <= "9" for c in p) or int(p) > 255:
                return False
        return True
    return False


def check_uri(uri, insecure_hosts=(), allowed_hosts=None, endpoint=False):
    """Return the URI if a person or a request may safely go there, else raise ValueError(reason).

    The one URL policy of the package: https only; plain http only for loopback or for hosts
    the user explicitly allowed (the simulator's LAN mode). ``javascript:``/``data:``,
    credentials in the URI and control characters are refused. ``allowed_hosts``, when given,
    is an allow-list of hosts. An ``endpoint`` (which the client calls, never shows) may be
    longer, and may not have a fragment (RFC 6749 §3.1 and §3.2).
    """
    if not isinstance(uri, str) or not uri:
        raise ValueError("missing")
    limit = MAX_ENDPOINT if endpoint else MAX_URI
    if len(uri) > limit:
        raise ValueError("longer than %d characters" % limit)
    if has_control(uri) or " " in uri:
        raise ValueError("contains control characters or spaces")
    try:
        scheme, userinfo, host, _port, rest = split_url(uri)
    except ValueError as e:
        what = "a valid URL" if "://" in uri else "an absolute URL"
        raise ValueError("not %s (%s)" % (what, e)) from None
    if scheme not in ("https", "http"):
        raise ValueError(
            "scheme %s: is not allowed (not an absolute https URL)" % clean_text(scheme, 20)
        )
    if not host:
        raise ValueError("no host")
    if userinfo:
        raise ValueError("carries credentials (user info) before the host")
    if endpoint and "#" in rest:
        raise ValueError("contains a fragment")
    for ch in host:
        if ord(ch) > 127 or not (ch.isalpha() or ch.isdigit() or ch in ".-:_"):
            raise ValueError("host has unexpected characters (non-ASCII hosts must be punycode)")
    if scheme == "http" and not (is_loopback(host) or host in insecure_hosts):
        raise ValueError("plain http to %s (only https, or http to loopback)" % host)
    if allowed_hosts is not None and host not in allowed_hosts:
        raise ValueError("host %s is not in the allowed list" % host)
    return uri


def check_user_code(code):
    """Return the user code unchanged if it can be shown as it is, else raise ValueError."""
    if not isinstance(code, str) or not code.strip():
        raise ValueError("missing")
    if len(code) > MAX_USER_CODE:
        raise ValueError("longer than %d characters" % MAX_USER_CODE)
    if has_control(code):
        raise ValueError("contains control characters")
    return code
