"""Screen logic: which screen, what SELECT/BACK do, kiosk timers. Pure and clock-free.

Theory of operation. The app feeds the controller four kinds of input, each with the
monotonic ``now`` it read: flow events from the login worker (``on_flow_event``), results of
account calls (``on_userinfo``, ``on_userinfo_failed``, ``on_signed_out``), remote actions
(``on_action``) and the passage of time (``tick``). A host with several accounts also tells
it the list (``on_accounts``); Home then lists them (see the last section below).

The controller changes its :class:`~device_app.ui.viewmodel.ScreenState` and queues
:class:`Command` objects, which the app carries out (start a login worker, cancel it, call
userinfo or logout, switch accounts, speak). Results of an asynchronous command carry the
generation number it was issued with, so a late reply from a cancelled login can never
change the screen.

RFC 8628 §3.5: after a code expires or sign-in is declined, a client started by a person
waits for that person (OK) before asking for a new code. Kiosk boards have nobody to press
OK, so there the controller asks again by itself, with a capped backoff after errors.
"""

# No ``from __future__ import annotations``: typing.NamedTuple compiles every string
# annotation when the class is made (issue 14: ~2.5 ms of the TV's start over its modules).

from collections.abc import Mapping
from typing import Any, NamedTuple

from device_app.core import events, outcomes
from device_app.ui import i18n, text
from device_app.ui import viewmodel as vm

GREETING_SECONDS = 3.0  # "You're signed in" stays up 2-3 s before home (design-notes §5)
KIOSK_MESSAGE_SECONDS = 8.0  # a kiosk shows "declined"/"expired" this long before a new code
KIOSK_USERINFO_ATTEMPTS = 3  # a kiosk gives up on the account details after this many tries
KIOSK_FIRST_RETRY = 2.0  # kiosk error backoff: 2, 4, 8 ... s capped at kiosk.retry_backoff_max
LOCAL_EXPIRY_GRACE = 2.0  # the flow reports expiry itself; this only catches a stuck worker

TERMINAL = ("authorized", "denied", "expired", "error")
AWAY_SCREENS = (vm.EXPIRED, vm.DENIED, vm.ERROR)  # BACK there returns to Home (accounts on)
_MIRRORED = {"left": "right", "right": "left"}


class Command(NamedTuple):
    """Something the app must do: login, cancel, userinfo, logout, speak, set_language."""

    name: str
    gen: int = 0
    args: tuple[str, ...] = ()


class KioskSettings(NamedTuple):
    """The parts of ``board.kiosk`` the screen logic needs."""

    enabled: bool = False
    sign_out_after: float = 60.0
    renew_expired_code: bool = True
    retry_backoff_max: float = 60.0


class Controller:
    """The screen state machine. Drive it with named actions and a fake clock in tests."""

    def __init__(
        self,
        device_name: str,
        kiosk: KioskSettings | None = None,
        languages: tuple[str, ...] = (),
        language: str = "",
    ) -> None:
        self.device_name = device_name
        self.kiosk = kiosk or KioskSettings()
        # The languages the settings screen offers (none: no Language button on Home).
        self.languages = languages if len(languages) > 1 else ()
        self.language = language
        self.state = vm.ScreenState()
        self.gen = 0
        self._busy = ""  # the asynchronous command in flight: login, userinfo, logout, ""
        self._retry_op = "login"  # what "try again" repeats on the error screen
        self._failures = 0  # consecutive failures, for the kiosk backoff
        self._commands: list[Command] = []
        self._authorized = False

    # -- outputs ---------------------------------------------------------------------------

    def take_commands(self) -> list[Command]:
        """The commands queued since the last call, oldest first."""
        out, self._commands = self._commands, []
        return out

    def view(self, now: float) -> vm.ViewModel:
        """The view-model for this moment."""
        return vm.build(self.state, self.device_name, self.kiosk.enabled, now)

    @property
    def screen(self) -> str:
        """The current screen id."""
        return self.state.screen

    @property
    def busy(self) -> str:
        """The asynchronous command in flight ("" when none)."""
        return self._busy

    def next_wake(self, now: float) -> float | None:
        """The next moment the picture or the state changes by itself (None: only on input)."""
        s = self.state
        times: list[float | None] = [s.auto_at]
        if s.screen in vm.CODE_SCREENS and s.code is not None:
            times.append(vm.next_tick(s.code.expires_at, now))
            times.append(s.code.expires_at + LOCAL_EXPIRY_GRACE)
        if s.status == vm.STATUS_RECONNECTING:
            times.append(vm.next_tick(s.retry_at, now))
        if s.auto_at is not None:
            times.append(vm.next_tick(s.auto_at, now))
        future = [t for t in times if t is not None]
        return min(future) if future else None

    # -- commands --------------------------------------------------------------------------

    def _issue(self, name: str, *args: str, busy: str = "") -> None:
        self.gen += 1
        self._busy = busy or name
        self._commands.append(Command(name, self.gen, args))

    def _new_code(self, why: str = vm.WHY_NEW_CODE, new_account: bool = False) -> None:
        self._show(vm.STARTING, why=why)
        self.state.code = None
        self.state.status = vm.STATUS_WAITING
        self.state.retry_at = None
        self._authorized = False
        if new_account:
            self._issue("login", "new")  # the host opens a fresh store for one more account
        else:
            self._issue("login")

    def _cancel_login(self) -> None:
        if self._busy == "login":
            self._commands.append(Command("cancel", self.gen))
            self.gen += 1  # anything the old worker still posts is now stale
            self._busy = ""

    def _show(
        self, screen: str, buttons: tuple[str, ...] = (), why: str | None = None, focus: int = 0
    ) -> None:
        s = self.state
        s.screen = screen
        s.buttons = buttons
        s.focus = focus
        s.row = -1
        s.disabled = ()
        s.auto_at = None
        s.auto_what = ""
        if why is not None:
            s.why = why

    def _set_auto(self, at: float, what: str) -> None:
        self.state.auto_at = at
        self.state.auto_what = what

    # -- inputs ----------------------------------------------------------------------------

    def start(self, now: float, signed_in: bool) -> None:
        """Begin: load the account when tokens exist, else ask for a code."""
        if not signed_in and self._others_signed_in():
            self._go_home(now)  # the current account must sign in again; the others need not
            return
        if signed_in:
            self._show(vm.STARTING, why=vm.WHY_ACCOUNT)
            self._issue("userinfo")
        else:
            self._new_code(vm.WHY_CODE)

    def on_flow_event(
        self, gen: int, kind: str, public: Mapping[str, Any], now: float, final: bool = False
    ) -> None:
        """A flow event from the login worker started with generation ``gen``."""
        if gen != self.gen or self._busy != "login":
            return  # stale: from a login that was cancelled or already finished
        s = self.state
        if kind == events.CODE:
            info = vm.code_from_public(public, now)
            if info is None:
                self._cancel_login()
                self._fail(vm.ErrorInfo(outcomes.PROTOCOL, "invalid_response", ""), "login", now)
                return
            s.code = info
            s.status = vm.STATUS_WAITING
            s.retry_at = None
            self._failures = 0
            self._show(vm.ACTIVATION)
        elif kind == events.PENDING:
            s.status = vm.STATUS_WAITING
            s.retry_at = None
            if s.screen == vm.RECONNECTING:
                s.screen = vm.ACTIVATION
        elif kind == events.RETRYING:
            s.status = vm.STATUS_RECONNECTING
            try:
                delay = max(0.0, float(public.get("delay") or 0.0))
                s.retry_attempt = int(public.get("attempt") or 0)
            except (TypeError, ValueError):
                delay = 0.0
            s.retry_at = now + delay
            if s.screen == vm.ACTIVATION:
                s.screen = vm.RECONNECTING
        elif kind == outcomes.AUTHORIZED:
            self._busy = ""
            self._authorized = True
            self._failures = 0
            s.code = None
            s.user = None
            self._show(vm.SIGNED_IN)
            self._issue("userinfo")
        elif kind == outcomes.DENIED:
            self._busy = ""
            s.denied = text.clean(public.get("description"), text.MAX_LINE)
            self._show(vm.DENIED, ("try_again",))
            if self.kiosk.enabled:
                self._set_auto(now + KIOSK_MESSAGE_SECONDS, "new_code")
        elif kind == outcomes.EXPIRED:
            self._busy = ""
            self._expired(now, cancelled=False)
        elif kind == outcomes.FAILED:
            self._busy = ""
            self._fail(vm.error_from_public(public), "login", now)
        elif kind == outcomes.CANCELLED:  # not by Back (that login is stale): by the session
            self._busy = ""
            self._expired(now, cancelled=True)
        elif final:
            # login() returned without a terminal event: treat as a protocol failure.
            self._busy = ""
            self._fail(vm.ErrorInfo(outcomes.PROTOCOL, "", ""), "login", now)
        # slow_down changes only the poll interval: nothing to show (design-notes §5).

    def _expired(self, now: float, cancelled: bool) -> None:
        self.state.code = None
        self.state.cancelled = cancelled
        if self.kiosk.enabled and self.kiosk.renew_expired_code and not cancelled:
            self._new_code()
            return
        self._show(vm.EXPIRED, ("new_code",))
        if self.kiosk.enabled and not cancelled:
            self._set_auto(now + KIOSK_MESSAGE_SECONDS, "new_code")

    def _fail(self, error: vm.ErrorInfo, op: str, now: float) -> None:
        self.state.error = error
        self.state.code = None
        self._retry_op = op
        self._failures += 1
        self._show(vm.ERROR, ("try_again",))
        if self.kiosk.enabled:
            delay = min(self.kiosk.retry_backoff_max, KIOSK_FIRST_RETRY * 2 ** (self._failures - 1))
            self._set_auto(now + delay, "retry")

    def on_login_failed(self, gen: int, category: str, error: str, now: float) -> None:
        """The login worker raised instead of returning an event."""
        if gen != self.gen or self._busy != "login":
            return
        self._busy = ""
        self._fail(vm.ErrorInfo(outcomes.category(category), error), "login", now)

    def on_userinfo(self, gen: int, info: Mapping[str, Any], now: float) -> None:
        """The account details arrived."""
        if gen != self.gen or self._busy != "userinfo":
            return
        self._busy = ""
        self._failures = 0
        self.state.user = vm.user_from_userinfo(info)
        if self.state.screen == vm.SIGNED_IN or self._authorized:
            self._show(vm.SIGNED_IN)
            self._after_sign_in(now)
        else:
            self._go_home(now)

    def _after_sign_in(self, now: float) -> None:
        if self.kiosk.enabled:
            self._set_auto(now + self.kiosk.sign_out_after, "sign_out")
        else:
            self._set_auto(now + GREETING_SECONDS, "home")

    def _go_home(self, now: float, focus: int = 0) -> None:
        if self.accounts_on:
            self._accounts_home(on_button="language" if focus else "")
            return
        buttons: tuple[str, ...] = ("sign_out",)
        if self.languages and not self.kiosk.enabled:
            buttons = ("sign_out", "language")
        self._show(vm.HOME, buttons, focus=min(focus, len(buttons) - 1))
        if self.kiosk.enabled:
            self._set_auto(now + self.kiosk.sign_out_after, "sign_out")

    def on_userinfo_failed(
        self, gen: int, reauth: bool, category: str, error: str, now: float
    ) -> None:
        """userinfo raised: ReauthRequired (``reauth``) or another DeviceAppError."""
        if gen != self.gen or self._busy != "userinfo":
            return
        self._busy = ""
        if reauth:
            self.state.user = None
            if self._others_signed_in():
                self._accounts_home(on_button="sign_in")  # marked on Home; the others stay
                return
            self._new_code(vm.WHY_CODE)
            return
        if self.kiosk.enabled and self._failures + 1 >= KIOSK_USERINFO_ATTEMPTS:
            # Nobody will press a key: rather than retry for ever, sign this visitor out so
            # that the next one gets a fresh code.
            self._failures = 0
            self._sign_out()
            return
        self._fail(
            vm.ErrorInfo(category if category in vm.CATEGORIES else outcomes.NETWORK, error),
            "userinfo",
            now,
        )

    def on_signed_out(self, gen: int, now: float) -> None:
        """logout finished (whatever it returned, local tokens are gone): get a new code."""
        if gen != self.gen or self._busy != "logout":
            return
        self._busy = ""
        self.state.user = None
        if self.accounts_on and self.state.current:
            self._switch(self.state.current)  # the host made the account used last current
            return
        self._new_code()

    def _sign_out(self) -> None:
        self._show(vm.STARTING, why=vm.WHY_SIGNING_OUT)
        self._issue("logout")

    def _retry(self) -> None:
        if self._retry_op == "userinfo":
            self._show(vm.STARTING, why=vm.WHY_ACCOUNT)
            self._issue("userinfo")
        else:
            self._new_code()

    def tick(self, now: float) -> None:
        """Let time pass: greeting and kiosk timers, a code that outlived its flow."""
        s = self.state
        if s.auto_at is not None and now >= s.auto_at:
            what = s.auto_what
            s.auto_at, s.auto_what = None, ""
            if what == "home":
                self._go_home(now)
            elif what == "sign_out":
                self._sign_out()
            elif what == "new_code":
                self._new_code()
            elif what == "retry":
                self._retry()
        if (
            s.screen in vm.CODE_SCREENS
            and s.code is not None
            and now >= s.code.expires_at + LOCAL_EXPIRY_GRACE
        ):
            self._cancel_login()
            self._expired(now, cancelled=False)

    def on_action(self, action: str, now: float) -> None:
        """A remote/keyboard action (see device_app.hardware.input.actions)."""
        s = self.state
        if i18n.is_rtl(self.language) and action in _MIRRORED:
            action = _MIRRORED[action]  # buttons run right to left: "right" goes to the next
        if s.screen == vm.HOME and self.accounts_on and self._home_action(action):
            return
        if action == "info":
            if s.screen in vm.CODE_SCREENS and s.code is not None:
                self._commands.append(
                    Command("speak", self.gen, (s.code.user_code, s.code.verification_uri))
                )
            return
        if action in ("left", "up") and s.buttons:
            s.focus = max(0, s.focus - 1)
            return
        if action in ("right", "down") and s.buttons:
            s.focus = min(len(s.buttons) - 1, s.focus + 1)
            return
        if action == "select":
            self._select(now)
        elif action == "back":
            self._back(now)
        elif action in ("menu", "red") and s.screen == vm.HOME:
            self._show(vm.CONFIRM_SIGN_OUT, ("cancel", "sign_out"))
        elif action == "home" and s.screen == vm.SIGNED_IN:
            self._go_home(now)

    def _select(self, now: float) -> None:
        s = self.state
        button = s.buttons[s.focus] if s.buttons else ""
        if s.screen in (vm.EXPIRED, vm.DENIED):
            self._new_code()
        elif s.screen == vm.ERROR:
            self._retry()
        elif s.screen == vm.SIGNED_IN and not self.kiosk.enabled:
            self._go_home(now)
        elif s.screen == vm.HOME and button == "sign_out":
            self._show(vm.CONFIRM_SIGN_OUT, ("cancel", "sign_out"))
        elif s.screen == vm.HOME and button == "language":
            self._choose_language()
        elif s.screen == vm.LANGUAGE:
            self.language = button
            self._commands.append(Command("set_language", self.gen, (button,)))
            self._go_home(now, focus=1)
        elif s.screen == vm.CONFIRM_SIGN_OUT:
            if button == "sign_out":
                self._sign_out()
            else:
                self._go_home(now)
        elif s.screen == vm.CONFIRM_REMOVE:
            if button == "remove":
                self._sign_out()  # the host revokes and forgets the current account
            else:
                self._go_home(now)

    def _choose_language(self) -> None:
        """The language screen, its focus on the language shown now."""
        current = self.languages.index(self.language) if self.language in self.languages else 0
        self._show(vm.LANGUAGE, self.languages, focus=current)

    def _back(self, now: float) -> None:
        s = self.state
        if s.screen in (vm.CONFIRM_SIGN_OUT, vm.CONFIRM_REMOVE):
            self._go_home(now)
        elif s.screen == vm.LANGUAGE:
            self._go_home(now, focus=1)
        elif self._can_return() and s.screen in vm.CODE_SCREENS + AWAY_SCREENS:
            # An added (or renewed) account's sign-in given up: back to the current account.
            self._cancel_login()
            self._switch(s.current)
        elif s.screen == vm.SIGNED_IN and not self.kiosk.enabled:
            self._go_home(now)
        elif s.screen in vm.CODE_SCREENS and not self.kiosk.enabled:
            self._cancel_login()
            self._expired(now, cancelled=True)

    # -- several accounts (a host that has them sends ``on_accounts``; kiosks never do) --------

    @property
    def accounts_on(self) -> bool:
        """True once the host listed accounts: Home lists them, with Add account and Remove."""
        return self.state.account_limit > 0 and not self.kiosk.enabled

    def on_accounts(
        self, rows: tuple[vm.AccountRow, ...], current: str, limit: int, now: float
    ) -> None:
        """The host's accounts changed (or are told for the first time): refresh Home."""
        if self.kiosk.enabled:
            return  # one visitor at a time: a kiosk keeps no list
        s = self.state
        s.accounts, s.current, s.account_limit = tuple(rows), current, max(1, limit)
        if s.screen == vm.HOME:
            self._accounts_home()

    def _others_signed_in(self) -> bool:
        s = self.state
        return self.accounts_on and any(
            not r.needs_sign_in and r.id != s.current for r in s.accounts
        )

    def _can_return(self) -> bool:
        """Some account is signed in, so BACK from a sign-in has a Home to return to."""
        s = self.state
        return self.accounts_on and bool(s.current) and any(not r.needs_sign_in for r in s.accounts)

    def _current_row(self) -> vm.AccountRow | None:
        return next((r for r in self.state.accounts if r.id == self.state.current), None)

    def _accounts_home(self, on_button: str = "") -> None:
        s = self.state
        current = self._current_row()
        buttons: tuple[str, ...] = ("add_account", "remove")
        if current is not None and current.needs_sign_in:
            buttons = ("sign_in", *buttons)
        if self.languages:
            buttons = (*buttons, "language")
        self._show(vm.HOME, buttons)
        s.disabled = ("add_account",) if len(s.accounts) >= s.account_limit else ()
        ids = [r.id for r in s.accounts]
        s.row = -1 if on_button or s.current not in ids else ids.index(s.current)
        s.focus = buttons.index(on_button) if on_button in buttons else self._step(-1, 1)

    def _step(self, start: int, delta: int) -> int:
        """The next enabled button from ``start`` in direction ``delta`` (stays at the end)."""
        s = self.state
        i = start + delta
        while 0 <= i < len(s.buttons):
            if s.buttons[i] not in s.disabled:
                return i
            i += delta
        return max(0, start)

    def _home_action(self, action: str) -> bool:
        """Home's keys with accounts: up/down through the list then the buttons. True if used."""
        s = self.state
        n = len(s.accounts)
        if action == "up":
            s.row = n - 1 if s.row < 0 else max(0, s.row - 1)
        elif action == "down" and s.row >= 0:
            s.row = s.row + 1 if s.row + 1 < n else -1
        elif action in ("left", "right") and s.row < 0:
            s.focus = self._step(s.focus, -1 if action == "left" else 1)
        elif action == "select" and s.row >= 0:
            self._pick(s.accounts[s.row])
        elif action == "select" and s.buttons and s.buttons[s.focus] not in s.disabled:
            button = s.buttons[s.focus]
            if button == "add_account":
                self._new_code(vm.WHY_CODE, new_account=True)
            elif button == "sign_in":
                self._new_code(vm.WHY_CODE)
            elif button == "remove":
                self._show(vm.CONFIRM_REMOVE, ("cancel", "remove"))
            elif button == "language":
                self._choose_language()
        elif action in ("menu", "red"):
            self._show(vm.CONFIRM_REMOVE, ("cancel", "remove"))
        else:
            return action in ("down", "left", "right", "select")
        return True

    def _pick(self, row: vm.AccountRow) -> None:
        if row.id == self.state.current:
            if row.needs_sign_in:
                self._new_code(vm.WHY_CODE)
            return
        self._switch(row.id)

    def _switch(self, account: str) -> None:
        """Make ``account`` current; the host answers as to ``userinfo`` (Home, or marked)."""
        self._authorized = False
        self._show(vm.STARTING, why=vm.WHY_ACCOUNT)
        self._issue("switch", account, busy="userinfo")
