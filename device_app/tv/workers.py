"""The TV app's worker threads: they run the session's blocking calls off the screen thread.

Each carries out one controller command and posts its result as a typed message
(device_app.ui.messages) with the command's generation number; the loop applies it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any, Protocol

from device_app.core import errors, outcomes
from device_app.engine.accounts import MAX_ACCOUNTS
from device_app.engine.errors import ReauthRequired, outcome_of
from device_app.tv.eventlog import EventLog
from device_app.ui import messages as msg
from device_app.ui.viewmodel import AccountRow

log = logging.getLogger("device_app.tv.app")


class SessionLike(Protocol):
    """The session the CLI builds (``device_app.engine.session.Session``)."""

    device_name: str

    def signed_in(self) -> bool: ...

    def login(self, on_event: Callable[[Any], None], cancel: threading.Event) -> Any: ...

    def userinfo(self) -> dict[str, Any]: ...

    def logout(self) -> bool: ...


def error_category(exc: BaseException) -> tuple[str, str]:
    """(category, error name) for an exception from the session, for the error screen."""
    failure = outcome_of(exc)
    if failure is None or failure.kind != outcomes.FAILED:
        return outcomes.PROTOCOL, ""
    return failure.data["category"], str(failure.data["error"] or "")


def accounts_message(session: Any) -> msg.AccountsChanged | None:
    """Home's list from a session with several accounts (a Household); None for others."""
    listing = getattr(session, "listing", None)
    if not callable(listing):
        return None
    rows, current = listing()
    return msg.AccountsChanged(tuple(AccountRow(*r) for r in rows), current, MAX_ACCOUNTS)


def _log_failure(what: str, exc: BaseException) -> None:
    """Our own errors in one line; anything else with its traceback, in the log only."""
    if isinstance(exc, errors.DeviceAppError):
        log.warning("%s failed: %s", what, exc)
    else:
        log.error("%s failed unexpectedly", what, exc_info=exc)


class Workers:
    """Starts one thread per command; results go to ``post`` (thread-safe)."""

    def __init__(
        self, session: SessionLike, post: Callable[[Any], None], events: EventLog | None
    ) -> None:
        self.session = session
        self.post = post
        self.events = events
        self._cancels: dict[int, threading.Event] = {}

    def _spawn(self, name: str, target: Callable[[], None]) -> None:
        threading.Thread(target=target, name="ui-" + name, daemon=True).start()

    def login(self, gen: int, *args: str) -> None:
        cancel = threading.Event()
        self._cancels[gen] = cancel
        self._spawn("login", lambda: self._login(gen, cancel, "new" in args))

    def cancel(self, gen: int, *args: str) -> None:
        c = self._cancels.pop(gen, None)
        if c is not None:
            c.set()

    def cancel_all(self) -> None:
        for cancel in list(self._cancels.values()):
            cancel.set()

    def userinfo(self, gen: int, *args: str) -> None:
        self._spawn("userinfo", lambda: self._userinfo(gen))

    def switch(self, gen: int, *args: str) -> None:
        """Make the account ``args[0]`` current, then fetch its details (as ``userinfo``)."""
        self._spawn("switch", lambda: self._userinfo(gen, args[0] if args else None))

    def logout(self, gen: int, *args: str) -> None:
        self._spawn("logout", lambda: self._logout(gen))

    def _post_accounts(self) -> None:
        try:
            message = accounts_message(self.session)
        except Exception as e:  # the list is only a view: a failure must not hide the result
            _log_failure("listing the accounts", e)
            return
        if message is not None:
            self.post(message)

    def _login(self, gen: int, cancel: threading.Event, new_account: bool = False) -> None:
        seen: list[object] = []

        def on_event(event: Any) -> None:
            seen.append(event)
            public = dict(event.public())
            if self.events is not None:
                self.events.flow_event(event.kind, public)
            self.post(msg.FlowUpdate(gen, event.kind, public))

        try:
            if new_account:
                self.session.begin_new()  # type: ignore[attr-defined]  # a Household
            final = self.session.login(on_event, cancel)
            if final is not None and not any(e is final for e in seen):
                public = dict(final.public())
                if self.events is not None and not cancel.is_set():
                    self.events.flow_event(final.kind, public)
                self.post(msg.FlowUpdate(gen, final.kind, public, final=True))
            else:
                self.post(msg.FlowUpdate(gen, "", {}, final=True))
        except Exception as e:  # shown as an error screen; details go to the log only
            _log_failure("login", e)
            category, name = error_category(e)
            self.post(msg.LoginFailed(gen, category, name))
        finally:
            self._cancels.pop(gen, None)

    def _userinfo(self, gen: int, account: str | None = None) -> None:
        try:
            if account is not None:
                self.session.switch(account)  # type: ignore[attr-defined]  # a Household
            info = self.session.userinfo()
            self._post_accounts()
            self.post(msg.UserInfoArrived(gen, dict(info) if isinstance(info, dict) else {}))
        except ReauthRequired:
            self._post_accounts()  # the account is now marked as needing a new sign-in
            self.post(msg.UserInfoFailed(gen, True))
        except Exception as e:
            _log_failure("userinfo", e)
            category, name = error_category(e)
            self._post_accounts()
            self.post(msg.UserInfoFailed(gen, False, category, name))

    def _logout(self, gen: int) -> None:
        try:
            self.session.logout()
        except Exception as e:  # tokens may be gone locally even if revocation failed
            log.warning("sign-out: %s", e)
        self._post_accounts()
        self.post(msg.SignedOut(gen))
