"""Unit tests with fakes: LAN address choice, user codes, rate limiter, config, CLI."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from device_app_simulator.cli import main
from device_app_simulator.config import SimulatorConfig
from device_app_simulator.dialects import DIALECTS, UserCodeShape
from device_app_simulator.lan import pick_lan_address
from device_app_simulator.ratelimit import RateLimiter
from device_app_simulator.usercodes import generate_user_code, normalize_user_code


class FakeUDP:
    """A socket stand-in: records connect() and reports a chosen source address."""

    def __init__(self, addr: str | None) -> None:
        self.addr = addr
        self.connected: Any = None
        self.closed = False

    def connect(self, target: Any) -> None:
        if self.addr is None:
            raise OSError("Network is unreachable")
        self.connected = target

    def getsockname(self) -> tuple[str, int]:
        assert self.addr is not None
        return self.addr, 40000

    def close(self) -> None:
        self.closed = True

    def send(self, data: bytes) -> None:  # pragma: no cover - must never be called
        raise AssertionError("the probe must not send packets")


def test_lan_address_from_route_probe() -> None:
    fake = FakeUDP("192.168.1.23")
    assert pick_lan_address(lambda: fake, fallback=lambda: []) == "192.168.1.23"  # type: ignore[arg-type, return-value]
    assert fake.connected[0] == "192.0.2.1" and fake.closed


@pytest.mark.parametrize(
    ("probe", "fallback", "expected"),
    [
        (None, ["127.0.1.1", "10.0.0.7"], "10.0.0.7"),
        ("127.0.0.1", ["169.254.3.3", "172.16.5.5"], "172.16.5.5"),
        (None, ["127.0.0.1"], None),
        ("0.0.0.0", [], None),  # noqa: S104 - a fake reply, nothing binds it
    ],
)
def test_lan_address_fallbacks(
    probe: str | None, fallback: list[str], expected: str | None
) -> None:
    got = pick_lan_address(lambda: FakeUDP(probe), fallback=lambda: fallback)  # type: ignore[arg-type, return-value]
    assert got == expected


def test_lan_socket_creation_failure() -> None:
    def broken() -> socket.socket:
        raise OSError("no sockets")

    assert pick_lan_address(broken, fallback=lambda: ["192.168.0.9"]) == "192.168.0.9"


@pytest.mark.parametrize("name", list(DIALECTS))
def test_generated_codes_roundtrip(name: str) -> None:
    d = DIALECTS[name]
    codes = {generate_user_code(d.user_code) for _ in range(50)}
    assert len(codes) == 50
    for code in codes:
        assert normalize_user_code(code, d.code_match) == code.replace("-", "")


def test_normalize_rules() -> None:
    assert normalize_user_code("wdjb-mjht", "rfc") == "WDJBMJHT"
    assert normalize_user_code(" WDJB MJHT ", "rfc") == "WDJBMJHT"
    assert normalize_user_code("gqvq-jkec", "case_sensitive") == "gqvqjkec"
    assert generate_user_code(UserCodeShape("AB", (3,), "")) in {
        a + b + c for a in "AB" for b in "AB" for c in "AB"
    }


def test_rate_limiter_window() -> None:
    now = [1000.0]
    lim = RateLimiter(limit=3, window=60, clock=lambda: now[0])
    assert not lim.fail("k") and not lim.fail("k")
    assert lim.fail("k") and lim.blocked("k") and not lim.blocked("other")
    assert lim.retry_after("k") == 60
    now[0] += 60.5
    assert not lim.blocked("k")


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"dialect": "aws"}, "unknown dialect"),
        ({"port": 70000}, "port must be"),
        ({"interval": -1}, "interval must be"),
        ({"expires_in": 0}, "expires_in must be"),
        ({"faults": {"latency": "x"}}, "expected seconds"),
        ({"tls_cert": "cert.pem"}, "both a TLS certificate and its key"),
    ],
)
def test_config_is_validated(kw: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        SimulatorConfig(**kw)


@pytest.mark.parametrize(
    "argv",
    [
        ["serve", "--dialect", "aws"],
        ["serve", "--port", "http"],
        ["serve", "--fault", "latency=soon"],
        ["serve", "--fault", "bogus"],
        ["serve", "--interval", "-3"],
        ["launch"],
    ],
)
def test_cli_bad_flags_one_line_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_cli_serve_prints_urls(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "device_app_simulator",
            "serve",
            "--port",
            "0",
            "--dialect",
            "okta",
            "--db",
            str(tmp_path / "cli.sqlite3"),
            "--fault",
            "latency=0.1",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(4)]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    text = "".join(lines)
    assert "okta dialect" in text
    assert "/oauth2/default" in text and "device_authorization" in text
    assert "demo-secret" not in text


def test_cli_port_in_use(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code = main(["serve", "--port", str(port), "--db", str(tmp_path / "x.db")])
    assert code == 1
    assert "already in use" in capsys.readouterr().err


def test_cli_unreadable_tls_files_one_sentence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    junk = tmp_path / "cert.pem"
    junk.write_text("not a certificate\n")
    args = ["serve", "--port", "0", "--db", str(tmp_path / "x.db")]
    code = main([*args, "--tls-cert", str(junk), "--tls-key", str(tmp_path / "missing.pem")])
    assert code == 1
    err = capsys.readouterr().err
    assert "cannot load the TLS certificate" in err and "give PEM files" in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
