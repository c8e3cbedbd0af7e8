"""The TV loop's one way to wait: for a message from another thread, an input event, or time.

Workers and input threads post to a queue, and the loop sleeps on that queue, pumping SDL's
input every ``INPUT_POLL`` seconds. ``pygame.event.wait(timeout)`` would be the obvious
call, but pygame-ce 2.5.8 / SDL 2.32 wake up every millisecond inside it: measured with
benchmarks/bench_screen.py on a waiting activation screen, 3.6 % of a core under X11 (Xvfb)
against 1.0 % for the queue sleep; with the dummy driver 2.5 % against 0.2 %.
"""

from __future__ import annotations

import queue
from collections.abc import Callable
from typing import Any

import pygame

# s between SDL input pumps: 50 ms feels instant; 100 ms saved only 0.2 % CPU (measured).
INPUT_POLL = 0.05


class Inbox:
    """A thread-safe queue of messages for the loop, and the wait that also pumps SDL."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self._queue: queue.Queue[Any] = queue.Queue()

    def post(self, message: Any) -> None:
        """Hand a message to the loop from any thread."""
        self._queue.put(message)

    def wait(self, timeout: float) -> tuple[list[pygame.event.Event], list[Any]]:
        """Sleep until a message, an input event or ``timeout`` s; (SDL events, messages)."""
        messages: list[Any] = []
        deadline = self.clock() + timeout
        events: list[pygame.event.Event] = []
        while True:
            left = deadline - self.clock()
            try:
                messages.append(self._queue.get(timeout=max(0.0, min(INPUT_POLL, left))))
            except queue.Empty:
                pass
            events = pygame.event.get() if pygame.display.get_init() else []
            if messages or events or left <= INPUT_POLL:
                break
        while True:
            try:
                messages.append(self._queue.get_nowait())
            except queue.Empty:
                break
        return events, messages
