"""A sliding-window limiter for wrong user codes and wrong passwords (keycloak#51275)."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

# Five wrong tries per minute per client address: with 20^8 base-20 codes this keeps
# guessing hopeless (RFC 8628 §5.1 asks servers to rate-limit user-code attempts).
WRONG_TRIES = 5
WINDOW_S = 60.0


class RateLimiter:
    """Counts failures per key; ``blocked`` once ``limit`` failures fall in ``window`` s."""

    def __init__(
        self,
        limit: int = WRONG_TRIES,
        window: float = WINDOW_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        return hits

    def blocked(self, key: str) -> bool:
        with self._lock:
            return len(self._recent(key, self.clock())) >= self.limit

    def fail(self, key: str) -> bool:
        """Record one failure; True if the key is now blocked."""
        with self._lock:
            now = self.clock()
            hits = self._recent(key, now)
            hits.append(now)
            return len(hits) >= self.limit

    def retry_after(self, key: str) -> int:
        """Whole seconds until the oldest failure leaves the window."""
        with self._lock:
            now = self.clock()
            hits = self._recent(key, now)
            return max(1, int(hits[0] + self.window - now + 0.999)) if hits else 0
