"""Shared helpers of the token store tests."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from device_app.engine.token_store import TokenStore, encode_record

CANARY_AT = "at-CANARY-7f3a9c"
CANARY_RT = "rt-CANARY-2b8e41"


def make_doc(n: int = 1) -> dict[str, Any]:
    """A document shaped like the real one, with canary secrets."""
    return {
        "tokens": {
            "access_token": f"{CANARY_AT}-{n}",
            "refresh_token": CANARY_RT,
            "token_type": "Bearer",
            "expires_in": 3600,
            "obtained_at": 1_700_000_000 + n,
            "expires_at": 1_700_003_600 + n,
        },
        "pending": None,
        "profile": "default",
        "user": {"name": "Zoë ☃", "n": n},
    }


def names(store: TokenStore) -> list[str]:
    """Sorted entries of the store folder (none when it does not exist yet)."""
    if not store.directory.exists():
        return []
    return sorted(os.listdir(store.directory))


def temp_names(store: TokenStore) -> list[str]:
    return [n for n in names(store) if ".tmp." in n]


def write_raw(path: Path, data: bytes, mode: int = 0o600) -> None:
    """Put bytes at ``path`` as if some other writer (or a failing card) had."""
    path.write_bytes(data)
    os.chmod(path, mode)


def valid_record(generation: int, doc: dict[str, Any]) -> bytes:
    return encode_record(generation, doc)
