"""The garbage collector held off while the TV app starts (issue 14, start-up).

Start-up makes objects that live as long as the process: modules, classes, fonts, the
screen. The collector walks them again and again while they pile up: 45 young and 4
middle-generation collections, about 6 ms of the ~155 ms from process start to the
activation screen on the development machine (timed with ``gc.callbacks``), to find about
800 unreachable objects in all.

:func:`hold` raises the collector's first threshold (700 new objects) to
``HOLD_ALLOCATIONS``; :func:`release` puts it back, once the first screens are up. Should
nobody call it, the first collection that the raised threshold lets through puts it back
itself: a hold never lasts beyond about three starts' worth of objects. No thread and no
timer. The TV app releases it when it releases its start-up helper (tv/app.py).
"""

from __future__ import annotations

import gc
from typing import Any

# Why 100 000: a start makes about 35 000 objects that the collector tracks (45 young
# collections of 700 before the activation screen); a Pi Zero 2 W makes the same ones.
HOLD_ALLOCATIONS = 100_000

_saved: tuple[int, int, int] | None = None  # the thresholds to put back while held


def hold(allocations: int = HOLD_ALLOCATIONS) -> None:
    """Let ``allocations`` new objects pass before the next collection (a no-op while held,
    or while the collector is switched off: whoever did that switches it back)."""
    global _saved
    if _saved is not None or not gc.isenabled():
        return
    _saved = gc.get_threshold()
    gc.set_threshold(max(allocations, _saved[0]), _saved[1], _saved[2])
    gc.callbacks.append(_on_collection)


def release() -> None:
    """Put the thresholds back as :func:`hold` found them; safe to call again, or unheld."""
    _put_back()
    if _on_collection in gc.callbacks:
        gc.callbacks.remove(_on_collection)


def held() -> bool:
    """True between :func:`hold` and :func:`release` (or the first collection after)."""
    return _saved is not None


def _put_back() -> None:
    global _saved
    saved, _saved = _saved, None
    if saved is not None:
        gc.set_threshold(*saved)


def _on_collection(phase: str, info: dict[str, Any]) -> None:
    # Called by the collector, which walks gc.callbacks: the thresholds go back now, and
    # this callback (a no-op from now on) leaves the list at release().
    if phase == "stop":
        _put_back()
