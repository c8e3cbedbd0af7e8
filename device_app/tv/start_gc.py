"""The garbage collector held off while the TV app starts (issue 14, start-up).

Start-up makes objects that live as long as the process: modules, classes, fonts, the
screen. The collector walks them again and again while they pile up: 45 young and 4
middle-generation collections, about 6 ms of the ~155 ms from process start to the
activation screen on the development machine (timed with ``gc.callbacks``), to find about
800 unreachable objects in all. :func:`hold` pauses it; :func:`release` resumes it, once
the activation screen is up or, whatever happens, ``HOLD_LIMIT_S`` after the hold, so that
a start that never gets that far collects all the same.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable
from typing import Any

# Why 5 s: the activation screen is up ~0.15 s after start here and ~1.5 s on a Pi Zero 2 W;
# the ~800 objects a start leaves to the collector are no reason to resume it sooner.
HOLD_LIMIT_S = 5.0

_lock = threading.Lock()
_timer: Any = None  # the pending release while held, else None


def hold(
    limit: float = HOLD_LIMIT_S,
    timer: Callable[[float, Callable[[], None]], Any] = threading.Timer,
) -> None:
    """Pause the collector for at most ``limit`` seconds (a no-op if it is paused already:
    whoever paused it resumes it)."""
    global _timer
    with _lock:
        if _timer is not None or not gc.isenabled():
            return
        gc.disable()
        _timer = timer(limit, release)
        _timer.daemon = True
        _timer.start()


def release() -> None:
    """Resume the collector paused by :func:`hold`; safe to call again, or without a hold."""
    global _timer
    with _lock:
        pending, _timer = _timer, None
        if pending is None:
            return
        pending.cancel()
        gc.enable()


def held() -> bool:
    """True between :func:`hold` and :func:`release`."""
    return _timer is not None
