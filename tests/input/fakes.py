"""Fake input devices shaped like ``evdev.InputDevice``, with real file descriptors.

Events are python-evdev's own ``InputEvent`` objects. ``FakeDevice`` queues them behind a
pipe so ``select`` sees it readable; ``RecordedDevice`` decodes the kernel's binary
``struct input_event`` stream (what ``cat /dev/input/eventN > capture.bin`` records).
"""

from __future__ import annotations

import errno
import os
import struct
from collections.abc import Iterable

from evdev import InputEvent, ecodes

# struct input_event on 64-bit Linux: struct timeval {long sec; long usec}; u16 type, code; s32.
EVENT = struct.Struct("llHHi")


def key(name: str, value: int, t: float) -> InputEvent:
    """An EV_KEY event for ``name`` (e.g. "KEY_OK") at ``t`` seconds."""
    sec = int(t)
    return InputEvent(sec, round((t - sec) * 1e6), ecodes.EV_KEY, ecodes.ecodes[name], value)


def syn(t: float) -> InputEvent:
    sec = int(t)
    return InputEvent(sec, round((t - sec) * 1e6), ecodes.EV_SYN, ecodes.SYN_REPORT, 0)


def press(name: str, t: float) -> list[InputEvent]:
    """What the kernel sends for one short press: down, SYN, up, SYN."""
    return [key(name, 1, t), syn(t), key(name, 0, t + 0.05), syn(t + 0.05)]


class FakeDevice:
    """An input device with a name, key capabilities and a queue of events behind a pipe."""

    def __init__(self, path: str, name: str, keys: Iterable[str] = ("KEY_ENTER",)) -> None:
        self.path = path
        self.name = name
        self.keys = [ecodes.ecodes[k] for k in keys]
        self.closed = True
        self.reopen()
        self.queue: list[InputEvent] = []
        self.fail: OSError | None = None
        self.grabbed = False
        self.grab_error: OSError | None = None

    def reopen(self) -> FakeDevice:
        """A fresh descriptor, as opening the node again gives."""
        if self.closed:
            self._r, self._w = os.pipe()
            os.set_blocking(self._r, False)
            self.closed = False
        return self

    def fileno(self) -> int:
        return self._r

    def capabilities(self) -> dict[int, list[int]]:
        return {ecodes.EV_KEY: list(self.keys)}

    def push(self, events: Iterable[InputEvent]) -> None:
        self.queue.extend(events)
        os.write(self._w, b"!")

    def unplug(self) -> None:
        """From now on read() fails like a pulled USB device (ENODEV)."""
        self.fail = OSError(errno.ENODEV, "No such device")
        os.write(self._w, b"!")

    def read(self) -> list[InputEvent]:
        if self.fail is not None:
            raise self.fail
        try:
            os.read(self._r, 4096)
        except BlockingIOError:
            pass
        if not self.queue:
            raise BlockingIOError(errno.EAGAIN, "Resource temporarily unavailable")
        out, self.queue = self.queue, []
        return out

    def grab(self) -> None:
        if self.grab_error is not None:
            raise self.grab_error
        self.grabbed = True

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            os.close(self._r)
            os.close(self._w)


class RecordedDevice:
    """Replays a binary capture of ``struct input_event`` records through a pipe."""

    def __init__(self, path: str, name: str, capture: bytes, keys: Iterable[str]) -> None:
        self.path = path
        self.name = name
        self.keys = [ecodes.ecodes[k] for k in keys]
        self._r, w = os.pipe()
        os.write(w, capture)
        os.close(w)  # EOF after the capture, like a device that said everything it had
        os.set_blocking(self._r, False)
        self.closed = False

    def fileno(self) -> int:
        return self._r

    def capabilities(self) -> dict[int, list[int]]:
        return {ecodes.EV_KEY: list(self.keys)}

    def read(self) -> list[InputEvent]:
        data = os.read(self._r, EVENT.size * 64)
        if not data:
            raise BlockingIOError(errno.EAGAIN, "nothing more")
        return [
            InputEvent(*EVENT.unpack_from(data, off))
            for off in range(0, len(data) - len(data) % EVENT.size, EVENT.size)
        ]

    def grab(self) -> None:
        pass

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            os.close(self._r)


def record(events: Iterable[InputEvent]) -> bytes:
    """Encode events the way the kernel writes them to /dev/input/eventN."""
    return b"".join(EVENT.pack(e.sec, e.usec, e.type, e.code, e.value) for e in events)


class FakeClock:
    def __init__(self, t: float = 1000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t

    def advance(self, dt: float) -> None:
        self.t += dt
