"""The accounts signed in on one device profile: one token store each, and their index.

Account #1 keeps the store the device profile always had (``<profile>.json``), so a device
signed in before accounts existed simply has one account, with nothing to migrate. Further
accounts get stores ``<profile>.acct2`` ... ``<profile>.acct8``. Which stores are accounts,
their names (from the API's userinfo) and when each was last used are in the
:class:`~device_app.engine.account_index.AccountIndex`; the current account is the one used
last, so it is still current after a reboot. A store holding tokens that the index misses
(a power cut between the two writes) is still listed: the stores are the truth.
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from device_app.core.errors import ConfigurationError
from device_app.engine.account_index import Account, AccountIndex
from device_app.engine.token_store import TokenStore

log = logging.getLogger(__name__)

# How many accounts one device holds. Why 8: a TV's Home lists them on one screen at 320x240
# too, and streaming apps settle on 5 to 8 profiles per household.
MAX_ACCOUNTS = 8
STORE_SUFFIX = ".acct"  # <profile>.acct2 ... : never a store name a provider/client pair makes

SIGNED_IN = "signed_in"
NEEDS_SIGN_IN = "needs_sign_in"


class AccountError(ConfigurationError):
    """An account that cannot be picked or added; the message says what to do."""

    def __init__(self, message: str) -> None:
        Exception.__init__(self, message)
        self.message = message


def limit_sentence() -> str:
    """The one sentence a user sees at the limit (CLI and, translated, the TV)."""
    return (
        "this device holds at most %d accounts; remove one (device-app logout --account NAME) "
        "before adding another" % MAX_ACCOUNTS
    )


class AccountBook:
    """The accounts of the device profile ``base`` in the token-store folder ``directory``."""

    def __init__(
        self,
        directory: str | os.PathLike[str],
        base: str,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.directory = Path(os.path.expanduser(os.fspath(directory))).absolute()
        self.base = base
        self.wall = wall
        self.index = AccountIndex(self.directory, base)
        # A long profile name is cut so that "<prefix>.acctN" still fits the 64-character limit.
        self._prefix = base[: 64 - len(STORE_SUFFIX) - 2]
        self._store_re = re.compile(
            "(?:%s|%s(%s\\d+))"
            % (re.escape(base), re.escape(self._prefix), re.escape(STORE_SUFFIX))
        )
        self._stores: dict[str, TokenStore] = {}

    def store(self, store_id: str) -> TokenStore:
        """The token store of one account (the same object every time)."""
        if store_id not in self._stores:
            self._stores[store_id] = TokenStore(self.directory, store_id)
        return self._stores[store_id]

    def _doc(self, store_id: str) -> dict[str, Any]:
        return self.store(store_id).load() or {}

    def accounts(self) -> list[Account]:
        """Every account, in the order they were added."""
        listed = self.index.load() or []
        known = {a.store for a in listed}
        found = []
        for store_id in self._store_ids():
            if store_id in known:
                continue
            doc = self._doc(store_id)
            if doc.get("tokens") or doc.get("reauth_reason"):
                found.append(Account(store_id, _name_of(doc.get("user")), _sub_of(doc.get("user"))))
        return listed + found

    def _store_ids(self) -> list[str]:
        """The account stores in the folder: the profile's own first, then .acct2, .acct3 ..."""
        ids = []
        for name in self.index.store_files():
            match = self._store_re.fullmatch(name[: -len(".json")])
            if match is not None:
                number = int(match.group(1)[len(STORE_SUFFIX) :]) if match.group(1) else 1
                ids.append((number, match.group(0)))
        return [store_id for _, store_id in sorted(ids)]

    def current(self) -> Account | None:
        """The account used last (the first one when none was ever marked used)."""
        accounts = self.accounts()
        if not accounts:
            return None
        return max(reversed(accounts), key=lambda a: a.last_used)

    def state(self, store_id: str) -> str:
        """``signed_in`` while the store holds tokens, else ``needs_sign_in``."""
        return SIGNED_IN if self._doc(store_id).get("tokens") else NEEDS_SIGN_IN

    def resolve(self, wanted: str) -> Account:
        """The account called ``wanted`` (its name, any case; or its number in the list)."""
        accounts = self.accounts()
        named = [a for a in accounts if a.name.casefold() == wanted.casefold()]
        if len(named) == 1:
            return named[0]
        if len(named) > 1:
            raise AccountError(
                "%d accounts are called %r; pick one by its number in 'device-app accounts'"
                % (len(named), wanted)
            )
        if wanted.isdigit() and 1 <= int(wanted) <= len(accounts):
            return accounts[int(wanted) - 1]
        names = ", ".join(a.name or "#%d" % (i + 1) for i, a in enumerate(accounts))
        raise AccountError(
            "no account called %r on this device (%s); 'device-app accounts' lists them"
            % (wanted, names or "none is signed in")
        )

    def new_store_id(self) -> str:
        """A store for one more account; refuses at :data:`MAX_ACCOUNTS`."""
        accounts = self.accounts()
        if len(accounts) >= MAX_ACCOUNTS:
            raise AccountError(limit_sentence())
        used = {a.store for a in accounts}
        if self.base not in used and not self._doc(self.base).get("tokens"):
            return self.base
        n = 2
        while self._prefix + STORE_SUFFIX + str(n) in used:
            n += 1
        return self._prefix + STORE_SUFFIX + str(n)

    def record(self, store_id: str, user: Any) -> Account:
        """Add or update an account after its userinfo arrived; it becomes the current one."""
        accounts = self.accounts()
        account = Account(store_id, _name_of(user), _sub_of(user), self.wall())
        for i, old in enumerate(accounts):
            if old.store == store_id:
                accounts[i] = Account(
                    store_id, account.name or old.name, account.sub or old.sub, account.last_used
                )
                break
        else:
            accounts.append(account)
        self._save(accounts)
        return account

    def _save(self, accounts: list[Account]) -> None:
        # One account in the profile's own store needs no index: a device used by one person
        # (and every script written before accounts existed) sees no new file.
        if [a.store for a in accounts] in ([], [self.base]) and not self.index.exists():
            return
        self.index.save(accounts)

    def touch(self, store_id: str) -> None:
        """Mark an account as used now (it becomes the current one)."""
        accounts = self.accounts()
        now = self.wall()
        self._save(
            [Account(a.store, a.name, a.sub, now) if a.store == store_id else a for a in accounts]
        )

    def forget(self, store_id: str) -> None:
        """Drop an account from the index (its store is cleared by the session's logout)."""
        self._save([a for a in self.accounts() if a.store != store_id])

    def describe(self) -> list[dict[str, Any]]:
        """What ``device-app accounts --json`` prints: never a token."""
        current = self.current()
        return [
            {
                "number": i + 1,
                "name": a.name,
                "store": a.store,
                "current": current is not None and a.store == current.store,
                "state": self.state(a.store),
                "last_used": a.last_used or None,
            }
            for i, a in enumerate(self.accounts())
        ]


def _name_of(user: Any) -> str:
    from device_app.core.sanitize import clean_text
    from device_app.engine.session import display_name

    return clean_text(display_name(user) or "", 80) or ""


def _sub_of(user: Any) -> str:
    sub = user.get("sub") if isinstance(user, dict) else None
    return str(sub)[:200] if isinstance(sub, str | int) and not isinstance(sub, bool) else ""
