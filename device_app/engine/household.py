"""Several accounts behind one session-like object: the one the TV and the CLI drive.

A :class:`Household` holds an :class:`~device_app.engine.accounts.AccountBook` and one
:class:`~device_app.engine.session.Session` per account (each with its own token store).
``login``, ``userinfo`` and ``logout`` act on the *active* account, so the TV's workers and
the CLI's commands call it exactly as they call a single session; ``begin_new`` and
``switch`` change which account is active. A userinfo reply names the account in the index;
a sign-out forgets it there and makes the account used last before it active.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from device_app.core.events import Event
from device_app.engine.accounts import NEEDS_SIGN_IN, AccountBook
from device_app.engine.session import Session
from device_app.engine.token_store import TokenStore


class Household:
    """The accounts of one device profile; ``make(store)`` builds the session of a store."""

    def __init__(
        self, book: AccountBook, make: Callable[[TokenStore], Session], device_name: str = ""
    ) -> None:
        self.book = book
        self._make = make
        self.device_name = device_name
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()  # workers run in threads; the active id changes here
        current = book.current()
        self.active = current.store if current is not None else book.base

    def session(self, store_id: str | None = None) -> Session:
        """The session of ``store_id`` (default: the active account)."""
        store_id = store_id or self.active
        with self._lock:
            if store_id not in self._sessions:
                self._sessions[store_id] = self._make(self.book.store(store_id))
            return self._sessions[store_id]

    # -- choosing the account ------------------------------------------------------------------

    def begin_new(self) -> None:
        """Make a fresh store active for one more account (refused at the limit)."""
        self.active = self.book.new_store_id()

    def switch(self, store_id: str) -> None:
        """Make ``store_id`` the active account and remember it as the one used last."""
        self.active = store_id
        if any(a.store == store_id for a in self.book.accounts()):
            self.book.touch(store_id)

    def listing(self) -> tuple[list[tuple[str, str, bool]], str]:
        """``([(store, name, needs_sign_in), ...], current store)`` for Home."""
        accounts = self.book.accounts()
        rows = [(a.store, a.name, self.book.state(a.store) == NEEDS_SIGN_IN) for a in accounts]
        current = self.book.current()
        return rows, current.store if current is not None else ""

    # -- what a single session does, on the active account ------------------------------------

    def signed_in(self) -> bool:
        """True when the active account holds tokens."""
        return self.session().signed_in()

    def login(self, on_event: Callable[[Event], None], cancel: threading.Event) -> Event:
        """Sign the active account in (a new account gets its name at ``userinfo``)."""
        return self.session().login(on_event, cancel)

    def userinfo(self) -> dict[str, Any]:
        """The active account's details; they name it in the index and make it current."""
        store = self.active
        info = self.session(store).userinfo()
        account = self.book.record(store, info)
        for other in self.book.accounts():
            if account.sub and other.sub == account.sub and other.store != store:
                # The same person added again: one entry each, so the older sign-in goes
                # (revoked at the server like a Remove) rather than listing them twice.
                self.session(other.store).logout()
                self.book.forget(other.store)
        return info

    def logout(self) -> bool:
        """Revoke the active account's tokens at the server, forget it, activate the next."""
        store = self.active
        revoked = self.session(store).logout()
        self.book.forget(store)
        nxt = self.book.current()
        self.active = nxt.store if nxt is not None else self.book.base
        return revoked
