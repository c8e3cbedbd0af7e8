"""discover(): where it looks, what it accepts, and how its cache behaves.

Unit cases use a scripted fake transport (a dict of URL -> answer); the last tests run
against a real http.server on 127.0.0.1 through the real HttpTransport.
"""

from __future__ import annotations

import json
import logging
import os
import re
import stat
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from device_app.core.errors import ConfigurationError, ProtocolError, TransportError
from device_app.core.http import Request, Response
from device_app.engine import discovery
from device_app.engine.discovery import candidate_urls, discover, validate
from device_app.engine.transport import HttpTransport

from .servers import closed_port

pytestmark = pytest.mark.timeout(20)

ISSUER = "https://auth.example.test/realms/tv"
OIDC_URL = ISSUER + "/.well-known/openid-configuration"
RFC_URL = "https://auth.example.test/.well-known/oauth-authorization-server/realms/tv"
SUFFIX_URL = ISSUER + "/.well-known/oauth-authorization-server"


def metadata(issuer: str = ISSUER, /, **extra: Any) -> dict[str, Any]:
    base = issuer.rstrip("/")
    doc: dict[str, Any] = {
        "issuer": issuer,
        "device_authorization_endpoint": base + "/protocol/openid-connect/auth/device",
        "token_endpoint": base + "/protocol/openid-connect/token",
        "revocation_endpoint": base + "/protocol/openid-connect/revoke",
        "jwks_uri": base + "/protocol/openid-connect/certs",
        "grant_types_supported": ["urn:ietf:params:oauth:grant-type:device_code"],
        "scopes_supported": ["openid", "offline_access"],
        "service_documentation": "http://docs.example.test/",  # not an endpoint: dropped
        "mtls_endpoint_aliases": {"token_endpoint": "https://mtls.example.test/t"},
    }
    doc.update(extra)
    return doc


Answer = Response | Exception


class FakeAS:
    """A scripted authorization server: URL -> Response or exception; 404 otherwise."""

    def __init__(self, answers: dict[str, Answer] | None = None) -> None:
        self.answers = answers or {}
        self.calls: list[str] = []

    def __call__(self, request: Request) -> Response:
        self.calls.append(request.url)
        answer = self.answers.get(request.url, Response(404, {}, b"<html>nope</html>"))
        if isinstance(answer, Exception):
            raise answer
        return answer


def ok(doc: object) -> Response:
    return Response(200, {"Content-Type": "application/json"}, json.dumps(doc).encode())


class Clock:
    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def _fresh_stale_log() -> Iterator[None]:
    discovery._stale_logged.clear()
    yield
    discovery._stale_logged.clear()


# --- where it looks ---------------------------------------------------------------------------


def test_candidate_urls_per_mode() -> None:
    assert candidate_urls(ISSUER, "auto") == [
        ("oidc", OIDC_URL),
        ("oauth", RFC_URL),
        ("oauth", SUFFIX_URL),
    ]
    assert candidate_urls(ISSUER + "/", "oidc") == [("oidc", OIDC_URL)]
    # RFC 8414 §3.1: without a path the inserted and appended forms are the same URL.
    assert candidate_urls("https://as.example.test", "oauth") == [
        ("oauth", "https://as.example.test/.well-known/oauth-authorization-server")
    ]


def test_auto_prefers_oidc() -> None:
    fake = FakeAS({OIDC_URL: ok(metadata()), RFC_URL: ok(metadata())})
    got = discover(ISSUER, fake)
    assert fake.calls == [OIDC_URL]
    assert got["device_authorization_endpoint"].endswith("/auth/device")


def test_auto_falls_back_to_rfc8414_inserted_then_suffix() -> None:
    fake = FakeAS({SUFFIX_URL: ok(metadata())})
    got = discover(ISSUER, fake)
    assert fake.calls == [OIDC_URL, RFC_URL, SUFFIX_URL]
    assert got["token_endpoint"] == ISSUER + "/protocol/openid-connect/token"


def test_oauth_mode_never_asks_for_oidc() -> None:
    fake = FakeAS({RFC_URL: ok(metadata())})
    discover(ISSUER, fake, mode="oauth")
    assert fake.calls == [RFC_URL]


def test_nothing_found_names_every_url_tried() -> None:
    fake = FakeAS(
        {
            OIDC_URL: Response(200, {}, b"<html>captive portal</html>"),
            RFC_URL: Response(302, {"location": "https://elsewhere/"}, b""),
        }
    )
    with pytest.raises(ProtocolError) as info:
        discover(ISSUER, fake)
    msg = info.value.message
    assert f"{OIDC_URL} (not a JSON object)" in msg
    assert f"{RFC_URL} (HTTP 302)" in msg and f"{SUFFIX_URL} (HTTP 404)" in msg


def test_server_error_stops_the_search_as_transport_error() -> None:
    fake = FakeAS({OIDC_URL: Response(503, {"Retry-After": "30"}, b"busy")})
    with pytest.raises(TransportError) as info:
        discover(ISSUER, fake)
    assert (info.value.retry_after, fake.calls) == (30.0, [OIDC_URL])


def test_transport_failure_is_raised_without_cache() -> None:
    fake = FakeAS({OIDC_URL: TransportError("down", reason="connect")})
    with pytest.raises(TransportError):
        discover(ISSUER, fake)
    assert fake.calls == [OIDC_URL]  # same host for every candidate: no point in more


# --- what it accepts --------------------------------------------------------------------------


def test_returns_only_checked_fields() -> None:
    got = discover(ISSUER, FakeAS({OIDC_URL: ok(metadata())}))
    assert set(got) == {
        "issuer",
        "device_authorization_endpoint",
        "token_endpoint",
        "revocation_endpoint",
        "jwks_uri",
        "grant_types_supported",
        "scopes_supported",
    }


def test_trailing_slash_difference_is_tolerated() -> None:
    got = discover(ISSUER, FakeAS({OIDC_URL: ok(metadata(ISSUER + "/"))}))
    assert got["issuer"] == ISSUER + "/"


@pytest.mark.parametrize(
    "bad_issuer",
    [
        "https://evil.example.test/realms/tv",
        "https://auth.example.test/realms/TV",
        "https://auth.example.test/realms/tv/x",
        "http://auth.example.test/realms/tv",
    ],
)
def test_issuer_mismatch_is_refused(bad_issuer: str) -> None:
    with pytest.raises(ProtocolError, match=re.escape(f"not {ISSUER!r}")):
        discover(ISSUER, FakeAS({OIDC_URL: ok(metadata(bad_issuer))}))


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("token_endpoint", "http://auth.example.test/token", "plain http"),
        ("token_endpoint", "javascript:alert(1)", "not an absolute https URL"),
        ("token_endpoint", 42, "not a string"),
        ("device_authorization_endpoint", "https://u:p@auth.example.test/d", "user info"),
        ("device_authorization_endpoint", "https://auth.example.test/d#x", "fragment"),
        ("device_authorization_endpoint", "https://auth.example.test/\x1b[2Jd", "control"),
        ("jwks_uri", "https://auth.example.test/" + "a" * 3000, "longer than"),
        ("revocation_endpoint", "https://auth.example.test:99999/r", "not a valid URL"),
    ],
)
def test_bad_endpoints_are_refused(field: str, value: object, says: str) -> None:
    with pytest.raises(ProtocolError) as info:
        discover(ISSUER, FakeAS({OIDC_URL: ok(metadata(**{field: value}))}))
    assert field in info.value.message and says in info.value.message
    assert "\x1b" not in info.value.message  # server strings are escaped before display


def test_missing_issuer_is_refused() -> None:
    doc = metadata()
    del doc["issuer"]
    with pytest.raises(ProtocolError, match="no issuer"):
        discover(ISSUER, FakeAS({OIDC_URL: ok(doc)}))


def test_duplicate_keys_are_refused() -> None:
    body = b'{"issuer": "%s", "token_endpoint": "https://a/t", "token_endpoint": "https://b/t"}'
    with pytest.raises(ProtocolError, match="repeats the key 'token_endpoint'"):
        discover(ISSUER, FakeAS({OIDC_URL: Response(200, {}, body % ISSUER.encode())}))


@pytest.mark.parametrize("body", [b"[1, 2]", b"null", b'"str"', b"\xff\xfe{}", b"{", b"NaN"])
def test_non_objects_count_as_not_found(body: bytes) -> None:
    with pytest.raises(ProtocolError, match="No discovery document"):
        discover(ISSUER, FakeAS({OIDC_URL: Response(200, {}, body)}))


def test_non_string_lists_are_dropped_not_fatal() -> None:
    got = validate(metadata(scopes_supported=["openid", 3]), ISSUER)
    assert "scopes_supported" not in got


def test_http_allowed_for_loopback_and_listed_hosts() -> None:
    for issuer in (
        "http://127.0.0.1:8000/o",
        "http://127.5.6.7/o",
        "http://[::1]:9/o",
        "http://localhost:8000/o",
    ):
        assert validate(metadata(issuer), issuer)["issuer"] == issuer
    lan = "http://idp.lan:8080"
    with pytest.raises(ProtocolError, match="plain http"):
        validate(metadata(lan), lan)
    assert validate(metadata(lan), lan, allow_insecure_hosts=["IDP.lan"])["issuer"] == lan


@pytest.mark.parametrize(
    "issuer",
    ["http://auth.example.test", "https://auth.example.test/?tenant=x", "ftp://x/", "", "nope"],
)
def test_bad_issuer_setting_is_a_configuration_error(issuer: str) -> None:
    fake = FakeAS()
    with pytest.raises(ConfigurationError, match="issuer"):
        discover(issuer, fake)
    assert fake.calls == []


def test_unknown_mode_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="auto, oidc, oauth"):
        discover(ISSUER, FakeAS(), mode="magic")


# --- the cache ---------------------------------------------------------------------------------


def test_fresh_cache_avoids_the_network(tmp_path: Path) -> None:
    clock = Clock()
    fake = FakeAS({OIDC_URL: ok(metadata())})
    first = discover(ISSUER, fake, cache_dir=tmp_path, wall=clock, ttl=100)
    clock.now += 99
    assert discover(ISSUER, fake, cache_dir=tmp_path, wall=clock, ttl=100) == first
    assert fake.calls == [OIDC_URL]
    clock.now += 2  # now 101 s old: stale, so fetched again
    discover(ISSUER, fake, cache_dir=tmp_path, wall=clock, ttl=100)
    assert fake.calls == [OIDC_URL, OIDC_URL]


def test_cache_file_is_private_and_named_by_hash(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        discover(ISSUER, FakeAS({OIDC_URL: ok(metadata())}), cache_dir=tmp_path / "d")
    finally:
        os.umask(old)
    files = list((tmp_path / "d").iterdir())
    assert len(files) == 1
    name = files[0].name
    assert name.startswith("discovery-") and "example" not in name
    assert stat.S_IMODE(files[0].stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "d").stat().st_mode) == 0o700


def test_stale_cache_used_when_the_network_fails(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock()
    good = discover(ISSUER, FakeAS({OIDC_URL: ok(metadata())}), cache_dir=tmp_path, wall=clock)
    clock.now += 10 * 86400
    down = FakeAS({OIDC_URL: TransportError("refused", reason="connect")})
    with caplog.at_level(logging.INFO, logger="device_app.engine.discovery"):
        for _ in range(3):
            assert discover(ISSUER, down, cache_dir=tmp_path, wall=clock) == good
    assert len(down.calls) == 3  # it did try each time
    infos = [r for r in caplog.records if r.levelno == logging.INFO]
    assert len(infos) == 1 and "cached copy" in infos[0].getMessage()


def test_stale_cache_used_when_the_answer_is_bad(tmp_path: Path) -> None:
    clock = Clock()
    good = discover(ISSUER, FakeAS({OIDC_URL: ok(metadata())}), cache_dir=tmp_path, wall=clock)
    clock.now += 10 * 86400
    portal = FakeAS({OIDC_URL: Response(200, {}, b"<html>log in to the hotel wifi</html>")})
    assert discover(ISSUER, portal, cache_dir=tmp_path, wall=clock) == good


def test_clock_moved_back_refetches_but_keeps_the_fallback(tmp_path: Path) -> None:
    clock = Clock()
    fake = FakeAS({OIDC_URL: ok(metadata())})
    discover(ISSUER, fake, cache_dir=tmp_path, wall=clock)
    clock.now = 946_684_800.0  # a Pi without RTC booting in 2000
    discover(ISSUER, fake, cache_dir=tmp_path, wall=clock)
    assert len(fake.calls) == 2


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"{",
        b"[]",
        b'{"version": 1}',
        b"\x00" * 50,
        b'{"version": 1, "issuer": "https://auth.example.test/realms/tv", "kind": "oidc", '
        b'"fetched_at": 1e30, "metadata": {"issuer": "https://evil.test"}}',
    ],
)
def test_damaged_cache_is_ignored(tmp_path: Path, content: bytes) -> None:
    discover(ISSUER, FakeAS({OIDC_URL: ok(metadata())}), cache_dir=tmp_path)
    (path,) = tmp_path.iterdir()
    path.write_bytes(content)
    fake = FakeAS({OIDC_URL: ok(metadata())})
    assert discover(ISSUER, fake, cache_dir=tmp_path)["issuer"] == ISSUER
    assert fake.calls == [OIDC_URL]
    down = FakeAS({OIDC_URL: TransportError("x", reason="timeout")})
    path.write_bytes(content)
    with pytest.raises(TransportError):
        discover(ISSUER, down, cache_dir=tmp_path)


def test_cache_of_another_mode_is_not_used(tmp_path: Path) -> None:
    discover(ISSUER, FakeAS({SUFFIX_URL: ok(metadata())}), cache_dir=tmp_path)  # kind oauth
    fake = FakeAS({OIDC_URL: ok(metadata())})
    discover(ISSUER, fake, mode="oidc", cache_dir=tmp_path)
    assert fake.calls == [OIDC_URL]


def test_unwritable_cache_does_not_break_discovery(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with caplog.at_level(logging.WARNING, logger="device_app.engine.discovery"):
        got = discover(ISSUER, FakeAS({OIDC_URL: ok(metadata())}), cache_dir=blocker / "sub")
    assert got["issuer"] == ISSUER
    assert "discovery cache" in caplog.text


# --- against a real server -----------------------------------------------------------------------


@pytest.fixture
def http_server() -> Iterator[Callable[[dict[str, tuple[int, bytes]]], str]]:
    servers: list[ThreadingHTTPServer] = []

    def start(routes: dict[str, tuple[int, bytes]]) -> str:
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # http.server's naming
                status, body = routes.get(self.path, (404, b"not found"))
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for s in servers:
        s.shutdown()
        s.server_close()


def test_real_server_rfc8414_with_path(
    http_server: Callable[[dict[str, tuple[int, bytes]]], str], tmp_path: Path
) -> None:
    routes: dict[str, tuple[int, bytes]] = {}
    base = http_server(routes)
    issuer = base + "/o"
    routes["/.well-known/oauth-authorization-server/o"] = (
        200,
        json.dumps(metadata(issuer)).encode(),
    )
    transport = HttpTransport(total_timeout=5)
    got = discover(issuer, transport, cache_dir=tmp_path)
    assert got["device_authorization_endpoint"] == issuer + "/protocol/openid-connect/auth/device"
    # Served from the cache while the server is gone.
    routes.clear()
    assert discover(issuer, transport, cache_dir=tmp_path) == got


def test_real_server_oidc(http_server: Callable[[dict[str, tuple[int, bytes]]], str]) -> None:
    routes: dict[str, tuple[int, bytes]] = {}
    base = http_server(routes)
    routes["/.well-known/openid-configuration"] = (200, json.dumps(metadata(base)).encode())
    assert discover(base, HttpTransport(total_timeout=5), mode="oidc")["issuer"] == base


def test_real_server_down_with_stale_cache(
    http_server: Callable[[dict[str, tuple[int, bytes]]], str], tmp_path: Path
) -> None:
    port = closed_port()
    issuer = f"http://127.0.0.1:{port}"
    clock = Clock()
    doc = metadata(issuer)
    discover(
        issuer,
        FakeAS({issuer + "/.well-known/openid-configuration": ok(doc)}),
        cache_dir=tmp_path,
        wall=clock,
    )
    clock.now += 2 * 86400
    got = discover(issuer, HttpTransport(total_timeout=5), cache_dir=tmp_path, wall=clock)
    assert got["token_endpoint"] == doc["token_endpoint"]
    with pytest.raises(TransportError) as info:
        discover(issuer, HttpTransport(total_timeout=5), cache_dir=tmp_path / "empty")
    assert info.value.reason == "connect"
