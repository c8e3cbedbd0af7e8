"""SQLite store: clients, users, device codes, grants and tokens, surviving restarts.

Secrets (device codes, access and refresh tokens, client secrets) are stored only as
SHA-256 digests, so the database file never holds a usable credential.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from device_app.engine.private_files import make_private_dirs

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS users (
    username TEXT PRIMARY KEY, password_hash TEXT NOT NULL, sub TEXT NOT NULL,
    name TEXT NOT NULL, email TEXT NOT NULL, favourite_show TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS clients (
    client_id TEXT PRIMARY KEY, client_name TEXT NOT NULL, secret_hash TEXT,
    grant_types TEXT NOT NULL, scope TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS device_codes (
    id INTEGER PRIMARY KEY, device_code_hash TEXT UNIQUE NOT NULL,
    user_code TEXT NOT NULL, user_code_key TEXT NOT NULL, client_id TEXT NOT NULL,
    scope TEXT NOT NULL, device_name TEXT, issued_at REAL NOT NULL, expires_at REAL NOT NULL,
    interval INTEGER NOT NULL, last_poll_at REAL, status TEXT NOT NULL DEFAULT 'pending',
    username TEXT, decided_at REAL, consumed_at REAL, expired_reported INTEGER DEFAULT 0);
CREATE INDEX IF NOT EXISTS device_codes_user_code ON device_codes(user_code_key);
CREATE TABLE IF NOT EXISTS grants (
    id INTEGER PRIMARY KEY, client_id TEXT NOT NULL, username TEXT NOT NULL,
    scope TEXT NOT NULL, device_name TEXT, approved_at REAL NOT NULL, revoked_at REAL);
CREATE TABLE IF NOT EXISTS tokens (
    id INTEGER PRIMARY KEY, grant_id INTEGER NOT NULL, client_id TEXT NOT NULL,
    username TEXT NOT NULL, scope TEXT NOT NULL, access_hash TEXT UNIQUE NOT NULL,
    refresh_hash TEXT UNIQUE, issued_at REAL NOT NULL, expires_in INTEGER NOT NULL,
    access_revoked INTEGER DEFAULT 0, refresh_revoked INTEGER DEFAULT 0,
    rotated INTEGER DEFAULT 0);
"""

_GRANTED_ROWS = (
    "SELECT t.*, g.revoked_at AS grant_revoked_at FROM tokens t JOIN grants g ON g.id=t.grant_id"
)
TOKEN_QUERIES = {
    "access_hash": _GRANTED_ROWS + " WHERE t.access_hash=?",
    "refresh_hash": _GRANTED_ROWS + " WHERE t.refresh_hash=?",
}


def digest(secret: str) -> str:
    """The stored form of a secret: its SHA-256 in hex."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


class StoreError(RuntimeError):
    """The database cannot be opened or written; the message names the path."""


class Store:
    """All persistent state of one simulator, behind one lock (traffic is tiny)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        try:
            make_private_dirs(self.path.parent)  # 0700 whatever the umask, parents included
            self._db = sqlite3.connect(
                str(self.path), check_same_thread=False, isolation_level=None, timeout=5.0
            )
            self._db.row_factory = sqlite3.Row
            self._db.executescript(SCHEMA)
            os.chmod(self.path, 0o600)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"cannot open the simulator database {self.path}: {exc}") from exc
        self._lock = threading.RLock()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _one(self, sql: str, args: tuple[Any, ...]) -> dict[str, Any] | None:
        with self._lock:
            row = self._db.execute(sql, args).fetchone()
        return dict(row) if row is not None else None

    # -- meta, users, clients ---------------------------------------------------------
    def meta(self, key: str, default_factory: Any) -> str:
        """Read a meta value, creating it with ``default_factory()`` on first use."""
        with self._tx() as db:
            row = db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
            if row is not None:
                return str(row["value"])
            value = str(default_factory())
            db.execute("INSERT INTO meta(key, value) VALUES (?, ?)", (key, value))
            return value

    def upsert_user(self, user: dict[str, str], password_hash: str) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT OR IGNORE INTO users(username, password_hash, sub, name, email,"
                " favourite_show) VALUES (?,?,?,?,?,?)",
                (
                    user["username"],
                    password_hash,
                    user["sub"],
                    user["name"],
                    user["email"],
                    user["favourite_show"],
                ),
            )

    def has_user(self, username: str) -> bool:
        return self._one("SELECT 1 FROM users WHERE username=?", (username,)) is not None

    def get_user(self, username: str) -> dict[str, Any] | None:
        return self._one("SELECT * FROM users WHERE username=?", (username,))

    def list_users(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(r) for r in self._db.execute("SELECT * FROM users ORDER BY username")]

    def upsert_client(self, client: dict[str, Any]) -> None:
        secret = client.get("client_secret")
        with self._tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO clients(client_id, client_name, secret_hash,"
                " grant_types, scope) VALUES (?,?,?,?,?)",
                (
                    client["client_id"],
                    client["client_name"],
                    digest(secret) if secret else None,
                    " ".join(client["grant_types"]),
                    client["scope"],
                ),
            )

    def get_client(self, client_id: str) -> dict[str, Any] | None:
        return self._one("SELECT * FROM clients WHERE client_id=?", (client_id,))

    # -- device codes -----------------------------------------------------------------
    def user_code_in_use(self, key: str, now: float) -> bool:
        row = self._one(
            "SELECT 1 FROM device_codes WHERE user_code_key=? AND expires_at>?", (key, now)
        )
        return row is not None

    def create_device(self, **fields: Any) -> None:
        cols = ", ".join(fields)
        marks = ", ".join("?" for _ in fields)
        with self._tx() as db:
            db.execute(
                f"INSERT INTO device_codes({cols}) VALUES ({marks})",  # noqa: S608
                tuple(fields.values()),
            )

    def device_by_code(self, device_code: str) -> dict[str, Any] | None:
        return self._one(
            "SELECT * FROM device_codes WHERE device_code_hash=?", (digest(device_code),)
        )

    def device_by_user_code(self, key: str) -> dict[str, Any] | None:
        return self._one(
            "SELECT * FROM device_codes WHERE user_code_key=? ORDER BY issued_at DESC LIMIT 1",
            (key,),
        )

    def device_by_id(self, device_id: int) -> dict[str, Any] | None:
        return self._one("SELECT * FROM device_codes WHERE id=?", (device_id,))

    def record_poll(self, device_id: int, now: float) -> float | None:
        """Store the time of this poll and return the previous one."""
        with self._tx() as db:
            row = db.execute(
                "SELECT last_poll_at FROM device_codes WHERE id=?", (device_id,)
            ).fetchone()
            db.execute("UPDATE device_codes SET last_poll_at=? WHERE id=?", (now, device_id))
        return None if row is None or row["last_poll_at"] is None else float(row["last_poll_at"])

    def raise_interval(self, device_id: int, by: int) -> int:
        with self._tx() as db:
            db.execute("UPDATE device_codes SET interval=interval+? WHERE id=?", (by, device_id))
            row = db.execute("SELECT interval FROM device_codes WHERE id=?", (device_id,))
            return int(row.fetchone()["interval"])

    def decide(self, device_id: int, username: str, approved: bool, now: float) -> bool:
        """Record the user's decision once; False if the code is no longer pending."""
        with self._tx() as db:
            cur = db.execute(
                "UPDATE device_codes SET status=?, username=?, decided_at=? WHERE id=?"
                " AND status='pending' AND expires_at>?",
                ("approved" if approved else "denied", username, now, device_id, now),
            )
            return cur.rowcount == 1

    def consume(self, device_id: int, now: float) -> bool:
        """Mark an approved code used; True only for the first caller (exactly-once)."""
        with self._tx() as db:
            cur = db.execute(
                "UPDATE device_codes SET consumed_at=? WHERE id=? AND consumed_at IS NULL",
                (now, device_id),
            )
            return cur.rowcount == 1

    def mark_expired_reported(self, device_id: int) -> None:
        with self._tx() as db:
            db.execute("UPDATE device_codes SET expired_reported=1 WHERE id=?", (device_id,))

    # -- grants and tokens ------------------------------------------------------------
    def create_grant(
        self, client_id: str, username: str, scope: str, device_name: str | None, now: float
    ) -> int:
        with self._tx() as db:
            cur = db.execute(
                "INSERT INTO grants(client_id, username, scope, device_name, approved_at)"
                " VALUES (?,?,?,?,?)",
                (client_id, username, scope, device_name, now),
            )
            return int(cur.lastrowid or 0)

    def get_grant(self, grant_id: int) -> dict[str, Any] | None:
        return self._one("SELECT * FROM grants WHERE id=?", (grant_id,))

    def list_grants(self) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._db.execute(
                "SELECT g.*, c.client_name FROM grants g LEFT JOIN clients c"
                " ON c.client_id=g.client_id ORDER BY g.approved_at DESC"
            )
            return [dict(r) for r in rows]

    def save_token(
        self,
        grant_id: int,
        client_id: str,
        username: str,
        scope: str,
        access_token: str,
        refresh_token: str | None,
        expires_in: int,
        now: float,
    ) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT INTO tokens(grant_id, client_id, username, scope, access_hash,"
                " refresh_hash, issued_at, expires_in) VALUES (?,?,?,?,?,?,?,?)",
                (
                    grant_id,
                    client_id,
                    username,
                    scope,
                    digest(access_token),
                    digest(refresh_token) if refresh_token else None,
                    now,
                    expires_in,
                ),
            )

    def _token_row(self, column: str, secret: str) -> dict[str, Any] | None:
        return self._one(TOKEN_QUERIES[column], (digest(secret),))

    def token_by_access(self, access_token: str) -> dict[str, Any] | None:
        return self._token_row("access_hash", access_token)

    def token_by_refresh(self, refresh_token: str) -> dict[str, Any] | None:
        return self._token_row("refresh_hash", refresh_token)

    def rotate_out(self, token_id: int) -> bool:
        """The refresh token was used: it is now invalid (rotation, RFC 9700 §4.14.2).

        True only for the first caller, so two racing refreshes cannot both succeed.
        """
        with self._tx() as db:
            cur = db.execute(
                "UPDATE tokens SET refresh_revoked=1, rotated=1 WHERE id=? AND refresh_revoked=0",
                (token_id,),
            )
            return cur.rowcount == 1

    def revoke_access(self, token_id: int) -> None:
        with self._tx() as db:
            db.execute("UPDATE tokens SET access_revoked=1 WHERE id=?", (token_id,))

    def revoke_grant(self, grant_id: int, now: float) -> bool:
        """Revoke a whole token family (all access and refresh tokens of one grant)."""
        with self._tx() as db:
            cur = db.execute(
                "UPDATE grants SET revoked_at=? WHERE id=? AND revoked_at IS NULL",
                (now, grant_id),
            )
            db.execute(
                "UPDATE tokens SET access_revoked=1, refresh_revoked=1 WHERE grant_id=?",
                (grant_id,),
            )
            return cur.rowcount == 1
