"""Untrusted strings are made safe before any screen draws them."""

from __future__ import annotations

from device_app.ui import text


def test_controls_bidi_and_newlines_are_removed() -> None:
    raw = "Ada\x1b[31m\u202eLovelace\nline\ttwo\x00"
    assert text.clean(raw) == "Ada[31mLovelace line two"


def test_long_strings_end_with_an_ellipsis() -> None:
    out = text.clean("x" * 500, 20)
    assert len(out) == 20 and out.endswith(text.ELLIPSIS)


def test_code_is_kept_exactly_as_sent() -> None:
    assert text.clean_code("wdjb-MJht") == "wdjb-MJht"
    assert text.clean_code("WDJB MJHT") == "WDJB MJHT"
    assert text.clean_code("\u200bWDJB\u0007") == "WDJB"


def test_non_strings_and_none() -> None:
    assert text.clean(None) == ""
    assert text.clean(12) == "12"


def test_web_uri() -> None:
    assert text.is_web_uri("https://example.com/device")
    assert not text.is_web_uri("javascript:alert(1)")
    assert not text.is_web_uri("https://exa mple.com")
