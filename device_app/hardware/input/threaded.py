"""The start/stop life of an input source that reads in a daemon thread of its own."""

from __future__ import annotations

import threading


class ThreadedSource:
    """Base of the evdev and scripted sources: ``run()`` loops until ``_stop`` is set."""

    thread_name = "input"

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run(self) -> None:  # pragma: no cover - every subclass has its own
        raise NotImplementedError

    def start(self) -> None:
        """Run the source in a daemon thread."""
        self._stop.clear()
        self._thread = threading.Thread(target=self.run, name=self.thread_name, daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        """Ask the thread to end and wait for it (at most ``timeout`` seconds)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
