"""Linux input devices read with python-evdev: IR receivers, HDMI-CEC remotes, GPIO buttons.

Why not just SDL? SDL2 turns KEY_OK, KEY_SELECT, KEY_EXIT, KEY_INFO and the colour keys into
"unknown" (design-notes §6), and with the framebuffer back end SDL reads no input at all.

* IR (``dtoverlay=gpio-ir`` + ``ir-keytable``): the kernel decodes the remote into an
  ``/dev/input/eventN`` device. Holding a key sends auto-repeat events (value 2), and some
  protocols resend the press itself; repeats are dropped and presses of the same key closer
  than ``repeat_suppress`` (150 ms, design-notes §6) count once.
* HDMI-CEC: after ``cec-ctl --playback`` the kernel routes the TV remote's keys to an input
  device, read the same way.
* GPIO buttons (``dtoverlay=gpio-key``): the kernel debounces and reports keys.

A device that is missing, unreadable or unplugged is logged once and skipped; the other
sources carry on, and ``/dev/input`` is rescanned so a remote plugged in later is picked up.
"""

from __future__ import annotations

import errno
import fnmatch
import logging
import os
import select
import time
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from typing import Any, Protocol, cast

from device_app.hardware.input.keymap import evdev_code, evdev_part
from device_app.hardware.input.threaded import ThreadedSource

log = logging.getLogger(__name__)

EV_KEY = 1  # linux/input-event-codes.h
KEY_PRESS, KEY_REPEAT = 1, 2  # event values: 0 release, 1 press, 2 auto-repeat
REPEAT_SUPPRESS = 0.150  # seconds; a held IR button repeats faster than a press (design-notes §6)
RESCAN_INTERVAL = 2.0  # seconds between /dev/input scans: a plugged remote works within ~2 s
# Keys SDL2 reports as "unknown" (SDL release-2.32.x src/events/scancodes_linux.h, quoted in
# design-notes §6). When SDL also reads the same devices, only these come from evdev.
SDL_BLIND_KEYS = (
    "KEY_OK",
    "KEY_SELECT",
    "KEY_EXIT",
    "KEY_INFO",
    "KEY_RED",
    "KEY_GREEN",
    "KEY_YELLOW",
    "KEY_BLUE",
)
_GONE = (errno.ENODEV, errno.ENXIO, errno.EIO, errno.EBADF)


class InputEventLike(Protocol):
    """What python-evdev's ``InputEvent`` offers."""

    sec: int
    usec: int
    type: int
    code: int
    value: int


class DeviceLike(Protocol):
    """The parts of ``evdev.InputDevice`` used here (tests pass fakes with the same shape)."""

    path: str
    name: str

    def fileno(self) -> int: ...
    def capabilities(self) -> Mapping[int, Sequence[Any]]: ...
    def read(self) -> Iterable[InputEventLike]: ...
    def grab(self) -> None: ...
    def close(self) -> None: ...


def _open_evdev(path: str) -> DeviceLike:
    import evdev  # optional dependency: the "pi" extra

    return cast(DeviceLike, evdev.InputDevice(path))


def _identity(path: str) -> tuple[int, int] | None:
    """(inode, change time) of a node: a node made anew by udev differs even if the inode
    number is reused."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_ino, st.st_ctime_ns)


class EvdevSource(ThreadedSource):
    """Read key presses from matching input devices and ``post`` the mapped actions.

    ``devices`` holds device names (shell patterns, e.g. ``"gpio_ir_recv"``, ``"*CEC*"``)
    or paths; empty means every device that reports a key in the keymap.
    ``only_keys`` restricts the output to those evdev key names (None = all in the keymap).
    """

    thread_name = "evdev-input"

    def __init__(
        self,
        keymap: Mapping[str, str],
        post: Callable[[str], None],
        *,
        devices: Sequence[str] = (),
        grab: bool = False,
        only_keys: Collection[str] | None = None,
        repeat_suppress: float = REPEAT_SUPPRESS,
        input_dir: str = "/dev/input",
        clock: Callable[[], float] = time.monotonic,
        open_device: Callable[[str], DeviceLike] | None = None,
        rescan_interval: float = RESCAN_INTERVAL,
    ) -> None:
        self.post = post
        self.patterns = tuple(devices)
        self.grab = grab
        self.repeat_suppress = repeat_suppress
        self.input_dir = input_dir
        self.clock = clock
        self.open_device = open_device or _open_evdev
        self.rescan_interval = rescan_interval
        self.actions: dict[int, str] = {}
        for name, action in evdev_part(keymap).items():
            if only_keys is not None and name not in only_keys:
                continue
            code = evdev_code(name)
            if code is not None:
                self.actions[code] = action
        self.open: dict[str, DeviceLike] = {}  # path -> device
        # Devices looked at and not wanted, by path -> node identity: not reopened every
        # rescan. A re-plugged device gets a new node and is looked at again.
        self._rejected: dict[str, tuple[int, int]] = {}
        self._last_press: dict[int, float] = {}  # key code -> time of the last accepted press
        self._said: set[str] = set()  # log-once keys
        self._next_scan = 0.0
        # A pipe stop() writes to, so that the reader's select() returns at once: a stop
        # (systemctl stop, shutdown) does not wait out the poll timeout.
        self._wake: tuple[int, int] | None = None
        ThreadedSource.__init__(self)

    # -- logging once ---------------------------------------------------------------------
    def _once(self, key: str, level: int, msg: str, *args: object) -> None:
        if key not in self._said:
            self._said.add(key)
            log.log(level, msg, *args)

    # -- discovery ------------------------------------------------------------------------
    def candidates(self) -> list[str]:
        """Paths to try: the event nodes under ``input_dir`` plus configured paths."""
        try:
            names = sorted(n for n in os.listdir(self.input_dir) if n.startswith("event"))
        except OSError as e:
            self._once(
                "dir", logging.WARNING, "evdev: cannot list %s: %s", self.input_dir, e.strerror
            )
            names = []
        paths = [os.path.join(self.input_dir, n) for n in names]
        for p in self.patterns:
            if p.startswith("/") and os.path.realpath(p) not in {
                os.path.realpath(q) for q in paths
            }:
                paths.append(p)
        return paths

    def _wanted(self, dev: DeviceLike) -> bool:
        if not self.patterns:
            keys = dev.capabilities().get(EV_KEY, ())
            return any(isinstance(k, int) and k in self.actions for k in keys)
        real = os.path.realpath(dev.path)
        for p in self.patterns:
            if p.startswith("/"):
                if os.path.realpath(p) == real:
                    return True
            elif fnmatch.fnmatchcase(dev.name, p):
                return True
        return False

    def rescan(self) -> list[str]:
        """Open matching devices not open yet; returns the newly opened paths."""
        opened = []
        for path in self.candidates():
            if path in self.open:
                continue
            ident = _identity(path)
            if ident is not None and self._rejected.get(path) == ident:
                continue
            try:
                dev = self.open_device(path)
            except OSError as e:
                hint = " (add the user to the input group)" if e.errno == errno.EACCES else ""
                self._once(
                    "open:" + path,
                    logging.INFO,
                    "evdev: cannot open %s: %s%s",
                    path,
                    e.strerror,
                    hint,
                )
                continue
            if not self._wanted(dev):
                dev.close()
                if ident is not None:
                    self._rejected[path] = ident
                continue
            if self.grab:
                try:
                    dev.grab()
                except OSError as e:
                    self._once(
                        "grab:" + path,
                        logging.WARNING,
                        "evdev: cannot grab %s (%s): %s; reading it shared",
                        path,
                        dev.name,
                        e.strerror,
                    )
            self.open[path] = dev
            self._said.discard("gone:" + path)
            log.info("evdev: reading %s (%s)%s", path, dev.name, " grabbed" if self.grab else "")
            opened.append(path)
        for p in self.patterns:
            if not any(self._matches(p, d) for d in self.open.values()):
                self._once(
                    "missing:" + p,
                    logging.WARNING,
                    "evdev: no input device matches %r yet; carrying on without it and "
                    "checking again every %.0f s",
                    p,
                    self.rescan_interval,
                )
            else:
                self._said.discard("missing:" + p)
        return opened

    @staticmethod
    def _matches(pattern: str, dev: DeviceLike) -> bool:
        if pattern.startswith("/"):
            return os.path.realpath(pattern) == os.path.realpath(dev.path)
        return fnmatch.fnmatchcase(dev.name, pattern)

    # -- events ---------------------------------------------------------------------------
    def handle(self, event: InputEventLike) -> str | None:
        """Map one event to an action (and post it), applying the repeat rules."""
        if event.type != EV_KEY or event.value != KEY_PRESS:
            return None  # releases and auto-repeats (value 2) are not presses
        action = self.actions.get(event.code)
        if action is None:
            return None
        t = event.sec + event.usec / 1e6
        last = self._last_press.get(event.code)
        # A negative gap means the wall clock stepped back (NTP at boot): not a repeat.
        if last is not None and 0 <= t - last < self.repeat_suppress:
            return None
        self._last_press[event.code] = t
        self.post(action)
        return action

    def drop(self, path: str, why: str) -> None:
        """Forget a device that went away; it is picked up again when it comes back."""
        dev = self.open.pop(path, None)
        if dev is None:
            return
        try:
            dev.close()
        except OSError:
            pass
        self._once(
            "gone:" + path,
            logging.WARNING,
            "evdev: %s (%s) %s; carrying on with the other inputs",
            path,
            dev.name,
            why,
        )

    def read_device(self, path: str) -> int:
        """Read what a device has ready; returns how many actions were posted."""
        dev = self.open.get(path)
        if dev is None:
            return 0
        posted = 0
        try:
            for event in dev.read():
                if self.handle(event) is not None:
                    posted += 1
        except BlockingIOError:
            pass
        except OSError as e:
            self.drop(path, "was unplugged" if e.errno in _GONE else f"failed: {e.strerror}")
        return posted

    def poll(self, timeout: float) -> int:
        """Rescan when due, wait up to ``timeout`` s for input, read it. Returns actions posted."""
        now = self.clock()
        if now >= self._next_scan:
            self.rescan()
            self._next_scan = now + self.rescan_interval
        fds: dict[int, str] = {}
        for path, dev in list(self.open.items()):
            try:
                fds[dev.fileno()] = path
            except (OSError, ValueError):
                self.drop(path, "was closed")
        if not fds:
            self._stop.wait(timeout)
            return 0
        wake = [self._wake[0]] if self._wake is not None else []
        try:
            ready, _, _ = select.select([*fds, *wake], [], [], timeout)
        except (OSError, ValueError):
            # One fd went bad between listing and select: read each to find which.
            ready = list(fds)
        return sum(self.read_device(fds[fd]) for fd in ready if fd in fds)

    # -- thread ---------------------------------------------------------------------------
    def run(self) -> None:
        """Read until :meth:`stop`; never raises for device trouble."""
        while not self._stop.is_set():
            try:
                self.poll(0.5)
            except Exception:  # a bug here must not kill input for good
                log.exception("evdev: reader error; retrying")
                self._stop.wait(1.0)

    def start(self) -> None:
        """Read in a daemon thread until :meth:`stop`."""
        self._wake = os.pipe()
        ThreadedSource.start(self)

    def stop(self, timeout: float = 2.0) -> None:
        """Stop the thread (at once, even inside its wait for input) and close every device."""
        self._stop.set()
        wake = self._wake
        if wake is not None:
            os.write(wake[1], b"\0")
        ThreadedSource.stop(self, timeout)
        if wake is not None:
            self._wake = None
            os.close(wake[0])
            os.close(wake[1])
        for path in list(self.open):
            dev = self.open.pop(path)
            try:
                dev.close()
            except OSError:
                pass
