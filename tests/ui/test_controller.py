"""Screen logic, driven like a user with a remote: named actions and a fake clock."""

from __future__ import annotations

from typing import Any

import pytest

from device_app.ui import controller as ctl
from device_app.ui import viewmodel as vm

from .fakes import CODE


class Pilot:
    """Drives a Controller: presses keys, delivers worker results, moves time."""

    def __init__(
        self,
        kiosk: ctl.KioskSettings | None = None,
        signed_in: bool = False,
        languages: tuple[str, ...] = (),
        language: str = "",
    ) -> None:
        self.now = 1000.0
        self.c = ctl.Controller("Test TV", kiosk, languages, language)
        self.log: list[ctl.Command] = []
        self.c.start(self.now, signed_in)
        self._take()

    def _take(self) -> list[ctl.Command]:
        cmds = self.c.take_commands()
        self.log.extend(cmds)
        return cmds

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.log]

    def last(self, name: str) -> ctl.Command:
        return [c for c in self.log if c.name == name][-1]

    def press(self, *actions: str) -> None:
        for a in actions:
            self.c.on_action(a, self.now)
            self._take()

    def flow(self, kind: str, **public: Any) -> None:
        self.c.on_flow_event(self.last("login").gen, kind, public, self.now)
        self._take()

    def wait(self, seconds: float) -> None:
        """Advance time, waking the controller wherever it asked to be woken."""
        end = self.now + seconds
        while True:
            wake = self.c.next_wake(self.now)
            if wake is None or wake > end:
                break
            self.now = max(self.now, wake)
            self.c.tick(self.now)
            self._take()
        self.now = end
        self.c.tick(self.now)
        self._take()

    def userinfo(self, info: dict[str, Any] | None = None) -> None:
        self.c.on_userinfo(self.last("userinfo").gen, info or {"name": "Ada"}, self.now)
        self._take()

    @property
    def screen(self) -> str:
        return self.c.screen

    def view(self) -> vm.ViewModel:
        return self.c.view(self.now)


KIOSK = ctl.KioskSettings(
    enabled=True, sign_out_after=30.0, renew_expired_code=True, retry_backoff_max=20.0
)


def test_start_asks_for_a_code_and_shows_it() -> None:
    p = Pilot()
    assert p.names == ["login"] and p.screen == vm.STARTING
    p.flow("code", **CODE)
    assert p.screen == vm.ACTIVATION
    v = p.view()
    assert (v.code, v.uri, v.qr) == (
        "BDWP-HQPK",
        CODE["verification_uri"],
        CODE["verification_uri_complete"],
    )
    assert v.seconds_left == 600


def test_countdown_wakes_once_per_second() -> None:
    p = Pilot()
    p.flow("code", **CODE)
    p.now += 0.25
    wake = p.c.next_wake(p.now)
    assert wake is not None and wake - p.now == pytest.approx(0.75)
    assert p.c.view(wake).seconds_left == 599


def test_network_trouble_keeps_the_code_and_says_reconnecting() -> None:
    p = Pilot()
    p.flow("code", **CODE)
    p.flow("retrying", reason="connect", delay=8, attempt=1)
    assert p.screen == vm.RECONNECTING
    v = p.view()
    assert v.code == "BDWP-HQPK" and v.retry_in == 8
    p.flow("pending", interval=5)
    assert p.screen == vm.ACTIVATION and p.view().status == vm.STATUS_WAITING


def test_slow_down_changes_nothing_visible() -> None:
    p = Pilot()
    p.flow("code", **CODE)
    before = p.view()
    p.flow("slow_down", interval=10)
    assert p.view() == before


def test_expired_waits_for_ok_on_a_normal_board() -> None:
    p = Pilot()
    p.flow("code", **CODE)
    p.flow("expired", reason="server")
    assert p.screen == vm.EXPIRED and p.view().code == ""
    p.wait(3600)
    assert p.names == ["login"]  # RFC 8628 §3.5: no new code without the user
    p.press("select")
    assert p.names == ["login", "login"] and p.screen == vm.STARTING


def test_kiosk_renews_an_expired_code_by_itself() -> None:
    p = Pilot(KIOSK)
    p.flow("code", **CODE)
    p.flow("expired", reason="deadline")
    assert p.names == ["login", "login"] and p.screen == vm.STARTING


def test_a_stuck_flow_never_leaves_a_dead_code_on_screen() -> None:
    p = Pilot()
    p.flow("code", **CODE)
    p.wait(600 + ctl.LOCAL_EXPIRY_GRACE + 0.1)
    assert p.screen == vm.EXPIRED
    assert p.names == ["login", "cancel"]


def test_denied_then_ok_tries_again() -> None:
    p = Pilot()
    p.flow("code", **CODE)
    p.flow("denied", error="access_denied", description="User said no\x1b[2J")
    assert p.screen == vm.DENIED and p.view().denied == "User said no[2J"
    p.press("select")
    assert p.names[-1] == "login"


def test_kiosk_denied_gets_a_new_code_after_a_pause() -> None:
    p = Pilot(KIOSK)
    p.flow("code", **CODE)
    p.flow("denied", error="access_denied", description=None)
    assert p.view().auto_in == ctl.KIOSK_MESSAGE_SECONDS
    p.wait(ctl.KIOSK_MESSAGE_SECONDS)
    assert p.names == ["login", "login"]


def test_error_screen_retries_on_ok() -> None:
    p = Pilot()
    p.flow("error", category="configuration", error="invalid_client", description="bad id")
    v = p.view()
    assert p.screen == vm.ERROR and v.error == vm.ErrorInfo(
        "configuration", "invalid_client", "bad id"
    )
    p.wait(600)
    assert p.names == ["login"]
    p.press("select")
    assert p.names == ["login", "login"]


def test_kiosk_errors_back_off_exponentially_up_to_the_cap() -> None:
    p = Pilot(KIOSK)
    delays = []
    for _ in range(6):
        p.flow("error", category="network", error="connect", description=None)
        delays.append(p.view().auto_in)
        p.wait(p.view().auto_in or 0)
    assert delays == [2, 4, 8, 16, 20, 20]
    assert p.names.count("login") == 7


def test_unknown_error_category_is_shown_as_protocol() -> None:
    p = Pilot()
    p.flow("error", category="weird", error="x", description=None)
    assert p.view().error == vm.ErrorInfo("protocol", "x", "")


def test_sign_in_greets_then_goes_home() -> None:
    p = Pilot()
    p.flow("code", **CODE)
    p.flow("authorized", token_type="Bearer", scope="openid", expires_in=3600)
    assert p.screen == vm.SIGNED_IN and p.names[-1] == "userinfo"
    assert p.view().user is None  # "Getting your details…"
    p.userinfo({"preferred_username": "ada", "email": "ada@example.com"})
    assert p.view().user == vm.UserInfo("ada", (("E-mail", "ada@example.com"),))
    p.wait(ctl.GREETING_SECONDS)
    assert p.screen == vm.HOME


def test_sign_out_needs_confirmation() -> None:
    p = Pilot(signed_in=True)
    assert p.names == ["userinfo"] and p.screen == vm.STARTING
    p.userinfo()
    assert p.screen == vm.HOME and p.view().buttons == ("sign_out",)
    p.press("select")
    assert p.screen == vm.CONFIRM_SIGN_OUT and p.view().focus == 0  # "Cancel" first
    p.press("select")
    assert p.screen == vm.HOME
    p.press("menu", "right", "select")
    assert p.screen == vm.STARTING and p.names[-1] == "logout"
    p.c.on_signed_out(p.last("logout").gen, p.now)
    p._take()
    assert p.names[-1] == "login"


def test_back_leaves_the_confirmation() -> None:
    p = Pilot(signed_in=True)
    p.userinfo()
    p.press("red")
    assert p.screen == vm.CONFIRM_SIGN_OUT
    p.press("right", "right", "back")
    assert p.screen == vm.HOME and "logout" not in p.names


def test_focus_stays_within_the_buttons() -> None:
    p = Pilot(signed_in=True)
    p.userinfo()
    p.press("select", "left", "left", "up")
    assert p.view().focus == 0
    p.press("right", "right", "down")
    assert p.view().focus == 1


def test_kiosk_signs_out_after_the_configured_time() -> None:
    p = Pilot(KIOSK)
    p.flow("code", **CODE)
    p.flow("authorized", token_type="Bearer", scope="", expires_in=60)
    p.userinfo()
    assert p.view().auto_what == "sign_out" and p.view().auto_in == 30
    p.wait(29.9)
    assert "logout" not in p.names
    p.wait(0.2)
    assert p.names[-1] == "logout"
    p.c.on_signed_out(p.last("logout").gen, p.now)
    p._take()
    assert p.names[-1] == "login"


def test_reauth_required_asks_for_a_code() -> None:
    p = Pilot(signed_in=True)
    p.c.on_userinfo_failed(p.last("userinfo").gen, True, "", "", p.now)
    p._take()
    assert p.names == ["userinfo", "login"]


def test_kiosk_signs_out_when_the_account_details_never_arrive() -> None:
    p = Pilot(KIOSK, signed_in=True)
    for _ in range(ctl.KIOSK_USERINFO_ATTEMPTS - 1):
        p.c.on_userinfo_failed(p.last("userinfo").gen, False, "network", "timeout", p.now)
        p._take()
        assert p.screen == vm.ERROR
        p.wait(p.view().auto_in or 0)
    p.c.on_userinfo_failed(p.last("userinfo").gen, False, "network", "timeout", p.now)
    p._take()
    assert p.names[-1] == "logout"  # the next visitor is not locked out


def test_userinfo_network_failure_retries_userinfo_not_login() -> None:
    p = Pilot(signed_in=True)
    p.c.on_userinfo_failed(p.last("userinfo").gen, False, "network", "timeout", p.now)
    p._take()
    assert p.screen == vm.ERROR
    p.press("select")
    assert p.names == ["userinfo", "userinfo"]


def test_back_on_the_code_cancels_and_stale_events_are_ignored() -> None:
    p = Pilot()
    p.flow("code", **CODE)
    old = p.last("login").gen
    p.press("back")
    assert p.names == ["login", "cancel"] and p.screen == vm.EXPIRED and p.view().cancelled
    p.c.on_flow_event(old, "authorized", {}, p.now)
    assert p.screen == vm.EXPIRED


def test_a_final_event_after_a_terminal_one_is_ignored() -> None:
    p = Pilot()
    gen = p.last("login").gen
    p.c.on_flow_event(gen, "denied", {"error": "access_denied"}, p.now)
    p.c.on_flow_event(gen, "denied", {"error": "access_denied"}, p.now, final=True)
    assert p.screen == vm.DENIED and p.c.take_commands() == []


def test_login_ending_without_a_terminal_event_is_an_error() -> None:
    p = Pilot()
    p.flow("code", **CODE)
    p.c.on_flow_event(p.last("login").gen, "", {}, p.now, final=True)
    assert p.screen == vm.ERROR


def test_a_code_event_without_a_uri_is_a_protocol_error() -> None:
    p = Pilot()
    p.flow("code", user_code="ABC", verification_uri=None, expires_in=60)
    assert p.screen == vm.ERROR and p.names[-1] == "cancel"


def test_info_reads_the_code_aloud() -> None:
    p = Pilot()
    p.press("info")
    assert "speak" not in p.names  # nothing to read yet
    p.flow("code", **CODE)
    p.press("info")
    assert p.last("speak").args == ("BDWP-HQPK", "https://example.com/device")


def test_nothing_to_wake_for_on_a_still_screen() -> None:
    p = Pilot()
    p.flow("error", category="network", error="", description=None)
    assert p.c.next_wake(p.now) is None


LANGS = ("de", "en", "it", "ja", "ar")


def test_language_is_chosen_from_home_with_up_down_and_ok() -> None:
    p = Pilot(signed_in=True, languages=LANGS, language="en")
    p.userinfo()
    assert p.screen == vm.HOME and p.view().buttons == ("sign_out", "language")
    p.press("right", "select")
    assert p.screen == vm.LANGUAGE and p.view().buttons == LANGS
    assert p.view().focus == 1  # the current language is where the list starts
    p.press("down", "down", "up", "down")
    assert p.view().focus == 3
    p.press("select")
    assert p.names[-1] == "set_language" and p.last("set_language").args == ("ja",)
    assert p.screen == vm.HOME and p.c.language == "ja"
    assert p.view().buttons[p.view().focus] == "language"  # back where the person was


def test_back_leaves_the_language_unchanged() -> None:
    p = Pilot(signed_in=True, languages=LANGS, language="it")
    p.userinfo()
    p.press("right", "select")
    assert p.view().focus == 2
    p.press("down", "back")
    assert p.screen == vm.HOME and "set_language" not in p.names and p.c.language == "it"


def test_focus_stays_within_the_languages() -> None:
    p = Pilot(signed_in=True, languages=LANGS, language="de")
    p.userinfo()
    p.press("right", "select", "up", "up")
    assert p.view().focus == 0
    p.press(*["down"] * 9)
    assert p.view().focus == len(LANGS) - 1


def test_no_language_button_with_one_language_or_on_a_kiosk() -> None:
    p = Pilot(signed_in=True, languages=("en",), language="en")
    p.userinfo()
    assert p.view().buttons == ("sign_out",)
    k = Pilot(KIOSK, signed_in=True, languages=LANGS, language="en")
    k.userinfo()
    assert k.view().buttons == ("sign_out",)


def test_left_and_right_follow_the_buttons_in_a_right_to_left_language() -> None:
    p = Pilot(signed_in=True, languages=LANGS, language="ar")
    p.userinfo()
    assert p.view().buttons == ("sign_out", "language") and p.view().focus == 0
    p.press("left")  # "Sign out" is drawn on the right: the next button is to its left
    assert p.view().focus == 1
    p.press("right")
    assert p.view().focus == 0
