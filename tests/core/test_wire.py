"""The portable helpers: form encoding, URL splitting, body parsing, cleaning, backoff."""

from __future__ import annotations

import base64
import calendar
import datetime
import email.utils
import json
import urllib.parse
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from device_app.core import backoff, formenc, jsonparse, sanitize
from device_app.core.http import Request, Response

from .fakes import unsafe_chars

FAST = settings(max_examples=150, deadline=None)


# ----------------------------------------------------------------------------- formenc
@FAST
@given(st.dictionaries(st.text(min_size=1), st.text(), max_size=8))
def test_form_round_trip(d: Any) -> None:
    assert formenc.decode_form(formenc.encode_form(d)) == d


@FAST
@given(st.text())
def test_quote_round_trip_and_matches_the_stdlib(text: Any) -> None:
    assert formenc.unquote(formenc.quote(text)) == text
    assert formenc.unquote(formenc.quote(text, plus=False), plus=False) == text
    assert formenc.quote(text) == urllib.parse.quote_plus(text, safe="~")
    assert formenc.quote(text, plus=False) == urllib.parse.quote(text, safe="~")


@FAST
@given(st.binary(max_size=64))
def test_b64encode_matches_the_stdlib(data: Any) -> None:
    assert formenc.b64encode(data) == base64.b64encode(data).decode()


def test_encode_form_skips_none_and_keeps_order() -> None:
    body = formenc.encode_form({"b": "1 2", "a": None, "c": "é&="})
    assert body == b"b=1+2&c=%C3%A9%26%3D"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a%2", "a%2"),  # cut escape kept
        ("%zz", "%zz"),
        ("%41%62", "Ab"),
        ("%e9", "%e9"),  # not UTF-8: the value comes back undecoded
        ("a+b", "a b"),
        ("100%", "100%"),
        ("%C3%A9", "é"),
        ("%c3%a9", "é"),
    ],
)
def test_unquote_is_tolerant(text: Any, expected: Any) -> None:
    assert formenc.unquote(text) == expected


def test_decode_form_edge_cases() -> None:
    assert formenc.decode_form(b"a=1&a=2&&b&=x&c=%20") == {"a": "1", "b": "", "": "x", "c": " "}
    assert formenc.decode_form("") == {}


@pytest.mark.parametrize(
    ("url", "parts"),
    [
        ("https://Example.COM/path?q=1#f", ("https", "", "example.com", None, "/path?q=1#f")),
        ("HTTP://host:8080", ("http", "", "host", 8080, "")),
        ("https://host:/x", ("https", "", "host", None, "/x")),
        ("https://[::1]:8443/x", ("https", "", "::1", 8443, "/x")),
        ("https://[2001:DB8::1]/", ("https", "", "2001:db8::1", None, "/")),
        ("https://[::1]", ("https", "", "::1", None, "")),
        ("https://u:p@h/", ("https", "u:p", "h", None, "/")),
        ("https://a@b@c/", ("https", "a@b", "c", None, "/")),
        ("https://h?x=@y", ("https", "", "h", None, "?x=@y")),
        ("https://h#@y", ("https", "", "h", None, "#@y")),
        ("mailto:x@y", ("mailto", "", "", None, "x@y")),
        ("javascript:alert(1)", ("javascript", "", "", None, "alert(1)")),
        ("https://h:0/", ("https", "", "h", 0, "/")),
        ("https://h:65535/", ("https", "", "h", 65535, "/")),
    ],
)
def test_split_url(url: Any, parts: Any) -> None:
    assert formenc.split_url(url) == parts


@pytest.mark.parametrize(
    "url",
    [
        "",
        "no-scheme",
        ":x",
        "ht tp://h",
        "h\x00ttp://h",
        "https://h:65536/",
        "https://h:-1/",
        "https://h:8o/",
        "https://h:٣/",
        "https://h:８/",
        "https://[::1/",
        "https://[::1]x/",
        "https://[::1]:x/",
    ],
)
def test_split_url_refuses(url: Any) -> None:
    with pytest.raises(ValueError):
        formenc.split_url(url)


def test_origin() -> None:
    assert formenc.origin("https://H.example:8443/a/b?c") == "https://h.example:8443"
    assert formenc.origin("http://[::1]:80/") == "http://[::1]:80"
    assert formenc.origin("https://h") == "https://h"


# ----------------------------------------------------------------------------- jsonparse
@pytest.mark.parametrize(
    ("ctype", "body", "expected"),
    [
        ("application/json", b'{"a": 1}', {"a": 1}),
        ("application/json; charset=utf-8", b' {"a": 1} ', {"a": 1}),
        ("application/problem+json", b'{"a": 1}', {"a": 1}),
        ("", b'{"a": 1}', {"a": 1}),  # no content type: JSON if it looks like JSON
        ("text/html", b'{"a": 1}', {"a": 1}),
        ("application/x-www-form-urlencoded", b"a=1&b=2", {"a": "1", "b": "2"}),
        ("application/x-www-form-urlencoded", b'{"a": 1}', {"a": 1}),
        ("Application/X-WWW-Form-Urlencoded; charset=utf-8", b"a=%20", {"a": " "}),
        ("application/x-www-form-urlencoded", b"&&", None),
        ("text/plain", b"error=slow_down", {"error": "slow_down"}),
        ("text/plain", b"<b>error=x</b>", None),
        ("text/plain", b"just words", None),
        ("text/html", b"<html>portal</html>", None),
        ("application/json", b"[1, 2]", None),
        ("application/json", b"null", None),
        ("application/json", b'"text"', None),
        ("application/json", b"{bad json", None),
        ("application/json", b"\xff\xfe{}", None),  # not UTF-8
        ("application/json", b"", None),
        ("application/json", b"[" * 100_000, None),  # nesting bomb
    ],
)
def test_parse_body(ctype: Any, body: Any, expected: Any) -> None:
    assert jsonparse.parse_body({"content-type": ctype} if ctype else {}, body) == expected


def test_parse_body_accepts_str_and_duplicate_keys() -> None:
    assert jsonparse.parse_body({}, '{"a": 1, "a": 2}') == {"a": 2}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (5, 5.0),
        ("5", 5.0),
        (" 5.5 ", 5.5),
        (5.7, 5.7),
        (-1, -1.0),
        (True, None),
        (None, None),
        ("NaN", None),
        ("inf", None),
        (float("nan"), None),
        (float("-inf"), None),
        ("x", None),
        ([5], None),
        (10**400, None),
        ("1e400", None),
        ("1e12", 1e12),
    ],
)
def test_get_number(value: Any, expected: Any) -> None:
    assert jsonparse.get_number({"n": value}, ("n",)) == expected


def test_get_number_and_get_str_take_the_first_usable_alias() -> None:
    data = {"a": "x", "b": 3, "c": "", "d": "ok"}
    assert jsonparse.get_number(data, ("missing", "a", "b")) == 3.0
    assert jsonparse.get_str(data, ("missing", "b", "c", "d")) == "ok"
    assert jsonparse.get_str(data, ("b", "c")) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, 7), (0, 7), (-1, 7), (0.5, 1), (3, 3), (100, 60)],
)
def test_clamp(value: Any, expected: Any) -> None:
    assert jsonparse.clamp(value, 1, 60, 7) == expected


def test_dumps() -> None:
    assert json.loads(jsonparse.dumps({"a": [1, "é"]})) == {"a": [1, "é"]}


# ----------------------------------------------------------------------------- sanitize
@FAST
@given(st.text(), st.integers(min_value=2, max_value=300))
def test_clean_text_output_is_always_display_safe(text: Any, limit: Any) -> None:
    out = sanitize.clean_text(text, limit)
    assert not unsafe_chars(out)
    assert len(out) <= limit
    assert out == out.strip()
    assert "  " not in out
    assert not sanitize.has_control(out)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("", ""),
        ("  plain  text ", "plain text"),
        ("a\x1b[2Jb", "a [2Jb"),
        ("a\x9b31mb", "a 31mb"),
        ("bell\x07", "bell"),
        ("r\u202eevil", "r evil"),
        ("tab\tand\nnewline", "tab and newline"),
        (42, "42"),
        ("x" * 300, "x" * 199 + "…"),
        ("ünïcödé ✓ 日本", "ünïcödé ✓ 日本"),
    ],
)
def test_clean_text(value: Any, expected: Any) -> None:
    assert sanitize.clean_text(value) == expected


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("localhost", True),
        ("LOCALHOST.", True),
        ("127.0.0.1", True),
        ("127.255.1.2", True),
        ("::1", True),
        ("0:0:0:0:0:0:0:1", True),
        ("127.0.0.256", False),
        ("127.0.0", False),
        ("127.a.0.1", False),
        ("127.0.0.1.evil.com", False),
        ("10.0.0.1", False),
        ("localhost.evil", False),
    ],
)
def test_is_loopback(host: Any, loopback: Any) -> None:
    assert sanitize.is_loopback(host) is loopback


@pytest.mark.parametrize(
    ("uri", "why"),
    [
        (None, "missing"),
        ("", "missing"),
        (5, "missing"),
        ("https://x/" + "a" * 600, "longer"),
        ("https://x/\x00", "control"),
        ("https://x/ a", "spaces"),
        ("nothing", "not an absolute URL"),
        ("gopher://x/", "scheme"),
        ("https:///path", "no host"),
        ("https://u@x/", "credentials"),
        ("https://x!y/", "unexpected characters"),
        ("http://example.com/", "plain http"),
    ],
)
def test_check_uri_reasons(uri: Any, why: Any) -> None:
    with pytest.raises(ValueError, match=why):
        sanitize.check_uri(uri)


def test_check_uri_allows() -> None:
    assert sanitize.check_uri("http://lan-box:8000/x", insecure_hosts=("lan-box",))
    assert sanitize.check_uri("https://a.example/", allowed_hosts=("a.example",))
    with pytest.raises(ValueError, match="allowed list"):
        sanitize.check_uri("https://b.example/", allowed_hosts=("a.example",))


@pytest.mark.parametrize(
    ("code", "ok"),
    [
        ("WDJB-MJHT", True),
        ("0123abcdEF", True),
        ("A" * 32, True),
        ("A" * 33, False),
        ("", False),
        ("   ", False),
        (None, False),
        (1234, False),
        ("AB\x1bCD", False),
        ("AB\u200bCD", False),
    ],
)
def test_check_user_code(code: Any, ok: Any) -> None:
    if ok:
        assert sanitize.check_user_code(code) == code
    else:
        with pytest.raises(ValueError):
            sanitize.check_user_code(code)


# ----------------------------------------------------------------------------- backoff
def test_backoff_delay_doubles_caps_and_jitters() -> None:
    zero = lambda: 0.0  # noqa: E731
    assert [backoff.backoff_delay(5, n, zero) for n in range(0, 7)] == [5, 5, 10, 20, 40, 60, 60]
    assert backoff.backoff_delay(5, 1000, zero) == 60
    assert backoff.backoff_delay(5, 2, lambda: 0.999) == pytest.approx(10 * (1 + 0.25 * 0.999))
    assert backoff.backoff_delay(90, 3, zero, cap=60) == 90  # never below the base
    assert backoff.backoff_delay(5, 3, zero, cap=12) == 12


@FAST
@given(st.floats(0.1, 300), st.integers(-5, 10_000), st.floats(0, 0.9999))
def test_backoff_delay_bounds(base: Any, attempt: Any, r: Any) -> None:
    d = backoff.backoff_delay(base, attempt, lambda: r)
    cap = max(base, backoff.BACKOFF_CAP)
    assert base <= d <= cap * (1 + backoff.JITTER)


@FAST
@given(
    st.datetimes(min_value=datetime.datetime(1970, 1, 1), max_value=datetime.datetime(9999, 12, 31))
)
def test_http_date_matches_email_utils(dt: Any) -> None:
    t = calendar.timegm(dt.timetuple())
    text = email.utils.formatdate(t, usegmt=True)
    assert backoff.http_date(text) == email.utils.parsedate_to_datetime(text).timestamp() == t


@pytest.mark.parametrize(
    "text",
    [
        "Sunday, 06-Nov-94 08:49:37 GMT",  # RFC 850 (obsolete): not read
        "Sun Nov  6 08:49:37 1994",  # asctime (obsolete)
        "Sun, 06 Nov 1994 08:49:37 PST",
        "Sun, 06 Foo 1994 08:49:37 GMT",
        "Sun, 32 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 24:00:00 GMT",
        "Sun, 06 Nov 1994 08:49 GMT",
        "Sun, xx Nov 1994 08:49:37 GMT",
        "",
    ],
)
def test_http_date_refuses(text: Any) -> None:
    assert backoff.http_date(text) is None


@pytest.mark.parametrize(
    ("value", "wall", "expected"),
    [
        (None, None, None),
        ("", None, None),
        ("  ", None, None),
        ("120", None, 120.0),
        (" 7 ", None, 7.0),
        ("0", None, 0.0),
        ("999999999999999999", None, backoff.RETRY_AFTER_CAP),
        ("-5", None, None),
        ("1.5", None, None),
        ("²", 1e9, None),  # str.isdigit() says yes; not an ASCII digit (found by Hypothesis)
        ("٣", 1e9, None),
        ("soon", 1e9, None),
        ("Sun, 06 Nov 1994 08:49:37 GMT", None, None),  # a date needs a clock
        ("Sun, 06 Nov 1994 08:49:37 GMT", 784111777 - 30, 30.0),
        ("Sun, 06 Nov 1994 08:49:37 GMT", 784111777 + 30, 0.0),  # in the past
        ("Sun, 06 Nov 1994 08:49:37 GMT", 784111777 - 86400, backoff.RETRY_AFTER_CAP),
    ],
)
def test_parse_retry_after(value: Any, wall: Any, expected: Any) -> None:
    assert backoff.parse_retry_after(value, wall) == expected


# ----------------------------------------------------------------------------- http objects
def test_request_and_response_objects() -> None:
    req = Request(
        "POST",
        "https://x/token",
        {"Authorization": "Basic c2VjcmV0"},
        {"device_code": "DC", "client_id": "id"},
        b"...",
        ["device_code"],
    )
    assert req.redacted() == {
        "method": "POST",
        "url": "https://x/token",
        "headers": {"Authorization": "<redacted>"},
        "form": {"device_code": "<redacted>", "client_id": "id"},
    }
    assert repr(req) == "Request(POST https://x/token)"
    assert Request("GET", "https://x/").redacted()["form"] is None
    resp = Response("200", {"Content-Type": "a/b", "X-Y": "1"}, None)
    assert resp.status == 200 and resp.body == b""
    assert resp.header("content-type") == "a/b" and resp.header("X-y") == "1"
    assert resp.header("missing", "d") == "d"
    assert repr(Response(404, None, b"abc")) == "Response(404, 3 bytes)"
