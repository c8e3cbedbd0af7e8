"""Several accounts on one device against the simulator on loopback: the real CLI, the TV app.

The people are the simulator's demo users; each approves on the real verification page. A
sign-out "from the web" is the simulator's admin API revoking that person's grant, as an
account page's "remove this device" does at a real provider.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

from device_app.cli import exitcodes
from device_app.core import events as ev
from device_app.core.events import Event
from device_app.engine.accounts import MAX_ACCOUNTS, AccountBook
from device_app.engine.household import Household
from device_app.engine.session import Session
from device_app.engine.token_store import TokenStore
from device_app.engine.transport import HttpTransport
from device_app.hardware.boards import load_board
from device_app.ui import viewmodel as vm
from device_app_simulator.demo import demo_profile
from device_app_simulator.phone import approve
from device_app_simulator.server import SimulatorServer

from .conftest import SimFactory
from .harness import cli, cli_env, cli_login, cli_provider_args, client_of, store_name

pytestmark = pytest.mark.timeout(120)

ALICE, BOB, CAROL = "Alice Liddell", "Bob Tanaka", "Carol Okafor"


def approve_as(who: str) -> Callable[[dict[str, Any]], None]:
    def react(event: dict[str, Any]) -> None:
        if event["event"] == "code":
            uri = event["verification_uri_complete"] or event["verification_uri"]
            approve(uri, event["user_code"], username=who, password=who)

    return react


def sign_out_from_the_web(srv: SimulatorServer, username: str) -> None:
    """What a person does on the provider's account page: remove this device's access."""
    grants = requests.get(srv.base_url + "/admin/api/grants", timeout=5).json()
    live = [g for g in grants if g["username"] == username and not g["revoked_at"]]
    assert live, grants
    for grant in live:
        r = requests.post(
            "%s/admin/api/grants/%d/revoke" % (srv.base_url, grant["id"]), json={}, timeout=5
        )
        assert r.status_code == 200, r.text


def api_accepts(srv: SimulatorServer, access_token: str) -> bool:
    r = requests.get(
        srv.endpoints["userinfo"] or "",
        headers={"Authorization": "Bearer " + access_token},
        timeout=5,
    )
    return r.status_code == 200


def listing(args: list[str], env: dict[str, str]) -> list[dict[str, Any]]:
    run = cli(["accounts", "--json", *args], env)
    assert run.code == exitcodes.OK, run.stderr
    return list(json.loads(run.stdout)["accounts"])


def test_cli_two_accounts_switch_remove_and_signed_out_from_the_web(
    sim: SimFactory, tmp_path: Path
) -> None:
    srv = sim("standard")
    store = tmp_path / "store"
    args = cli_provider_args(srv, store)
    env = cli_env(tmp_path, srv.dialect)
    userinfo = srv.endpoints["userinfo"] or ""

    first = cli_login(args, env, approve_as("alice"))
    assert first.code == exitcodes.OK, first.stderr
    assert not (
        store / (store_name("standard", client_of("standard")[0]) + ".accounts.json")
    ).exists()
    second = cli_login(["--add", *args], env, approve_as("bob"))
    assert second.code == exitcodes.OK, second.stderr

    accounts = listing(args, env)
    assert [(a["name"], a["current"], a["state"]) for a in accounts] == [
        (ALICE, False, "signed_in"),
        (BOB, True, "signed_in"),
    ]
    plain = cli(["accounts", *args], env)
    assert plain.stdout.splitlines() == ["  1. %s" % ALICE, "* 2. %s" % BOB]

    # --account picks one for call and token; without it, the one used last (Bob).
    for who, name in ((ALICE, "Alice Liddell"), ("1", "Alice Liddell"), (BOB.lower(), BOB)):
        run = cli(["call", userinfo, "--account", who, *args], env)
        assert run.code == exitcodes.OK and json.loads(run.stdout)["name"] == name, run.stderr
    assert json.loads(cli(["call", userinfo, *args], env).stdout)["name"] == BOB
    alice_token = cli(["token", "--account", ALICE, *args], env).stdout.strip()
    bob_token = cli(["token", "--account", BOB, *args], env).stdout.strip()
    assert alice_token and bob_token and alice_token != bob_token
    status = cli(["status", "--json", "--account", ALICE, *args], env)
    assert json.loads(status.stdout)["user"]["name"] == ALICE

    unknown = cli(["status", "--account", "Zed", *args], env)
    assert unknown.code == exitcodes.CONFIGURATION
    assert unknown.stderr.strip() == (
        "device-app: error: no account called 'Zed' on this device (%s, %s); "
        "'device-app accounts' lists them" % (ALICE, BOB)
    )

    # Bob signs this device out on the web: only his account needs a new sign-in.
    sign_out_from_the_web(srv, "bob")
    refused = cli(["call", userinfo, "--account", BOB, *args], env)
    assert refused.code == exitcodes.NOT_SIGNED_IN, refused.stderr
    assert [a["state"] for a in listing(args, env)] == ["signed_in", "needs_sign_in"]
    assert cli(["call", userinfo, "--account", ALICE, *args], env).code == exitcodes.OK

    # Alice is removed: revoked at the server and forgotten here; Bob's entry stays.
    logout = cli(["logout", "--account", ALICE, *args], env)
    assert logout.code == exitcodes.OK and "revoked" in logout.stdout, logout.stdout
    assert not api_accepts(srv, alice_token)
    assert [a["name"] for a in listing(args, env)] == [BOB]

    # Bob signs in again into his own account.
    again = cli_login(["--account", BOB, *args], env, approve_as("bob"))
    assert again.code == exitcodes.OK, again.stderr
    assert [(a["name"], a["state"]) for a in listing(args, env)] == [(BOB, "signed_in")]


def test_cli_refuses_a_ninth_account_before_any_code(sim: SimFactory, tmp_path: Path) -> None:
    srv = sim("standard")
    store = tmp_path / "store"
    args = cli_provider_args(srv, store)
    env = cli_env(tmp_path, srv.dialect)
    book = AccountBook(store, store_name("standard", client_of("standard")[0]))
    for i in range(MAX_ACCOUNTS):
        sid = book.new_store_id()
        book.store(sid).save({"tokens": {"access_token": "made-up-%d" % i}})
        book.record(sid, {"name": "Person %d" % (i + 1)})
    run = cli(["login", "--json", "--add", *args], env)
    assert run.code == exitcodes.CONFIGURATION
    assert "at most 8 accounts; remove one" in run.stderr
    assert '"event": "code"' not in run.stdout
    assert "At the limit" in cli(["accounts", *args], env).stdout


def test_the_same_person_added_twice_is_listed_once(sim: SimFactory, tmp_path: Path) -> None:
    srv = sim("standard")
    args = cli_provider_args(srv, tmp_path / "store")
    env = cli_env(tmp_path, srv.dialect)
    assert cli_login(args, env, approve_as("alice")).code == exitcodes.OK
    old = cli(["token", *args], env).stdout.strip()
    assert cli_login(["--add", *args], env, approve_as("alice")).code == exitcodes.OK
    assert [(a["name"], a["number"]) for a in listing(args, env)] == [(ALICE, 1)]
    assert not api_accepts(srv, old)  # the older sign-in was revoked, not left behind
    assert cli(["call", srv.endpoints["userinfo"] or "", *args], env).code == exitcodes.OK


class Phones(Session):
    """The real session; each code is approved by the next person in the shared queue."""

    def __init__(self, *a: Any, people: list[str], tokens: dict[str, str], **kw: Any) -> None:
        super().__init__(*a, **kw)
        self.people = people
        self.tokens = tokens

    def login(self, on_event, cancel=None):  # type: ignore[no-untyped-def]
        def watch(event: Event) -> None:
            on_event(event)
            if event.kind == ev.CODE and self.people:
                who = self.people.pop(0)
                p = event.public()
                threading.Thread(
                    target=approve,
                    args=(p["verification_uri_complete"] or p["verification_uri"], p["user_code"]),
                    kwargs={"username": who, "password": who},
                    daemon=True,
                ).start()

        final = super().login(watch, cancel)
        if final.kind == ev.AUTHORIZED:
            self.tokens[self.store.profile] = final.data["tokens"]["access_token"]
        return final


class Remote:
    """Presses keys on the running app from a thread and waits for what the screen shows."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def press(self, *actions: str) -> None:
        for action in actions:
            self.app.post_action(action)

    def until(self, what: str, test: Callable[[vm.ViewModel], bool], timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.app.controller.busy == "" and test(self.app.controller.view(time.monotonic())):
                return
            time.sleep(0.02)
        raise AssertionError(
            "timed out waiting for %s; screen %s" % (what, self.app.controller.screen)
        )

    def home(self, current: str, names: list[str]) -> vm.ViewModel:
        def shown(v: vm.ViewModel) -> bool:
            row = next((r for r in v.accounts if r.id == v.current), None)
            return (
                v.screen == vm.HOME
                and row is not None
                and row.name == current
                and [r.name for r in v.accounts] == names
            )

        self.until("Home with %s current among %s" % (current, names), shown)
        return self.app.controller.view(time.monotonic())


def test_tv_adds_switches_removes_and_marks_an_account_signed_out_from_the_web(
    sim: SimFactory, tmp_path: Path
) -> None:
    from device_app.tv.app import App

    srv = sim("standard")
    folder = tmp_path / "tokens"
    people = ["alice", "bob", "carol"]
    tokens: dict[str, str] = {}
    profile = demo_profile(srv)
    transport = HttpTransport()

    def make(store: TokenStore) -> Session:
        return Phones(
            profile, store, transport, device_name="Living room", people=people, tokens=tokens
        )

    household = Household(AccountBook(folder, "tv"), make, "Living room")
    app = App(load_board("desktop"), household, offscreen=True)
    remote = Remote(app)
    failure: list[BaseException] = []

    def script() -> None:
        try:
            drive(remote, household, srv, tokens)
        except BaseException as e:  # reported by the test thread below
            failure.append(e)
        finally:
            app.stop()

    driver = threading.Thread(target=script, daemon=True)
    driver.start()
    assert app.run(max_seconds=100) == 0
    driver.join(5)
    if failure:
        raise failure[0]
    # After a "reboot" the account used last is current again.
    current = AccountBook(folder, "tv").current()
    assert current is not None and current.name == BOB


def drive(
    remote: Remote, household: Household, srv: SimulatorServer, tokens: dict[str, str]
) -> None:
    # 1. Nobody yet: a code; Alice approves it on her phone.
    remote.until("the greeting", lambda v: v.screen == vm.SIGNED_IN and v.user is not None)
    remote.press("select")
    v = remote.home(ALICE, [ALICE])
    assert v.buttons == ("add_account", "remove", "language")  # Language: its own screen

    # 2. Add account (down to the buttons, OK): a new code that Bob approves; Alice stays.
    remote.press("down", "select")
    remote.until("Bob's greeting", lambda v: v.screen == vm.SIGNED_IN and v.user is not None)
    remote.press("select")
    remote.home(BOB, [ALICE, BOB])
    assert api_accepts(srv, tokens["tv"]) and api_accepts(srv, tokens["tv.acct2"])

    # 3. Switch to Alice: up, OK.
    remote.press("up", "select")
    remote.home(ALICE, [ALICE, BOB])

    # 4. Remove Alice (Remove, confirm): revoked at the server, forgotten; Bob still works.
    remote.press("down", "down", "right", "select")
    remote.until("the question", lambda v: v.screen == vm.CONFIRM_REMOVE)
    remote.press("right", "select")
    v = remote.home(BOB, [BOB])
    assert v.user is not None and v.user.name == BOB  # his userinfo call just worked
    assert not api_accepts(srv, tokens["tv"])
    assert api_accepts(srv, tokens["tv.acct2"])

    # 5. Add Carol, then Bob signs this TV out from the web.
    remote.press("down", "select")
    remote.until("Carol's greeting", lambda v: v.screen == vm.SIGNED_IN and v.user is not None)
    remote.press("select")
    remote.home(CAROL, [BOB, CAROL])
    sign_out_from_the_web(srv, "bob")

    # 6. Switching to Bob finds out: he is marked, Carol is not disturbed.
    remote.press("up", "select")
    v = remote.home(BOB, [BOB, CAROL])
    assert [r.needs_sign_in for r in v.accounts] == [True, False]
    assert v.buttons[0] == "sign_in" and v.row == -1
    assert household.session(household.book.accounts()[1].store).userinfo()["name"] == CAROL
