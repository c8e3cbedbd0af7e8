"""Which proxy the environment names for a URL, and NO_PROXY matching (unit level)."""

from __future__ import annotations

import pytest

from device_app.engine.proxy_env import ProxySettingError, bypasses, proxy_for


@pytest.mark.parametrize(
    ("no_proxy", "host", "port"),
    [
        ("*", "auth.example.com", 443),
        ("example.com", "example.com", 443),
        ("example.com", "auth.example.com", 443),
        (".example.com", "auth.example.com", 443),
        (".example.com", "example.com", 443),
        ("EXAMPLE.com", "Auth.Example.COM", 443),
        ("other.org, example.com", "auth.example.com", 443),
        ("other.org example.com", "auth.example.com", 443),
        ("example.com:8443", "auth.example.com", 8443),
        ("10.0.0.0/8", "10.1.2.3", 80),
        ("192.168.1.7", "192.168.1.7", 80),
        ("::1", "::1", 80),
        ("[::1]", "::1", 80),
        ("[::1]:8080", "::1", 8080),
        ("fd00::/8", "fd12::5", 443),
        ("example.com.", "auth.example.com.", 443),
    ],
)
def test_bypassed(no_proxy: str, host: str, port: int) -> None:
    assert bypasses(no_proxy, host, port)


@pytest.mark.parametrize(
    ("no_proxy", "host", "port"),
    [
        ("", "auth.example.com", 443),
        ("example.com", "badexample.com", 443),  # a name boundary, not a string suffix
        ("auth.example.com", "example.com", 443),
        ("example.com:8443", "auth.example.com", 443),
        ("10.0.0.0/8", "11.0.0.1", 80),
        ("10.0.0.0/8", "ten.example.com", 80),
        ("192.168.1.7", "192.168.1.70", 80),
        ("*.example.com", "auth.example.com", 443),  # curl does not read wildcards either
        ("[::1]:8080", "::1", 80),
        (",,", "auth.example.com", 443),
    ],
)
def test_not_bypassed(no_proxy: str, host: str, port: int) -> None:
    assert not bypasses(no_proxy, host, port)


def test_the_scheme_picks_the_variable_and_lower_case_wins() -> None:
    env = {
        "HTTPS_PROXY": "http://upper:1",
        "https_proxy": "http://lower:2",
        "HTTP_PROXY": "http://plain:3",
    }
    https = proxy_for("https", "auth.example.com", 443, env)
    assert https is not None and (https.host, https.port) == ("lower", 2)
    http = proxy_for("http", "auth.example.com", 80, env)
    assert http is not None and (http.host, http.port, http.authorization) == ("plain", 3, None)


def test_an_empty_lower_case_value_means_no_proxy() -> None:
    env = {"HTTPS_PROXY": "http://upper:1", "https_proxy": ""}
    assert proxy_for("https", "auth.example.com", 443, env) is None


def test_all_proxy_is_the_fallback_and_no_proxy_applies_to_it() -> None:
    env = {"ALL_PROXY": "proxy.lan:3128"}
    found = proxy_for("https", "auth.example.com", 443, env)
    assert found is not None and (found.host, found.port) == ("proxy.lan", 3128)
    env["no_proxy"] = "example.com"
    assert proxy_for("https", "auth.example.com", 443, env) is None


def test_upper_case_http_proxy_is_ignored_in_a_cgi_program() -> None:
    env = {"HTTP_PROXY": "http://from-client:1", "REQUEST_METHOD": "GET"}
    assert proxy_for("http", "auth.example.com", 80, env) is None
    env["http_proxy"] = "http://admin-set:2"
    found = proxy_for("http", "auth.example.com", 80, env)
    assert found is not None and found.host == "admin-set"


def test_the_default_port_is_80_and_credentials_become_basic() -> None:
    found = proxy_for("https", "a.example", 443, {"https_proxy": "http://u%3A1:p%40ss@proxy"})
    assert found is not None and (found.host, found.port) == ("proxy", 80)
    assert found.authorization == "Basic dToxOnBAc3M="  # base64("u:1:p@ss")


@pytest.mark.parametrize(
    "value", ["socks5h://proxy:1080", "https://proxy:3128", "http://proxy:notaport", "http://"]
)
def test_an_unsupported_proxy_names_the_variable(value: str) -> None:
    with pytest.raises(ProxySettingError) as info:
        proxy_for("https", "a.example", 443, {"HTTPS_PROXY": value})
    assert info.value.variable == "HTTPS_PROXY"
