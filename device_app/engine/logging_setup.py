"""Logging that cannot leak a secret.

The first line of defence is that no code logs a token, device code or client secret.
This is the second: every value the app learns is secret is registered here, and a filter
on the handlers replaces it wherever it appears, from any logger (urllib3 included).
"""

from __future__ import annotations

import logging
import sys
import threading
import weakref
from typing import TextIO

_secrets: set[str] = set()
_lock = threading.Lock()
MIN_SECRET = 6  # shorter values would redact ordinary words


def register_secret(value: object) -> None:
    """Never let ``value`` (a token, device code, client secret) appear in a log line."""
    if isinstance(value, str) and len(value) >= MIN_SECRET:
        with _lock:
            _secrets.add(value)


def redact(text: str) -> str:
    """``text`` with every registered secret replaced by ``<redacted>``."""
    with _lock:
        values = sorted(_secrets, key=len, reverse=True)
    for v in values:
        if v in text:
            text = text.replace(v, "<redacted>")
    return text


class RedactingFilter(logging.Filter):
    """Formats the record's message once, with secrets replaced."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            msg = record.getMessage()
        except Exception:  # a bad format string must not hide the line
            msg = str(record.msg)
        record.msg = redact(msg)
        record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


_installed: weakref.WeakSet[logging.Handler] = weakref.WeakSet()


class _CurrentStderr(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is when a record is emitted, not when installed."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, value: TextIO) -> None:
        pass


def setup_logging(level: int = logging.WARNING, stream: TextIO | None = None) -> logging.Handler:
    """One stderr handler on the root logger, with the redacting filter."""
    handler: logging.Handler = logging.StreamHandler(stream) if stream else _CurrentStderr()
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    for old in list(_installed):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    _installed.add(handler)
    return handler
