"""The real ``device-app`` command (a subprocess) against the simulator, one per outcome.

Each run is what a developer types: ``device-app login --json --provider NAME --issuer URL
--client-id ID`` (plus ``--*-endpoint`` where the profile hard-codes a real provider URL,
and ``DEVICE_APP_CLIENT_SECRET`` for Google), reading one JSON object per line.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

import pytest

from device_app.cli import exitcodes
from device_app.engine.token_store import TokenStore
from device_app_simulator.phone import approve

from .conftest import SimFactory
from .harness import (
    INTERVAL,
    CliRun,
    assert_demo_user,
    cli,
    cli_env,
    cli_login,
    cli_provider_args,
    client_of,
    store_name,
)

pytestmark = pytest.mark.timeout(90)


class AnswerAtCode:
    """Reads the JSON lines; the person answers on the phone when the code line appears."""

    def __init__(self, decision: Literal["approve", "deny"] = "approve") -> None:
        self.decision = decision
        self.answers: list[str] = []

    def __call__(self, event: dict[str, Any]) -> None:
        if event["event"] == "code":
            uri = event["verification_uri_complete"] or event["verification_uri"]
            self.answers.append(approve(uri, event["user_code"], decision=self.decision).outcome)


def assert_no_secret_printed(run: CliRun, *secrets: str | None) -> None:
    for secret in secrets:
        if secret:
            assert secret not in run.stdout and secret not in run.stderr


def test_cli_login_approve_then_status_call_and_logout(sim: SimFactory, tmp_path: Path) -> None:
    """Standard dialect, endpoints found by discovery; then the other commands on the tokens."""
    srv = sim("standard")
    store = tmp_path / "store"
    args = cli_provider_args(srv, store)
    env = cli_env(tmp_path, srv.dialect)
    react = AnswerAtCode()

    run = cli_login(args, env, react)

    assert run.code == exitcodes.OK, run.stderr
    assert react.answers == ["approved"]
    assert run.story == ["code", "authorized"], run.stdout
    code = run.events[0]
    assert code["interval"] == INTERVAL and code["verification_uri"].startswith(srv.base_url)
    assert "device_code" not in code
    assert run.events[-1]["t"] - code["t"] >= INTERVAL  # the first poll waited an interval
    doc = TokenStore(store, store_name("standard", client_of("standard")[0])).load()
    assert doc is not None
    tokens = doc["tokens"]
    assert tokens["access_token"] and tokens["refresh_token"]
    assert_no_secret_printed(run, tokens["access_token"], tokens["refresh_token"])

    status = cli(["status", "--json", *args], env)
    assert status.code == exitcodes.OK and '"signed_in": true' in status.stdout
    call = cli(["call", srv.endpoints["userinfo"] or "", *args], env)
    assert call.code == exitcodes.OK, call.stderr
    assert_demo_user(json.loads(call.stdout))
    logout = cli(["logout", *args], env)
    assert logout.code == exitcodes.OK and "revoked" in logout.stdout, logout.stdout
    assert cli(["status", *args], env).code == exitcodes.NOT_SIGNED_IN
    for other in (status, call, logout):
        assert_no_secret_printed(other, tokens["access_token"], tokens["refresh_token"])


def test_cli_login_google_with_the_secret_from_the_environment(
    sim: SimFactory, tmp_path: Path
) -> None:
    """Google needs the client secret (env only) and its endpoints named by flags."""
    srv = sim("google")
    args = cli_provider_args(srv, tmp_path / "store")
    assert "--token-endpoint" in args and "--userinfo-endpoint" in args
    env = cli_env(tmp_path, srv.dialect)
    react = AnswerAtCode()

    run = cli_login(args, env, react)

    assert run.code == exitcodes.OK, run.stderr
    assert run.story == ["code", "authorized"]
    assert_no_secret_printed(run, env["DEVICE_APP_CLIENT_SECRET"])


def test_cli_login_without_the_google_secret_is_one_clear_line(
    sim: SimFactory, tmp_path: Path
) -> None:
    srv = sim("google")
    env = cli_env(tmp_path, "standard")  # no DEVICE_APP_CLIENT_SECRET

    run = cli(["login", "--json", *cli_provider_args(srv, tmp_path / "store")], env)

    assert run.code == exitcodes.CONFIGURATION
    # --json: the error is an event on stdout too (it used to go silent there).
    (event,) = [json.loads(line) for line in run.stdout.splitlines()]
    assert event["event"] == "error" and event["category"] == "configuration"
    assert "DEVICE_APP_CLIENT_SECRET" in event["description"]
    assert "DEVICE_APP_CLIENT_SECRET" in run.stderr and "Traceback" not in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1


def test_cli_login_deny_github(sim: SimFactory, tmp_path: Path) -> None:
    srv = sim("github")
    args = cli_provider_args(srv, tmp_path / "store")
    react = AnswerAtCode("deny")

    run = cli_login(args, cli_env(tmp_path, srv.dialect), react)

    assert react.answers == ["denied"]
    assert run.code == exitcodes.DENIED, run.stderr
    assert run.story == ["code", "denied"]
    assert run.events[-1]["error"] == "access_denied"


def test_cli_login_nobody_answers_microsoft(sim: SimFactory, tmp_path: Path) -> None:
    srv = sim("microsoft", expires_in=2, faults={"never_answer": True})
    args = cli_provider_args(srv, tmp_path / "store")
    react = AnswerAtCode()

    run = cli_login(args, cli_env(tmp_path, srv.dialect), react)

    assert react.answers == ["ignored"]
    assert run.code == exitcodes.EXPIRED, run.stderr
    assert run.kinds[0] == "code" and run.kinds[-1] == "expired"
    assert run.events[0]["message"]  # Microsoft's sign-in sentence reaches the client
    assert run.events[-1]["reason"] == "deadline"


def test_cli_login_lost_token_response_keycloak(sim: SimFactory, tmp_path: Path) -> None:
    srv = sim("keycloak", faults={"lose_token_response": 1})
    args = cli_provider_args(srv, tmp_path / "store")
    react = AnswerAtCode()

    run = cli_login(args, cli_env(tmp_path, srv.dialect), react)

    assert run.code == exitcodes.PROTOCOL, run.stderr
    assert run.story == ["code", "retrying", "error"]
    assert run.events[-1]["category"] == "bad_code"
    assert run.events[-1]["error"] == "invalid_grant"
