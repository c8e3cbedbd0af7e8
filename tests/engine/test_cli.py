"""The command line against a real loopback server: exit codes, one-line errors, no leaks."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from device_app.cli import exitcodes, main

from .scripted_server import js, scripted_server

CANARY_DEVICE = "CANARY-DEVICE-CODE-7f3a9c"
CANARY_AT = "CANARY-ACCESS-TOKEN-51bd02"
CANARY_RT = "CANARY-REFRESH-TOKEN-e94c11"
CANARY_AT2 = "CANARY-ACCESS-TOKEN-2-77aa"
CANARY_RT2 = "CANARY-REFRESH-TOKEN-2-0c0c"
CANARIES = (CANARY_DEVICE, CANARY_AT, CANARY_RT, CANARY_AT2, CANARY_RT2)


def code_body(base: str, **extra: Any) -> dict[str, Any]:
    body = {
        "device_code": CANARY_DEVICE,
        "user_code": "BCDF-GHJK",
        "verification_uri": base + "/device",
        "verification_uri_complete": base + "/device?user_code=BCDF-GHJK",
        "expires_in": 60,
        "interval": 1,
    }
    body.update(extra)
    return body


def flags(base: str, store: Path, *more: str) -> list[str]:
    return [
        "--provider",
        "standard",
        "--issuer",
        base,
        "--client-id",
        "tv",
        "--discovery",
        "none",
        "--token-store",
        str(store),
        *more,
    ]


def test_whole_lifecycle_at_debug_level_leaks_no_secret(tmp_path, capfd):
    with scripted_server() as srv:
        b = srv.base
        srv.script("/device_authorization", js(200, code_body(b)))
        srv.script(
            "/token",
            js(400, {"error": "authorization_pending"}),
            js(
                200,
                {
                    "access_token": CANARY_AT,
                    "refresh_token": CANARY_RT,
                    "token_type": "Bearer",
                    "expires_in": 3600,
                },
            ),
            js(
                200,
                {
                    "access_token": CANARY_AT2,
                    "refresh_token": CANARY_RT2,
                    "token_type": "Bearer",
                    "expires_in": 3600,
                },
            ),
        )
        srv.script("/userinfo", js(200, {"name": "Canary Tester", "sub": "u1"}))
        srv.script("/revoke", js(200, {}))
        store = tmp_path / "store"
        assert main(["--debug", "login", "--json", *flags(b, store)]) == exitcodes.OK
        assert main(["--debug", "status", "--json", *flags(b, store)]) == exitcodes.OK
        assert main(["--debug", "call", b + "/userinfo", *flags(b, store)]) == exitcodes.OK
        out_before_token = capfd.readouterr()
        # `token` prints the access token on stdout by design (for scripts) - never in logs.
        assert main(["--debug", "token", "--min-ttl", "99999", *flags(b, store)]) == exitcodes.OK
        token_out = capfd.readouterr()
        assert main(["--debug", "logout", *flags(b, store)]) == exitcodes.OK
        rest = capfd.readouterr()
    text = out_before_token.out + out_before_token.err + token_out.err + rest.out + rest.err
    for canary in CANARIES:
        assert canary not in text, canary
    assert token_out.out.strip() == CANARY_AT2  # refreshed because of --min-ttl
    # The debug output really was verbose (so the test would see a leak if there were one).
    assert "sending" in text and "response 200" in text  # the transport's own DEBUG lines
    lines = [json.loads(x) for x in out_before_token.out.splitlines() if x.startswith('{"event')]
    kinds = [x["event"] for x in lines]
    assert kinds[:3] == ["code", "pending", "authorized"]
    assert all(isinstance(x["t"], float) for x in lines[:3])
    assert "Canary Tester" in out_before_token.out
    # The revocation went to the server with the rotated refresh token.
    revoked = [form for m, p, _h, form in srv.requests if p == "/revoke"]
    assert revoked and revoked[-1]["token"] == CANARY_RT2


@pytest.mark.parametrize(
    ("answer", "code", "event"),
    [
        (js(400, {"error": "access_denied"}), exitcodes.DENIED, "denied"),
        (js(400, {"error": "expired_token"}), exitcodes.EXPIRED, "expired"),
        (js(400, {"error": "invalid_grant"}), exitcodes.PROTOCOL, "error"),
        (js(401, {"error": "invalid_client"}), exitcodes.CONFIGURATION, "error"),
        (js(200, {"access_token": "x", "token_type": "mac"}), exitcodes.PROTOCOL, "error"),
    ],
)
def test_login_outcomes_have_distinct_exit_codes(tmp_path, capsys, answer, code, event):
    with scripted_server() as srv:
        srv.script("/device_authorization", js(200, code_body(srv.base)))
        srv.script("/token", answer)
        assert main(["login", "--json", *flags(srv.base, tmp_path)]) == code
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert lines[-1]["event"] == event


def test_human_output_shows_code_uri_and_qr_without_the_device_code(tmp_path, capsys):
    with scripted_server() as srv:
        srv.script("/device_authorization", js(200, code_body(srv.base)))
        srv.script("/token", js(400, {"error": "access_denied"}))
        assert main(["login", "--no-browser", *flags(srv.base, tmp_path)]) == exitcodes.DENIED
    out = capsys.readouterr().out
    assert "BCDF-GHJK" in out and srv.base + "/device" in out
    assert "▀" in out or "▄" in out  # the QR code
    assert CANARY_DEVICE not in out
    assert "declined" in out


def test_hostile_server_strings_never_reach_the_terminal(tmp_path, capsys):
    with scripted_server() as srv:
        srv.script(
            "/device_authorization",
            js(200, code_body(srv.base, message="Hi\x1b]0;pwned\x07\x1b[2J there\u202e")),
        )
        srv.script(
            "/token", js(400, {"error": "server_said_no", "error_description": "\x1b[31mred"})
        )
        assert main(["login", "--no-qr", *flags(srv.base, tmp_path)]) == exitcodes.PROTOCOL
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out
    assert "red" in out


def test_javascript_verification_uri_is_refused(tmp_path, capsys):
    with scripted_server() as srv:
        srv.script(
            "/device_authorization",
            js(200, code_body(srv.base, verification_uri="javascript:alert(1)")),
        )
        assert main(["login", "--json", *flags(srv.base, tmp_path)]) == exitcodes.PROTOCOL
    last = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert last["event"] == "error" and "verification_uri refused" in last["description"]


def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return int(port)


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "device_app", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )


@pytest.mark.parametrize(
    ("args", "code", "needle"),
    [
        (["login", "--provider", "nosuch", "--client-id", "x"], 3, "unknown provider"),
        (["login", "--provider", "auth0", "--client-id", "x"], 3, "needs --issuer"),
        (["login", "--provider", "okta", "--client-id", "x"], 3, "needs --issuer"),
        (["login", "--provider", "google", "--client-id", "x"], 3, "DEVICE_APP_CLIENT_SECRET"),
        (["login", "--provider", "standard", "--issuer", "https://a.test"], 3, "no client ID"),
        (
            [
                "token",
                "--provider",
                "standard",
                "--issuer",
                "http://tv.invalid",
                "--client-id",
                "x",
            ],
            3,
            "plain http",
        ),
        (["login", "--bogus-flag"], 2, "unrecognized arguments"),
        (["token", "--min-ttl", "soon"], 2, "invalid float value"),
    ],
)
def test_bad_input_gets_one_clear_line(tmp_path, args, code, needle):
    r = run_cli(*args, "--token-store", str(tmp_path)) if args[-1] != "soon" else run_cli(*args)
    assert r.returncode == code, r.stderr
    assert needle in r.stderr
    assert "Traceback" not in r.stderr + r.stdout


def test_unreachable_server_is_a_network_failure(tmp_path):
    port = free_port()
    r = run_cli("login", "--json", *flags("http://127.0.0.1:%d" % port, tmp_path), "--no-qr")
    assert r.returncode == exitcodes.NETWORK, r.stderr
    last = json.loads(r.stdout.splitlines()[-1])
    assert last["event"] == "error" and last["category"] == "network"
    assert "Traceback" not in r.stderr


def test_bad_profile_file_names_the_file_and_key(tmp_path):
    bad = tmp_path / "p.toml"
    bad.write_text('provider = "auth0"\nissuer = "https://t.example/"\nclinet_id = "x"\n')
    r = run_cli("status", "--provider", str(bad), "--token-store", str(tmp_path / "s"))
    assert r.returncode == exitcodes.CONFIGURATION
    assert "p.toml" in r.stderr and "clinet_id" in r.stderr
    secret = tmp_path / "s.toml"
    secret.write_text('client_secret = "oops"\n')
    r = run_cli("status", "--provider", str(secret))
    assert r.returncode == exitcodes.CONFIGURATION and "environment" in r.stderr
    broken = tmp_path / "b.toml"
    broken.write_text("issuer = \n")
    r = run_cli("status", "--provider", str(broken))
    assert r.returncode == exitcodes.CONFIGURATION and "not valid TOML" in r.stderr


def test_not_signed_in_exit_code(tmp_path):
    r = run_cli("token", *flags("https://a.test", tmp_path))
    assert r.returncode == exitcodes.NOT_SIGNED_IN
    assert "not signed in" in r.stderr


def test_help_documents_exit_codes():
    r = run_cli("--help")
    assert r.returncode == 0
    for code in (3, 4, 5, 6, 7, 8):
        assert " %d  " % code in r.stdout


def test_an_internal_error_under_a_service_leaves_its_traceback_in_the_log(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Under systemd stderr is the journal, not a person: nobody can rerun with --debug, so the
    # traceback goes there (redacted); a terminal gets the one sentence only.
    from device_app.cli import board_commands
    from device_app.engine.logging_setup import register_secret

    register_secret(CANARY_AT)

    def broken(args: Any) -> int:
        raise RuntimeError("dictionary changed size during iteration " + CANARY_AT)

    monkeypatch.setattr(board_commands, "cmd_boards", broken)
    assert main(["boards"]) == exitcodes.INTERNAL
    err = capsys.readouterr().err
    assert "internal error" in err and "Traceback" in err and "in broken" in err
    assert CANARY_AT not in err

    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert main(["boards"]) == exitcodes.INTERNAL
    err = capsys.readouterr().err
    assert "internal error" in err and "Traceback" not in err
