"""``--events FILE``: JSON lines with monotonic timestamps (flow events, screens first drawn).

``t`` is ``time.monotonic()``: one system-wide clock on Linux, so a benchmark that starts
the app can subtract its own reading to get start-up time.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO, Any


class EventLog:
    """Appends one JSON object per line and flushes it at once (a crash loses nothing)."""

    def __init__(self, path: str | Path, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._file: IO[str] | None = open(path, "a", encoding="utf-8")
        self._last_screen = ""

    def write(self, record: Mapping[str, Any]) -> None:
        """Write ``{"t": now, **record}``."""
        line = json.dumps({"t": round(self._clock(), 6), **record}, ensure_ascii=False, default=str)
        with self._lock:
            if self._file is not None:
                self._file.write(line + "\n")
                self._file.flush()

    def flow_event(self, kind: str, public: Mapping[str, Any]) -> None:
        """A flow event's public() fields (never the device code or tokens)."""
        self.write({"event": kind, **public})

    def screen(self, name: str) -> None:
        """A screen drawn for the first time since another one was up."""
        if name != self._last_screen:
            self._last_screen = name
            self.write({"event": "screen", "screen": name})

    def close(self) -> None:
        """Close the file."""
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None
