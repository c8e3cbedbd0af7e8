"""Shared helpers of the token store tests."""

from __future__ import annotations

import os
import signal
import time
import traceback
from collections.abc import Callable
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


def read_all(fd: int) -> bytes:
    """Everything until the writers close ``fd``; then ``fd`` is closed."""
    chunks = []
    while chunk := os.read(fd, 65536):
        chunks.append(chunk)
    os.close(fd)
    return b"".join(chunks)


def forked(body: Callable[[int], None], kill_after: float | None = None) -> tuple[int, bytes]:
    """Run ``body(fd)`` in a forked child: (its wait status, what it wrote to ``fd``).

    The child adds ``done`` when ``body`` returns, or its traceback when it raises. With
    ``kill_after``, the parent sends SIGKILL that many seconds after the fork.
    """
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child never returns into pytest
        try:
            os.close(read_end)
            body(write_end)
            os.write(write_end, b"done")
        except BaseException:
            os.write(write_end, traceback.format_exc().encode())
        finally:
            os._exit(0)
    os.close(write_end)
    if kill_after is not None:
        time.sleep(kill_after)
        os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    return status, read_all(read_end)
