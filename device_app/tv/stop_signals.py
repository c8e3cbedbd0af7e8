"""SIGTERM (systemd stop) and SIGINT (Ctrl-C) end the TV loop cleanly instead of killing it."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from typing import Any


def install(stop: Callable[[], None]) -> dict[int, Any]:
    """Route SIGTERM and SIGINT to ``stop``; returns the old handlers for :func:`restore`.

    Python allows signal handlers only in the main thread; elsewhere nothing is installed.
    """
    if threading.current_thread() is not threading.main_thread():
        return {}
    old: dict[int, Any] = {}
    for sig in (signal.SIGTERM, signal.SIGINT):
        old[sig] = signal.signal(sig, lambda *_: stop())
    return old


def restore(old: dict[int, Any]) -> None:
    """Put back the handlers :func:`install` replaced."""
    for sig, handler in old.items():
        signal.signal(sig, handler)
