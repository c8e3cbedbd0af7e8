"""device-app's command line against a real glewlwyd 2.7.5.

Each test runs the real ``device-app`` executable as a subprocess with ``--provider glewlwyd``,
reads its JSON events, and plays the person with the phone through glewlwyd's own API
(``PhoneUser``): approve a code, list the devices, sign one out. The same kind of suite as
tests/dot/, against a server that differs on the wire (docs/glewlwyd.md).
"""

import json
import re
from pathlib import Path
from typing import Any

import requests
from dot.device_app_cli import (
    EXIT_AUTHORIZED,
    EXIT_EXPIRED,
    EXIT_PROTOCOL,
    EXIT_REAUTHORIZE,
    LoginRun,
)

from .cli import cli, start_login
from .server import (
    ACCESS_TOKEN_LIFETIME,
    CODE_LIFETIME,
    INTERVAL,
    SHORT_CODE_LIFETIME,
    Glewlwyd,
    PhoneUser,
)

USER_CODE = re.compile(r"\A[A-HJ-Z0-9]{4}-[A-HJ-Z0-9]{4}\Z")
REAUTHORIZE_HINT = re.compile(r"authori[sz]e|sign in|log ?in", re.IGNORECASE)
SLOW_DOWN_STEP = 5  # RFC 8628 §3.5: "increased by 5 seconds"
# Loopback timing slack (seconds): process start, scheduling on a busy 2-core machine.
SLACK = 1.5
# A --min-ttl above the access token's whole lifetime makes device-app refresh first.
FORCE_REFRESH = str(ACCESS_TOKEN_LIFETIME + 60)


def login(
    runs: list[LoginRun], server: Glewlwyd, store: Path, plugin: str = "oidc", *extra: str
) -> LoginRun:
    run = start_login(server, store, plugin, *extra)
    runs.append(run)
    return run


def check_code_event(event: dict[str, Any], server: Glewlwyd, plugin: str, lifetime: int) -> None:
    assert USER_CODE.match(str(event["user_code"])), event
    issuer = server.issuer(plugin)
    assert event["verification_uri"] == f"{issuer}/device"
    # glewlwyd's ?code= goes to the QR code as it is: same host, no device code in it.
    assert event["verification_uri_complete"] == f"{issuer}/device?code={event['user_code']}"
    assert lifetime - 1 <= event["expires_in"] <= lifetime, event
    assert event["interval"] == INTERVAL
    assert "device_code" not in event


def sign_in(
    runs: list[LoginRun], server: Glewlwyd, user: PhoneUser, store: Path
) -> tuple[LoginRun, dict[str, Any]]:
    """A complete approved login; returns the run and its code event."""
    run = login(runs, server, store)
    code = run.wait_for("code")
    assert user.approve(code["verification_uri_complete"]) == "deviceComplete"
    assert run.finish() == EXIT_AUTHORIZED, run.describe()
    return run, code


def current_token(server: Glewlwyd, store: Path, *extra: str) -> str:
    done = cli(server, store, "token", *extra)
    assert done.returncode == 0, done.describe()
    token = done.stdout.strip()
    assert token and "\n" not in token, done.describe()
    return token


def userinfo_status(server: Glewlwyd, access_token: str) -> int:
    return requests.get(
        f"{server.issuer()}/userinfo",
        headers={"Authorization": f"Bearer {access_token}"},
        timeout=10,
    ).status_code


def assert_no_secret(outputs: list[str], secrets: dict[str, str]) -> None:
    for name, value in secrets.items():
        assert not any(value in text for text in outputs), f"the {name} appears in the output"


def test_approved_login_calls_userinfo_and_refresh_rotates(
    glewlwyd: Glewlwyd, phone_user: PhoneUser, token_store: Path, logins: list[LoginRun]
) -> None:
    run = login(logins, glewlwyd, token_store)
    code = run.wait_for("code")
    check_code_event(code, glewlwyd, "oidc", CODE_LIFETIME)
    run.wait_for("pending", timeout=INTERVAL + 5)
    assert phone_user.approve(code["verification_uri_complete"]) == "deviceComplete"
    assert run.finish() == EXIT_AUTHORIZED, run.describe()
    kinds = run.kinds()
    assert kinds[0] == "code" and kinds[-1] == "authorized", kinds
    # Polls spaced by the interval never meet glewlwyd's slow_down.
    assert set(kinds[1:-1]) == {"pending"}, kinds
    authorized = run.events[-1]
    assert authorized["token_type"] == "Bearer"  # glewlwyd's "bearer", normalized
    assert authorized["expires_in"] == ACCESS_TOKEN_LIFETIME

    status = cli(glewlwyd, token_store, "status", "--json")
    assert status.returncode == 0, status.describe()
    assert json.loads(status.stdout)["signed_in"] is True, status.describe()

    me = cli(glewlwyd, token_store, "call", f"{glewlwyd.issuer()}/userinfo")
    assert me.returncode == 0, me.describe()
    assert phone_user.name in me.stdout and phone_user.email in me.stdout, me.describe()

    # One refresh token at the server, from device-app.
    issued = phone_user.device_tokens()
    assert [t["enabled"] for t in issued] == [True], issued

    first = current_token(glewlwyd, token_store)
    assert current_token(glewlwyd, token_store) == first  # fresh enough: no refresh
    second = current_token(glewlwyd, token_store, "--min-ttl", FORCE_REFRESH)
    assert second != first
    third = current_token(glewlwyd, token_store, "--min-ttl", FORCE_REFRESH)
    assert third not in (first, second)
    # Rotation seen from the server: each refresh retired the refresh token it used and
    # device-app went on with the new one (a reused one would have killed the chain).
    rotated = {t["token_hash"]: t["enabled"] for t in phone_user.device_tokens()}
    assert sorted(rotated.values()) == [False, False, True], rotated
    assert rotated[issued[0]["token_hash"]] is False, rotated
    assert userinfo_status(glewlwyd, third) == 200
    again = cli(glewlwyd, token_store, "call", f"{glewlwyd.issuer()}/userinfo")
    assert again.returncode == 0 and phone_user.email in again.stdout, again.describe()

    assert_no_secret(
        ["".join(run.raw_stdout), run.stderr(), status.output, me.output, again.output],
        {"first access token": first, "third access token": third},
    )


def test_a_poll_that_comes_too_early_slows_down(
    glewlwyd: Glewlwyd, phone_user: PhoneUser, token_store: Path, logins: list[LoginRun]
) -> None:
    # device-app alone never polls early. A second process on the same token store does:
    # it takes over the code on screen (as after a restart) while the first still polls,
    # and the two polls reach glewlwyd less than an interval apart.
    first = login(logins, glewlwyd, token_store)
    code = first.wait_for("code")
    first.wait_for("pending", timeout=INTERVAL + 5)
    second = login(logins, glewlwyd, token_store)
    resumed = second.wait_for("code")
    assert resumed["user_code"] == code["user_code"]

    # The second process polls one interval after it started, a moment after the first
    # one's poll: glewlwyd (whole seconds since the last poll of the code) says slow_down.
    event = second.wait_for("slow_down", timeout=3 * INTERVAL + 5)
    assert event["interval"] == INTERVAL + SLOW_DOWN_STEP, event
    slow_at = second.seen_at[-1]

    # Only now may the user approve: the slowed process waits its new interval first.
    assert phone_user.approve(code["verification_uri_complete"]) == "deviceComplete"
    wait = 2 * (INTERVAL + SLOW_DOWN_STEP) + 5
    exits = {id(run): run.finish(timeout=wait) for run in (first, second)}
    winner = first if exits[id(first)] == EXIT_AUTHORIZED else second
    loser = second if winner is first else first
    assert exits[id(winner)] == EXIT_AUTHORIZED, winner.describe()
    # The code was redeemed by the other process: glewlwyd says access_denied, which for
    # glewlwyd (no user can deny) is a refused code, not "the user declined".
    assert exits[id(loser)] == EXIT_PROTOCOL, loser.describe()
    last = loser.events[-1]
    assert (last["event"], last.get("category"), last.get("error")) == (
        "error",
        "bad_code",
        "access_denied",
    ), loser.describe()
    assert "denied" not in loser.kinds()

    # The slowed process kept its new interval: its next answer came no sooner.
    after = [t for t in second.seen_at if t > slow_at]
    assert after and after[0] - slow_at >= INTERVAL + SLOW_DOWN_STEP - 0.2, second.seen_at
    status = cli(glewlwyd, token_store, "status", "--json")
    assert json.loads(status.stdout)["signed_in"] is True, status.describe()


def test_code_expires_unapproved(
    glewlwyd: Glewlwyd, phone_user: PhoneUser, token_store: Path, logins: list[LoginRun]
) -> None:
    run = login(logins, glewlwyd, token_store, "oidcshort")
    code = run.wait_for("code")
    check_code_event(code, glewlwyd, "oidcshort", SHORT_CODE_LIFETIME)
    code_seen = run.seen_at[0]
    assert run.finish(timeout=SHORT_CODE_LIFETIME + 10) == EXIT_EXPIRED, run.describe()
    ended = run.seen_at[-1]
    assert run.events[-1]["event"] == "expired", run.describe()
    assert set(run.kinds()[1:-1]) <= {"pending"}, run.kinds()
    # Gave up neither early nor late.
    assert SHORT_CODE_LIFETIME - 1.0 <= ended - code_seen <= SHORT_CODE_LIFETIME + SLACK
    # The user, too late, is told the code is not valid.
    assert phone_user.approve(code["verification_uri_complete"]) == "deviceCodeError"
    status = cli(glewlwyd, token_store, "status", "--json", plugin="oidcshort")
    assert json.loads(status.stdout)["signed_in"] is False, status.describe()


def test_device_signed_out_on_the_web_must_authorize_again(
    glewlwyd: Glewlwyd, phone_user: PhoneUser, token_store: Path, logins: list[LoginRun]
) -> None:
    sign_in(logins, glewlwyd, phone_user, token_store)
    token = current_token(glewlwyd, token_store)
    signed_out = phone_user.sign_out_device()
    assert signed_out["user_agent"].startswith("device-app/")

    # The access token is a JWT and lives on until it expires: the TV keeps working...
    still = cli(glewlwyd, token_store, "call", f"{glewlwyd.issuer()}/userinfo")
    assert still.returncode == 0, still.describe()
    # ...until its next refresh, which glewlwyd refuses with an empty HTTP 400: the profile
    # reads that as invalid_grant, and the TV is told to authorize again.
    refused = cli(glewlwyd, token_store, "token", "--min-ttl", FORCE_REFRESH)
    assert refused.returncode == EXIT_REAUTHORIZE, refused.describe()
    assert REAUTHORIZE_HINT.search(refused.output), refused.describe()

    # The dead grant is forgotten: status and token agree with the server.
    status = cli(glewlwyd, token_store, "status", "--json")
    assert status.returncode == EXIT_REAUTHORIZE, status.describe()
    assert json.loads(status.stdout)["signed_in"] is False, status.describe()
    again = cli(glewlwyd, token_store, "token")
    assert again.returncode == EXIT_REAUTHORIZE, again.describe()
    assert token not in again.stdout
    assert_no_secret([refused.output, status.output, again.output], {"access token": token})

    # Authorizing again brings the TV back.
    sign_in(logins, glewlwyd, phone_user, token_store)
    assert userinfo_status(glewlwyd, current_token(glewlwyd, token_store)) == 200
    assert sorted(t["enabled"] for t in phone_user.device_tokens()) == [False, True]


def test_logout_forgets_locally_and_glewlwyd_keeps_the_grant(
    glewlwyd: Glewlwyd, phone_user: PhoneUser, token_store: Path, logins: list[LoginRun]
) -> None:
    # glewlwyd's revocation endpoint takes only confidential clients, so the profile has
    # none: a TV signs out locally, and the person signs it out on the web.
    sign_in(logins, glewlwyd, phone_user, token_store)
    token = current_token(glewlwyd, token_store)
    out = cli(glewlwyd, token_store, "logout")
    assert out.returncode == 0, out.describe()
    assert "locally" in out.stdout, out.describe()
    status = cli(glewlwyd, token_store, "status", "--json")
    assert status.returncode == EXIT_REAUTHORIZE, status.describe()
    report = json.loads(status.stdout)
    assert report["signed_in"] is False and report["revocations_queued"] == 0, report
    after = cli(glewlwyd, token_store, "token")
    assert after.returncode == EXIT_REAUTHORIZE, after.describe()

    # At the server the grant lives on until the person signs the device out.
    assert [t["enabled"] for t in phone_user.device_tokens()] == [True]
    assert userinfo_status(glewlwyd, token) == 200
    phone_user.sign_out_device()
    assert [t["enabled"] for t in phone_user.device_tokens()] == [False]
    assert_no_secret([out.output, status.output, after.output], {"access token": token})


def test_logout_refused_by_the_revocation_endpoint_keeps_no_token(
    glewlwyd: Glewlwyd, phone_user: PhoneUser, token_store: Path, logins: list[LoginRun]
) -> None:
    # The endpoint glewlwyd's metadata advertises, given by hand (the profile leaves it out):
    # it answers a public client 401 with an empty body.
    revoke = ("--revocation-endpoint", f"{glewlwyd.issuer()}/revoke")
    sign_in(logins, glewlwyd, phone_user, token_store)
    out = cli(glewlwyd, token_store, "logout", *revoke)
    assert out.returncode == 0, out.describe()
    assert "locally" in out.stdout, out.describe()
    status = cli(glewlwyd, token_store, "status", "--json", *revoke)
    assert json.loads(status.stdout)["revocations_queued"] == 0, status.describe()
