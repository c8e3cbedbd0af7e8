"""Where a stop's time goes: from SIGTERM (or QUIT) to the loop's end and each part after it.

``systemctl stop`` and shutdown give the app a few seconds; one INFO line after the
shutdown says which part took them (docs/vm.md, scenario 9).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

log = logging.getLogger(__name__)


class StopTiming:
    """Marks taken during a stop; ``report()`` logs them as one line."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock  # a real clock: this measures the machine, not the screen's time
        self.asked: float | None = None
        self._last: float | None = None
        self.parts: list[tuple[str, float]] = []

    def ask(self) -> None:
        """The stop was asked (signal handler, QUIT event): the first call counts."""
        if self.asked is None:
            self.asked = self._last = self.clock()

    def mark(self, part: str) -> None:
        """``part`` has just finished."""
        now = self.clock()
        if self._last is None:  # the loop ended by itself (--exit-after, tests)
            self.asked = self._last = now
        self.parts.append((part, now - self._last))
        self._last = now

    def total(self) -> float:
        return 0.0 if self.asked is None or self._last is None else self._last - self.asked

    def report(self) -> None:
        log.info(
            "stopped in %.2f s (%s)",
            self.total(),
            ", ".join("%s %.2f s" % (part, seconds) for part, seconds in self.parts),
        )
