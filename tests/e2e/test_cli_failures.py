"""Failures a user meets with the real ``device-app`` command: one clear sentence, nothing lost.

Each test runs the real command as a subprocess against the simulator on 127.0.0.1 (or
against nothing at all, for errors found before any request) in a fresh HOME.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from device_app.cli import exitcodes
from device_app_simulator.phone import approve

from .conftest import SimFactory
from .harness import cli, cli_env, cli_login, cli_provider_args, client_of, store_name

pytestmark = pytest.mark.timeout(90)


def approve_at_code(event: dict[str, Any]) -> None:
    if event["event"] == "code":
        uri = event["verification_uri_complete"] or event["verification_uri"]
        assert approve(uri, event["user_code"]).outcome == "approved"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# -- folders for secrets: owner-only whatever the umask ------------------------------------


@pytest.mark.parametrize("umask", [0o002, 0o022])
def test_default_folders_are_owner_only_whatever_the_umask(
    sim: SimFactory, tmp_path: Path, umask: int
) -> None:
    """A fresh HOME, the default (XDG) locations: every folder we create is 0700."""
    srv = sim("standard")
    home = tmp_path / "home"
    home.mkdir()
    args = cli_provider_args(srv, home / "unused")
    args = args[: args.index("--token-store")] + args[args.index("--token-store") + 2 :]
    env = cli_env(home, "standard")
    for var in ("XDG_STATE_HOME", "XDG_CACHE_HOME"):
        env.pop(var, None)
    old = os.umask(umask)  # inherited by the child
    try:
        run = cli_login(args, env, approve_at_code)
    finally:
        os.umask(old)
    assert run.code == exitcodes.OK, run.stderr
    state = home / ".local" / "state" / "device-app"
    cache = home / ".cache" / "device-app" / "discovery"
    assert (state / f"{store_name('standard', client_of('standard')[0])}.json").is_file()
    assert any(cache.iterdir()), "the discovery document is cached under XDG_CACHE_HOME"
    for folder in (home / ".local", home / ".local" / "state", state, home / ".cache"):
        assert mode(folder) == 0o700, folder
    assert mode(cache.parent) == 0o700 and mode(cache) == 0o700
    assert not (state / "discovery").exists()  # the cache is not kept beside the tokens


def test_xdg_state_and_cache_homes_are_honoured(sim: SimFactory, tmp_path: Path) -> None:
    srv = sim("standard")
    args = cli_provider_args(srv, tmp_path / "unused")
    args = args[: args.index("--token-store")] + args[args.index("--token-store") + 2 :]
    env = cli_env(tmp_path / "home", "standard")
    env["XDG_STATE_HOME"] = str(tmp_path / "state")
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")

    run = cli_login(args, env, approve_at_code)

    assert run.code == exitcodes.OK, run.stderr
    assert (tmp_path / "state" / "device-app").is_dir()
    assert any((tmp_path / "cache" / "device-app" / "discovery").iterdir())
    assert not (tmp_path / "home" / ".local").exists()
    assert cli(["status", *args], env).code == exitcodes.OK


def test_a_store_at_the_old_place_is_still_used(sim: SimFactory, tmp_path: Path) -> None:
    """Tokens kept at ~/.local/state/device-app before XDG_STATE_HOME was honoured."""
    srv = sim("standard")
    args = cli_provider_args(srv, tmp_path / "unused")
    args = args[: args.index("--token-store")] + args[args.index("--token-store") + 2 :]
    env = cli_env(tmp_path / "home", "standard")
    env.pop("XDG_STATE_HOME", None)
    assert cli_login(args, env, approve_at_code).code == exitcodes.OK

    env["XDG_STATE_HOME"] = str(tmp_path / "state")
    assert cli(["status", *args], env).code == exitcodes.OK
    assert not (tmp_path / "state" / "device-app").exists()


# -- an approval is never thrown away -------------------------------------------------------


@pytest.fixture
def lockable_folder(tmp_path: Path) -> Iterator[tuple[Path, Any]]:
    """A folder and ``set_writable(bool)``: chmod, or (as root, whom chmod does not stop) a
    tmpfs remounted read-only."""
    folder = tmp_path / "store"
    folder.mkdir(mode=0o700)
    if os.geteuid() != 0:
        yield folder, lambda ok: folder.chmod(0o700 if ok else 0o500)
        folder.chmod(0o700)
        return
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m,mode=0700", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip("root cannot mount a tmpfs here: %s" % mounted.stderr.strip())

    def set_writable(ok: bool) -> None:
        option = "remount,rw" if ok else "remount,ro"
        subprocess.run(["mount", "-o", option, str(folder)], check=True)

    try:
        yield folder, set_writable
    finally:
        subprocess.run(["umount", str(folder)], check=False)


def test_an_unwritable_store_is_refused_before_a_code_is_shown(
    sim: SimFactory, tmp_path: Path, lockable_folder: tuple[Path, Any]
) -> None:
    folder, set_writable = lockable_folder
    set_writable(False)
    srv = sim("standard")
    args = cli_provider_args(srv, folder)

    run = cli(["login", *args], cli_env(tmp_path, "standard"))

    assert run.code == exitcodes.CONFIGURATION
    assert "To sign in" not in run.stdout and "Traceback" not in run.stderr
    (line,) = run.stderr.strip().splitlines()
    assert line.startswith("device-app: error: Cannot write to the token store in %s" % folder)


def test_a_store_that_fails_after_approval_says_so_and_exits_non_zero(
    sim: SimFactory, tmp_path: Path, lockable_folder: tuple[Path, Any]
) -> None:
    folder, set_writable = lockable_folder
    srv = sim("standard")
    args = cli_provider_args(srv, folder)

    def lock_then_approve(event: dict[str, Any]) -> None:
        if event["event"] == "code":
            set_writable(False)  # the pending code is on disk; the tokens will not be
            approve_at_code(event)

    run = cli_login(args, cli_env(tmp_path, "standard"), lock_then_approve)
    set_writable(True)

    assert run.code == exitcodes.CONFIGURATION, run.stderr
    assert run.kinds[0] == "code" and "authorized" not in run.kinds
    assert run.events[-1]["event"] == "error"
    assert "could not be saved" in run.events[-1]["description"]
    last = run.stderr.strip().splitlines()[-1]  # (the session also logs the failed save)
    assert last.startswith("device-app: error: the sign-in was approved but its tokens could")
    assert str(folder) in last and "Traceback" not in run.stderr


# -- --json: every outcome is an event, and the exit code still says which ------------------


def test_json_network_failure_before_the_code_is_an_event(tmp_path: Path) -> None:
    env = cli_env(tmp_path, "standard")
    args = ["--issuer", "https://127.0.0.1:9", "--client-id", "tv-demo"]
    run = cli(["login", "--json", *args, "--token-store", str(tmp_path / "s")], env)
    assert run.code == exitcodes.NETWORK
    (event,) = [json.loads(line) for line in run.stdout.splitlines()]
    assert event["event"] == "error" and event["category"] == "network"
    assert "127.0.0.1:9" in event["description"]
    assert len(run.stderr.strip().splitlines()) == 1


def test_json_config_error_of_status_is_an_event(tmp_path: Path) -> None:
    run = cli(["status", "--json", "--provider", "oidc"], cli_env(tmp_path, "standard"))
    assert run.code == exitcodes.CONFIGURATION
    (event,) = [json.loads(line) for line in run.stdout.splitlines()]
    assert event["category"] == "configuration" and "client ID" in event["description"]


def test_json_output_cut_by_head_ends_quietly(sim: SimFactory, tmp_path: Path) -> None:
    """``device-app login --json | head -1``: no 'internal error', exit 141 like C tools."""
    srv = sim("standard")
    args = cli_provider_args(srv, tmp_path / "store")
    proc = subprocess.Popen(
        [sys.executable, "-m", "device_app", "login", "--json", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        env=cli_env(tmp_path, "standard"),
    )
    assert proc.stdout is not None and proc.stderr is not None
    first = json.loads(proc.stdout.readline())
    proc.stdout.close()  # what head does after its line
    uri = first["verification_uri_complete"] or first["verification_uri"]
    approve(uri, first["user_code"])  # the next event meets the closed pipe
    code = proc.wait(30)
    err = proc.stderr.read().decode()
    assert first["event"] == "code"
    assert code == exitcodes.BROKEN_PIPE == 141
    assert err == ""


# -- who am I -------------------------------------------------------------------------------


def test_status_after_a_json_login_names_the_user(sim: SimFactory, tmp_path: Path) -> None:
    srv = sim("standard")
    args = cli_provider_args(srv, tmp_path / "store")
    env = cli_env(tmp_path, "standard")
    assert cli_login(args, env, approve_at_code).code == exitcodes.OK

    status = json.loads(cli(["status", "--json", *args], env).stdout)
    assert status["user"]["name"] == "Alice Liddell"
    assert "Signed in as Alice Liddell." in cli(["status", *args], env).stdout


def test_a_call_to_userinfo_records_the_user(sim: SimFactory, tmp_path: Path) -> None:
    srv = sim("standard")
    args = cli_provider_args(srv, tmp_path / "store")
    env = cli_env(tmp_path, "standard")
    assert cli_login(args, env, approve_at_code).code == exitcodes.OK
    # Forget the name recorded at login, as a store written by an older version would.
    from device_app.engine.token_store import TokenStore

    store = TokenStore(tmp_path / "store", store_name("standard", client_of("standard")[0]))
    doc = store.load() or {}
    doc["user"] = None
    store.save(doc)
    assert json.loads(cli(["status", "--json", *args], env).stdout)["user"] is None

    assert cli(["call", srv.endpoints["userinfo"] or "", *args], env).code == exitcodes.OK
    assert json.loads(cli(["status", "--json", *args], env).stdout)["user"]["name"] == (
        "Alice Liddell"
    )


# -- global flags after the command ---------------------------------------------------------


@pytest.mark.parametrize("flag", ["--debug", "-v", "--verbose"])
def test_global_flags_work_after_the_command(tmp_path: Path, flag: str) -> None:
    env = cli_env(tmp_path, "standard")
    run = cli(["login", "--provider", "oidc", flag], env)
    assert run.code == exitcodes.CONFIGURATION, run.stderr  # not 2: the flag was accepted
    assert "no client ID" in run.stderr
    if flag == "--debug":
        assert "Traceback" in run.stderr  # --debug's details, as the messages promise
