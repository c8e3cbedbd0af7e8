"""device-app's command line against a real django-oauth-toolkit server.

Each test runs the real ``device-app`` executable as a subprocess, reads its JSON events,
and plays the user with ``BrowserUser``; the IdP's control endpoint changes and reads
server-side state (expire or revoke tokens, when each poll arrived).
"""

import itertools
import json
import re
from pathlib import Path
from typing import Any

import pytest
import requests

from .browser_user import BrowserUser, UserPageError
from .device_app_cli import (
    EXIT_AUTHORIZED,
    EXIT_CONFIGURATION,
    EXIT_DENIED,
    EXIT_EXPIRED,
    EXIT_PROTOCOL,
    EXIT_REAUTHORIZE,
    SCOPE,
    Finished,
    LoginRun,
    provider_flags,
    run_command,
)
from .idp_process import DotServer

USER_CODE = re.compile(r"\A[0-9A-V]{8}\Z")
# Loopback timing slack (seconds): process start, scheduling on a busy 2-core machine.
SLACK = 1.5
# Polls may arrive this much closer together than the interval (loopback jitter).
INTERVAL_JITTER = 0.1
# A poll may reach the server this long after the code's server-side expiry: the
# client's deadline starts when the reply arrives, a little after DOT stamped it.
LATE_POLL_TOLERANCE = 0.5
REAUTHORIZE_HINT = re.compile(r"authori[sz]e|sign in|log ?in", re.IGNORECASE)
# DOT's default ACCESS_TOKEN_EXPIRE_SECONDS: a --min-ttl above it forces a refresh.
ACCESS_TOKEN_LIFETIME = 36000


def start_login(
    runs: list[LoginRun],
    idp: DotServer,
    store: Path,
    client_id: str | None = None,
    scope: str = SCOPE,
) -> LoginRun:
    run = LoginRun.start(idp, store, client_id=client_id, scope=scope)
    runs.append(run)
    return run


def cli(idp: DotServer, store: Path, *args: str) -> Finished:
    """``device-app COMMAND [ARGS] <provider flags>``; never a traceback."""
    done = run_command([args[0], *args[1:], *provider_flags(idp, store)])
    assert "Traceback" not in done.stderr, done.describe()
    return done


def assert_no_secret(outputs: list[str], secrets: dict[str, str | None]) -> None:
    """No token or device code in anything the user or a log could see."""
    for name, value in secrets.items():
        if value:
            leaked = any(value in text for text in outputs)
            assert not leaked, f"the {name} appears in device-app output"


def check_code_event(event: dict[str, Any], idp: DotServer, expires_in: int) -> None:
    assert USER_CODE.match(str(event["user_code"])), event
    assert event["verification_uri"] == f"{idp.issuer}/device/"
    # DOT sends no verification_uri_complete unless configured to.
    assert event["verification_uri_complete"] is None
    # device-app reports the whole seconds left (int of deadline - now), so the server's
    # value may show one less when the event is built a moment after the reply arrived.
    assert expires_in - 1 <= event["expires_in"] <= expires_in, event
    assert event["interval"] == idp.interval
    assert isinstance(event["t"], int | float)
    assert "device_code" not in event


def check_poll_spacing(idp: DotServer, user_code: str) -> dict[str, Any]:
    """RFC 8628 section 3.5: no poll sooner than ``interval`` after the previous one."""
    grant = idp.control(action="device_grant", user_code=user_code)
    polls = grant["polls"]
    assert polls, "device-app never polled the token endpoint"
    gaps = [b - a for a, b in itertools.pairwise(polls)]
    assert all(gap >= idp.interval - INTERVAL_JITTER for gap in gaps), gaps
    return grant


def userinfo_status(idp: DotServer, access_token: str) -> int:
    return requests.get(
        f"{idp.issuer}/userinfo/",
        headers={"Authorization": f"Bearer {access_token}"},
        timeout=10,
    ).status_code


def sign_in(
    runs: list[LoginRun], idp: DotServer, user: BrowserUser, store: Path
) -> tuple[LoginRun, dict[str, Any]]:
    """A complete approved login; returns the run and the code event."""
    run = start_login(runs, idp, store)
    code = run.wait_for("code")
    user.approve(code["verification_uri"], code["user_code"])
    assert run.finish() == EXIT_AUTHORIZED, run.describe()
    assert run.kinds()[-1] == "authorized", run.describe()
    return run, code


def current_token(idp: DotServer, store: Path, *extra: str) -> str:
    done = cli(idp, store, "token", *extra)
    assert done.returncode == 0, done.describe()
    token = done.stdout.strip()
    assert token and "\n" not in token, done.describe()
    return token


def test_approved_login_stores_tokens_that_reach_the_api(
    dot_idp: DotServer, browser_user: BrowserUser, token_store: Path, logins: list[LoginRun]
) -> None:
    run = start_login(logins, dot_idp, token_store)
    code = run.wait_for("code")
    check_code_event(code, dot_idp, expires_in=1800)
    # Let the device poll at least once before the user acts: "pending" is reported.
    run.wait_for("pending", timeout=dot_idp.interval + 5)
    browser_user.approve(code["verification_uri"], code["user_code"])
    assert run.finish() == EXIT_AUTHORIZED, run.describe()

    kinds = run.kinds()
    assert kinds[0] == "code" and kinds[-1] == "authorized", kinds
    assert set(kinds[1:-1]) <= {"pending"}, kinds
    times = [float(e["t"]) for e in run.events]
    assert times == sorted(times), times
    grant = check_poll_spacing(dot_idp, code["user_code"])
    assert grant["status"] == "authorized"

    status = cli(dot_idp, token_store, "status", "--json")
    assert status.returncode == 0, status.describe()
    try:
        report = json.loads(status.stdout)
    except ValueError:
        raise AssertionError(f"status --json: not one JSON document\n{status.describe()}") from None
    assert isinstance(report, dict), status.describe()
    assert report.get("signed_in") is True, status.describe()

    me = cli(dot_idp, token_store, "call", f"{dot_idp.issuer}/userinfo/")
    assert me.returncode == 0, me.describe()
    assert "Dot Tester" in me.stdout and "dot.tester@example.org" in me.stdout

    token = current_token(dot_idp, token_store)
    described = dot_idp.control(action="describe", access_token=token)
    assert described["access_token"] == "live"
    assert set(described["scope"].split()) == {"openid", "read"}
    assert_no_secret(
        ["".join(run.raw_stdout), run.stderr(), status.output, me.output],
        {
            "access token": token,
            "refresh token": described["refresh_token_value"],
            "device code": grant["device_code"],
        },
    )


def test_token_refreshes_ahead_of_expiry_and_after_server_expiry(
    dot_idp: DotServer, browser_user: BrowserUser, token_store: Path, logins: list[LoginRun]
) -> None:
    sign_in(logins, dot_idp, browser_user, token_store)
    first = current_token(dot_idp, token_store)
    assert current_token(dot_idp, token_store) == first  # fresh enough: no refresh

    # --min-ttl above the token's whole lifetime: device-app must refresh first.
    second = current_token(dot_idp, token_store, "--min-ttl", str(ACCESS_TOKEN_LIFETIME + 60))
    assert second != first
    assert dot_idp.control(action="describe", access_token=second)["access_token"] == "live"
    assert userinfo_status(dot_idp, first) == 401  # DOT drops the old one on refresh

    # Expired at the server while the device still believes it valid: the API answers
    # 401 invalid_token, and `call` refreshes and retries once.
    dot_idp.control(action="expire_access_token", access_token=second)
    assert userinfo_status(dot_idp, second) == 401
    me = cli(dot_idp, token_store, "call", f"{dot_idp.issuer}/userinfo/")
    assert me.returncode == 0, me.describe()
    assert "Dot Tester" in me.stdout
    third = current_token(dot_idp, token_store)
    assert third not in (first, second)
    assert dot_idp.control(action="describe", access_token=third)["access_token"] == "live"
    assert_no_secret([me.output], {"access token": third})


def test_denied_login_exits_4(
    dot_idp: DotServer, browser_user: BrowserUser, token_store: Path, logins: list[LoginRun]
) -> None:
    run = start_login(logins, dot_idp, token_store)
    code = run.wait_for("code")
    browser_user.deny(code["verification_uri"], code["user_code"])
    assert run.finish() == EXIT_DENIED, run.describe()
    last = run.events[-1]
    assert last["event"] == "denied", run.describe()
    assert last.get("error") == "access_denied", last
    assert dot_idp.control(action="device_grant", user_code=code["user_code"])["status"] == (
        "denied"
    )
    # Nothing was stored: asking for a token says the device must be authorized.
    token = cli(dot_idp, token_store, "token")
    assert token.returncode == EXIT_REAUTHORIZE, token.describe()


def test_unanswered_code_ends_at_the_clients_own_deadline(
    dot_idp: DotServer, browser_user: BrowserUser, token_store: Path, logins: list[LoginRun]
) -> None:
    lifetime = dot_idp.short_code_lifetime
    run = start_login(logins, dot_idp, token_store, client_id=dot_idp.short_lived_client_id)
    code = run.wait_for("code")
    check_code_event(code, dot_idp, expires_in=lifetime)
    code_seen = run.seen_at[0]
    # DOT would answer "authorization_pending" forever: only the client's deadline ends it.
    assert run.finish(timeout=lifetime + 10) == EXIT_EXPIRED, run.describe()
    ended = run.seen_at[-1]

    last = run.events[-1]
    assert last["event"] == "expired", run.describe()
    assert last.get("reason") == "deadline", last
    assert set(run.kinds()[1:-1]) <= {"pending"}, run.kinds()
    # Gave up neither early nor late (test-side clock).
    assert lifetime - 1.0 <= ended - code_seen <= lifetime + SLACK, ended - code_seen
    # Client-side clock: no pending result stamped after code time + expires_in.
    deadline_t = float(code.get("expires_at") or float(code["t"]) + lifetime)
    assert all(float(e["t"]) <= deadline_t for e in run.events[1:-1]), run.events
    # Server-side clock: no poll arrived after the code expired (beyond loopback latency).
    grant = check_poll_spacing(dot_idp, code["user_code"])
    assert grant["status"] == "authorization-pending"  # DOT itself never noticed
    cutoff = grant["expires"] + LATE_POLL_TOLERANCE
    late = [p - grant["expires"] for p in grant["polls"] if p > cutoff]
    assert not late, f"polls after expiry: {late}"
    # The user, too late, is told so by DOT.
    with pytest.raises(UserPageError, match="Expired user code"):
        browser_user.enter_code(code["verification_uri"], code["user_code"])
    assert_no_secret(["".join(run.raw_stdout), run.stderr()], {"device code": grant["device_code"]})


def test_refresh_token_revoked_at_server_means_authorize_again(
    dot_idp: DotServer, browser_user: BrowserUser, token_store: Path, logins: list[LoginRun]
) -> None:
    sign_in(logins, dot_idp, browser_user, token_store)
    token = current_token(dot_idp, token_store)
    assert dot_idp.control(action="revoke_refresh_token", access_token=token) == {
        "refresh_token": "revoked"
    }
    assert userinfo_status(dot_idp, token) == 401  # DOT deletes the access token too

    call = cli(dot_idp, token_store, "call", f"{dot_idp.issuer}/userinfo/")
    assert call.returncode == EXIT_REAUTHORIZE, call.describe()
    assert REAUTHORIZE_HINT.search(call.output), call.describe()
    again = cli(dot_idp, token_store, "token", "--min-ttl", str(ACCESS_TOKEN_LIFETIME + 60))
    assert again.returncode == EXIT_REAUTHORIZE, again.describe()
    assert REAUTHORIZE_HINT.search(again.output), again.describe()
    assert_no_secret([call.output, again.output], {"access token": token})


def test_refresh_token_revoked_then_token_command_says_authorize_again(
    dot_idp: DotServer, browser_user: BrowserUser, token_store: Path, logins: list[LoginRun]
) -> None:
    sign_in(logins, dot_idp, browser_user, token_store)
    token = current_token(dot_idp, token_store)
    dot_idp.control(action="revoke_refresh_token", access_token=token)
    # `token` is the first to learn: a refresh is forced, and the grant is gone.
    done = cli(dot_idp, token_store, "token", "--min-ttl", str(ACCESS_TOKEN_LIFETIME + 60))
    assert done.returncode == EXIT_REAUTHORIZE, done.describe()
    assert REAUTHORIZE_HINT.search(done.output), done.describe()


def test_logout_revokes_at_the_server(
    dot_idp: DotServer, browser_user: BrowserUser, token_store: Path, logins: list[LoginRun]
) -> None:
    sign_in(logins, dot_idp, browser_user, token_store)
    token = current_token(dot_idp, token_store)
    described = dot_idp.control(action="describe", access_token=token)
    assert userinfo_status(dot_idp, token) == 200

    out = cli(dot_idp, token_store, "logout")
    assert out.returncode == 0, out.describe()
    assert userinfo_status(dot_idp, token) == 401
    assert dot_idp.control(action="describe", access_token=token) == {"access_token": "absent"}
    # The long-lived credential must be dead at the server too, not only forgotten.
    assert dot_idp.control(
        action="refresh_token_state", refresh_token_id=described["refresh_token_id"]
    ) == {"refresh_token": "revoked"}
    after = cli(dot_idp, token_store, "token")
    assert after.returncode == EXIT_REAUTHORIZE, after.describe()
    status = cli(dot_idp, token_store, "status", "--json")
    assert status.returncode == EXIT_REAUTHORIZE, status.describe()
    assert json.loads(status.stdout).get("signed_in") is False, status.describe()
    assert_no_secret(
        [out.output, after.output],
        {"access token": token, "refresh token": described["refresh_token_value"]},
    )


def test_unknown_scope_is_refused_only_after_approval(
    dot_idp: DotServer, browser_user: BrowserUser, token_store: Path, logins: list[LoginRun]
) -> None:
    # DOT hands out a code for any scope and lets the user approve it; only the token
    # endpoint then answers invalid_scope: a configuration error, not a protocol one.
    run = start_login(logins, dot_idp, token_store, scope="openid no-such-scope")
    code = run.wait_for("code")
    browser_user.approve(code["verification_uri"], code["user_code"])
    assert run.finish() == EXIT_CONFIGURATION, run.describe()
    last = run.events[-1]
    assert last["event"] == "error", run.describe()
    assert (last.get("category"), last.get("error")) == ("configuration", "invalid_scope"), last
    assert "Traceback" not in run.stderr(), run.describe()


def test_unknown_client_id_is_reported_without_a_code(
    dot_idp: DotServer, token_store: Path, logins: list[LoginRun]
) -> None:
    # DOT (oauthlib) answers 400 invalid_request "Invalid client_id parameter value."
    # rather than invalid_client, so the client cannot be sure it is its own settings.
    run = start_login(logins, dot_idp, token_store, client_id="no-such-client")
    exit_code = run.finish()
    assert exit_code in (EXIT_CONFIGURATION, EXIT_PROTOCOL), run.describe()
    assert "code" not in run.kinds(), run.describe()
    assert run.kinds()[-1:] == ["error"], run.describe()
    assert run.events[-1].get("error") == "invalid_request", run.describe()
    assert "Traceback" not in run.stderr(), run.describe()


def test_device_forgets_a_sign_in_the_server_refused(
    dot_idp: DotServer, browser_user: BrowserUser, token_store: Path, logins: list[LoginRun]
) -> None:
    # Once the refresh answered invalid_grant (and DOT deleted the access token with
    # it), nothing stored is usable: status must not claim a sign-in, and `token` must
    # not hand out the dead access token.
    sign_in(logins, dot_idp, browser_user, token_store)
    token = current_token(dot_idp, token_store)
    dot_idp.control(action="revoke_refresh_token", access_token=token)
    call = cli(dot_idp, token_store, "call", f"{dot_idp.issuer}/userinfo/")
    assert call.returncode == EXIT_REAUTHORIZE, call.describe()

    status = cli(dot_idp, token_store, "status", "--json")
    assert json.loads(status.stdout).get("signed_in") is False, status.describe()
    again = cli(dot_idp, token_store, "token")
    assert again.returncode == EXIT_REAUTHORIZE, again.describe()
    assert token not in again.stdout, "device-app printed an access token the server deleted"
