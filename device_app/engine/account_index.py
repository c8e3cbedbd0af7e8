"""The small index of the accounts signed in on one device profile, kept beside their stores.

Each account's tokens live in a :class:`~device_app.engine.token_store.TokenStore` of its
own (its *store id* is that store's profile name). The index only says which stores are
accounts, what to call them and when each was last used::

    <profile>.accounts.json     {"format", "version", "accounts": [{"store", "name", "sub",
                                 "last_used"}, ...]}
    .<profile>.accounts.lock    flock(2) target while the index is rewritten

It holds no secret, but it is written with the same care as the stores (owner-only files in
an owner-only folder, a temp file fsynced and renamed over the old one, under a lock), so a
power cut leaves either the old index or the new one. An index that is missing or damaged is
rebuilt from the stores themselves (:meth:`AccountIndex.load` returns None and the caller
scans), so it can never lose an account's tokens.
"""

# No ``from __future__ import annotations``: typing.NamedTuple compiles every string
# annotation when the class is made (issue 14: ~2.5 ms of the TV's start over its modules).

import json
import logging
import os
from pathlib import Path
from typing import Any, NamedTuple

from device_app.engine import private_files as fsutil
from device_app.engine.token_store import TokenStoreError

log = logging.getLogger(__name__)

FORMAT_NAME = "device-app-accounts"
FORMAT_VERSION = 1
# Why 64 KiB: eight accounts take well under 2 KiB; the cap bounds what a planted file costs.
MAX_INDEX_BYTES = 64 * 1024
LOCK_TIMEOUT = 5.0  # the token store's own lock timeout (token_store.DEFAULT_LOCK_TIMEOUT)


class Account(NamedTuple):
    """One account: its token store id, its display name, its ``sub`` and last use (wall s)."""

    store: str
    name: str = ""
    sub: str = ""
    last_used: float = 0.0


def _entry(raw: Any) -> Account | None:
    if not isinstance(raw, dict) or not isinstance(raw.get("store"), str):
        return None
    used = raw.get("last_used")
    return Account(
        store=raw["store"],
        name=raw["name"] if isinstance(raw.get("name"), str) else "",
        sub=raw["sub"] if isinstance(raw.get("sub"), str) else "",
        last_used=float(used) if isinstance(used, int | float) else 0.0,
    )


class AccountIndex:
    """Reads and atomically rewrites ``<profile>.accounts.json`` in the token-store folder."""

    def __init__(self, directory: str | os.PathLike[str], profile: str) -> None:
        self.directory = Path(os.path.expanduser(os.fspath(directory))).absolute()
        self.name = f"{profile}.accounts.json"
        self._lock = f".{profile}.accounts.lock"
        self._temp_prefix = f".{profile}.accounts.json.tmp."

    def _fail(self, action: str, exc: OSError | fsutil.LockTimeout) -> TokenStoreError:
        reason = getattr(exc, "strerror", None) or "locked by another process"
        return TokenStoreError(
            f"Cannot {action} the account index {self.directory / self.name}: {reason}; "
            "check that folder and its file system."
        )

    def _read(self) -> bytes | None:
        try:
            dfd = fsutil.open_private_dir(self.directory, create=False)
            if dfd is None:
                return None
            try:
                return fsutil.read_private_file(dfd, self.directory, self.name, MAX_INDEX_BYTES)
            finally:
                os.close(dfd)
        except OSError as exc:
            raise self._fail("read", exc) from exc

    def exists(self) -> bool:
        """True when an index file is there (even a damaged one)."""
        return self._read() is not None

    def load(self) -> list[Account] | None:
        """The accounts in the index, or None when there is no usable index (scan instead)."""
        data = self._read()
        if data is None:
            return None
        try:
            doc = json.loads(data)
        except (ValueError, RecursionError):
            doc = None
        if (
            not isinstance(doc, dict)
            or doc.get("format") != FORMAT_NAME
            or not isinstance(doc.get("accounts"), list)
        ):
            log.warning("account index %s is damaged; rebuilding it from the stores", self.name)
            return None
        accounts = [a for a in map(_entry, doc["accounts"]) if a is not None]
        return list({a.store: a for a in accounts}.values())

    def save(self, accounts: list[Account]) -> None:
        """Replace the index with ``accounts`` (durable when this returns)."""
        doc = {
            "format": FORMAT_NAME,
            "version": FORMAT_VERSION,
            "accounts": [
                {"store": a.store, "name": a.name, "sub": a.sub, "last_used": a.last_used}
                for a in accounts
            ],
        }
        data = json.dumps(doc, sort_keys=True, indent=1).encode("utf-8") + b"\n"
        try:
            dfd = fsutil.open_private_dir(self.directory, create=True)
            assert dfd is not None  # create=True opens or raises
            try:
                with fsutil.exclusive_lock(dfd, self.directory, self._lock, LOCK_TIMEOUT):
                    temp = fsutil.write_temp_file(dfd, self.directory, self._temp_prefix, data)
                    try:
                        fsutil.replace(dfd, temp, self.name)
                    except BaseException:
                        fsutil.remove_quietly(dfd, temp)
                        raise
                    fsutil.fsync_dir(dfd)
            finally:
                os.close(dfd)
        except (OSError, fsutil.LockTimeout) as exc:
            raise self._fail("write", exc) from exc

    def store_files(self) -> list[str]:
        """Names of the ``*.json`` files in the folder (for rebuilding the index)."""
        try:
            dfd = fsutil.open_private_dir(self.directory, create=False)
            if dfd is None:
                return []
            try:
                return [n for n in fsutil.list_names(dfd) if n.endswith(".json")]
            finally:
                os.close(dfd)
        except OSError as exc:
            raise self._fail("list", exc) from exc
