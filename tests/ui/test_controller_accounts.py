"""Several accounts on one TV, driven with the remote: add, switch, remove, signed out from the web.

The host (the TV app's workers and a Household) is played by hand: each command the
controller issues is answered with the messages the real host sends, the list of accounts
(``on_accounts``) first, then the command's result.
"""

from __future__ import annotations

from typing import Any

from device_app.ui import controller as ctl
from device_app.ui import viewmodel as vm

from .fakes import CODE
from .test_controller import KIOSK, Pilot

ADA = vm.AccountRow("s1", "Ada")
BOB = vm.AccountRow("s2", "Bob")
LIMIT = 8


class Household(Pilot):
    """A Pilot whose host has accounts: it tells the controller the list as the host would."""

    def __init__(
        self,
        rows: tuple[vm.AccountRow, ...],
        current: str,
        signed_in: bool = True,
        kiosk: ctl.KioskSettings | None = None,
        limit: int = LIMIT,
    ) -> None:
        self.rows = rows
        self.current = current
        self.limit = limit
        # Not Pilot.__init__: the list must reach the controller before start().
        self.now = 1000.0
        self.c = ctl.Controller("Test TV", kiosk)
        self.log: list[ctl.Command] = []
        self.tell()
        self.c.start(self.now, signed_in)
        self._take()

    def tell(self) -> None:
        self.c.on_accounts(self.rows, self.current, self.limit, self.now)
        self._take()

    def answer_userinfo(self, info: dict[str, Any]) -> None:
        cmd = [c for c in self.log if c.name in ("userinfo", "switch")][-1]
        self.tell()
        self.c.on_userinfo(cmd.gen, info, self.now)
        self._take()

    def answer_reauth(self) -> None:
        cmd = [c for c in self.log if c.name in ("userinfo", "switch")][-1]
        self.tell()
        self.c.on_userinfo_failed(cmd.gen, True, "", "", self.now)
        self._take()

    def answer_signed_out(self) -> None:
        self.tell()
        self.c.on_signed_out(self.last("logout").gen, self.now)
        self._take()

    def focused(self) -> str:
        v = self.view()
        if v.row >= 0:
            return "row:" + v.accounts[v.row].name
        return "button:" + v.buttons[v.focus]


def home_with_ada_and_bob() -> Household:
    h = Household((ADA, BOB), "s1")
    assert h.names == ["userinfo"]
    h.answer_userinfo({"name": "Ada"})
    assert h.screen == vm.HOME
    return h


def test_home_lists_the_accounts_with_the_current_one_focused() -> None:
    h = home_with_ada_and_bob()
    v = h.view()
    assert [r.name for r in v.accounts] == ["Ada", "Bob"] and v.current == "s1"
    assert v.buttons == ("add_account", "remove") and v.disabled == ()
    assert h.focused() == "row:Ada"


def test_up_down_walk_the_list_then_the_buttons() -> None:
    h = home_with_ada_and_bob()
    h.press("down")
    assert h.focused() == "row:Bob"
    h.press("down")
    assert h.focused() == "button:add_account"
    h.press("right")
    assert h.focused() == "button:remove"
    h.press("right")
    assert h.focused() == "button:remove"
    h.press("up")
    assert h.focused() == "row:Bob"
    h.press("up", "up")
    assert h.focused() == "row:Ada"


def test_ok_on_another_account_switches_to_it() -> None:
    h = home_with_ada_and_bob()
    h.press("down", "select")
    cmd = h.last("switch")
    assert cmd.args == ("s2",) and h.screen == vm.STARTING
    h.current = "s2"  # the host made Bob current (and remembers it across a reboot)
    h.answer_userinfo({"name": "Bob"})
    v = h.view()
    assert h.screen == vm.HOME and v.current == "s2" and v.user is not None
    assert v.user.name == "Bob" and h.focused() == "row:Bob"


def test_ok_on_the_current_account_does_nothing() -> None:
    h = home_with_ada_and_bob()
    before = len(h.log)
    h.press("select")
    assert h.screen == vm.HOME and len(h.log) == before


def test_add_account_signs_in_a_new_one_while_the_others_stay() -> None:
    h = home_with_ada_and_bob()
    h.press("down", "down", "select")  # on Add account
    login = h.last("login")
    assert login.args == ("new",) and "logout" not in h.names
    h.flow("code", **CODE)
    assert h.screen == vm.ACTIVATION
    h.flow("authorized")
    assert h.screen == vm.SIGNED_IN
    h.rows = (ADA, BOB, vm.AccountRow("s3", "Cleo"))
    h.current = "s3"
    h.answer_userinfo({"name": "Cleo"})
    assert h.screen == vm.SIGNED_IN  # the greeting first
    h.wait(ctl.GREETING_SECONDS)
    v = h.view()
    assert h.screen == vm.HOME and [r.name for r in v.accounts] == ["Ada", "Bob", "Cleo"]
    assert v.current == "s3" and h.focused() == "row:Cleo"


def test_back_while_adding_returns_to_the_current_account() -> None:
    h = home_with_ada_and_bob()
    h.press("down", "down", "select")
    h.flow("code", **CODE)
    h.press("back")
    assert h.names[-2:] == ["cancel", "switch"] and h.last("switch").args == ("s1",)
    h.answer_userinfo({"name": "Ada"})
    assert h.screen == vm.HOME and h.view().current == "s1"


def test_remove_asks_first_then_signs_the_current_account_out() -> None:
    h = home_with_ada_and_bob()
    h.press("down", "down", "right", "select")  # Remove
    assert h.screen == vm.CONFIRM_REMOVE and h.view().buttons == ("cancel", "remove")
    h.press("select")  # Cancel is focused first
    assert h.screen == vm.HOME and "logout" not in h.names
    h.press("red")
    h.press("right", "select")
    assert h.names[-1] == "logout" and h.screen == vm.STARTING
    h.rows, h.current = (BOB,), "s2"  # the host revoked Ada's tokens and forgot her
    h.answer_signed_out()
    assert h.last("switch").args == ("s2",)
    h.answer_userinfo({"name": "Bob"})
    v = h.view()
    assert h.screen == vm.HOME and [r.name for r in v.accounts] == ["Bob"]


def test_removing_the_last_account_asks_for_a_code() -> None:
    h = Household((ADA,), "s1")
    h.answer_userinfo({"name": "Ada"})
    h.press("menu", "right", "select")
    h.rows, h.current = (), ""
    h.answer_signed_out()
    assert h.names[-1] == "login" and h.screen == vm.STARTING


def test_an_account_signed_out_from_the_web_is_marked_and_the_others_stay() -> None:
    h = home_with_ada_and_bob()
    h.press("down", "select")
    h.rows, h.current = (ADA, vm.AccountRow("s2", "Bob", needs_sign_in=True)), "s2"
    h.answer_reauth()
    v = h.view()
    assert h.screen == vm.HOME and v.current == "s2"
    assert [r.needs_sign_in for r in v.accounts] == [False, True]
    assert v.buttons == ("sign_in", "add_account", "remove") and h.focused() == "button:sign_in"
    assert "login" not in h.names  # no code until asked for: Ada is still there
    h.press("up", "up")
    assert h.focused() == "row:Ada"
    h.press("select")
    assert h.last("switch").args == ("s1",)


def test_sign_in_again_asks_for_a_code_for_that_account() -> None:
    h = home_with_ada_and_bob()
    h.press("down", "select")
    h.rows, h.current = (ADA, vm.AccountRow("s2", "Bob", needs_sign_in=True)), "s2"
    h.answer_reauth()
    h.press("select")
    assert h.last("login").args == ()  # the current (Bob's) store, not a new one
    h.flow("code", **CODE)
    assert h.screen == vm.ACTIVATION


def test_start_with_the_current_account_signed_out_from_the_web_shows_home() -> None:
    h = Household((vm.AccountRow("s1", "Ada", needs_sign_in=True), BOB), "s1", signed_in=False)
    assert h.names == [] and h.screen == vm.HOME
    assert h.view().buttons[0] == "sign_in"


def test_at_the_limit_add_account_is_disabled_and_says_why() -> None:
    rows = tuple(vm.AccountRow("s%d" % i, "P%d" % i) for i in range(1, LIMIT + 1))
    h = Household(rows, "s1")
    h.answer_userinfo({"name": "P1"})
    v = h.view()
    assert v.disabled == ("add_account",)
    h.press(*["down"] * LIMIT)
    assert h.focused() == "button:remove"  # the focus skips the disabled button
    h.press("left", "select")
    assert h.screen == vm.CONFIRM_REMOVE and "login" not in h.names


def test_a_kiosk_ignores_accounts_and_keeps_one_visitor() -> None:
    h = Household((ADA, BOB), "s1", kiosk=KIOSK)
    h.answer_userinfo({"name": "Ada"})
    v = h.view()
    assert h.screen == vm.HOME and v.accounts == () and v.buttons == ("sign_out",)
    h.wait(KIOSK.sign_out_after)
    assert h.names[-1] == "logout"


def test_back_with_only_an_account_that_must_sign_in_again_cancels_as_before() -> None:
    h = Household((vm.AccountRow("s1", "Ada", needs_sign_in=True),), "s1", signed_in=False)
    assert h.names == ["login"]  # nobody else to show: a code at once
    h.flow("code", **CODE)
    h.press("back")
    assert h.screen == vm.EXPIRED and h.view().cancelled and "switch" not in h.names
