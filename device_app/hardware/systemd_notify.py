"""sd_notify(3) without libsystemd: tell systemd we are ready, alive, busy or stopping.

With ``Type=notify`` systemd waits for ``READY=1``; with ``WatchdogSec=`` it restarts the
service when ``WATCHDOG=1`` stops arriving. The protocol is one datagram of ``KEY=value``
lines to the AF_UNIX socket named in ``$NOTIFY_SOCKET`` (a leading ``@`` means the Linux
abstract namespace). Without that variable, every call does nothing, so the app behaves the
same outside systemd.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable, Mapping

log = logging.getLogger(__name__)


class Notifier:
    """A connection to systemd's notify socket (or a no-op when there is none)."""

    def __init__(
        self, environ: Mapping[str, str] | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        env = os.environ if environ is None else environ
        self.clock = clock
        self.address = self._address(env.get("NOTIFY_SOCKET", ""))
        self.watchdog_interval = self._watchdog_interval(env)
        self._last_ping: float | None = None
        self._sock: socket.socket | None = None
        self._failed = False

    @staticmethod
    def _address(raw: str) -> str | bytes | None:
        if not raw:
            return None
        if raw.startswith("@"):
            return b"\0" + raw[1:].encode()  # abstract socket
        if raw.startswith("/"):
            return raw
        log.warning("NOTIFY_SOCKET=%r is neither a path nor an @abstract name; ignoring", raw)
        return None

    @staticmethod
    def _watchdog_interval(env: Mapping[str, str]) -> float | None:
        """Seconds between pings: half of WATCHDOG_USEC, as sd_watchdog_enabled(3) advises."""
        usec = env.get("WATCHDOG_USEC", "")
        pid = env.get("WATCHDOG_PID", "")
        if not usec:
            return None
        if pid and pid != str(os.getpid()):
            return None  # the watchdog is meant for another process
        try:
            value = int(usec)
        except ValueError:
            return None
        return value / 1e6 / 2 if value > 0 else None

    @property
    def enabled(self) -> bool:
        """True when running under systemd with a notify socket."""
        return self.address is not None

    def send(self, *lines: str) -> bool:
        """Send ``KEY=value`` lines; returns True if systemd got them. Never raises."""
        if self.address is None or self._failed:
            return False
        payload = "\n".join(lines).encode("utf-8", "replace")
        try:
            if self._sock is None:
                self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
            self._sock.sendto(payload, self.address)
        except OSError as e:
            # Log once: a broken socket must not fill the journal every frame.
            log.warning("systemd notify socket unusable (%s); no more notifications", e.strerror)
            self._failed = True
            self.close()
            return False
        return True

    def ready(self, status: str | None = None) -> bool:
        """``READY=1``: the first frame is on screen."""
        lines = ["READY=1"]
        if status:
            lines.append("STATUS=" + _one_line(status))
        return self.send(*lines)

    def status(self, text: str) -> bool:
        """``STATUS=...``: shown by ``systemctl status`` (never put secrets here)."""
        return self.send("STATUS=" + _one_line(text))

    def watchdog(self) -> bool:
        """``WATCHDOG=1`` at most every WATCHDOG_USEC/2; call it from every loop turn."""
        if self.watchdog_interval is None:
            return False
        now = self.clock()
        if self._last_ping is not None and now - self._last_ping < self.watchdog_interval:
            return False
        self._last_ping = now
        return self.send("WATCHDOG=1")

    def stopping(self) -> bool:
        """``STOPPING=1``: shutting down on purpose."""
        return self.send("STOPPING=1")

    def close(self) -> None:
        """Close the socket (it is reopened by the next send)."""
        if self._sock is not None:
            self._sock.close()
            self._sock = None


def _one_line(text: str) -> str:
    """One printable line: a newline would start a new KEY=value assignment."""
    printable = "".join(c if c.isprintable() else " " for c in text)
    return " ".join(printable.split())[:200]


_default: Notifier | None = None


def default() -> Notifier:
    """The process-wide notifier, built from the environment on first use."""
    global _default
    if _default is None:
        _default = Notifier()
    return _default


def ready(status: str | None = None) -> bool:
    """Module-level :meth:`Notifier.ready` on the process-wide notifier."""
    return default().ready(status)


def status(text: str) -> bool:
    """Module-level :meth:`Notifier.status`."""
    return default().status(text)


def watchdog() -> bool:
    """Module-level :meth:`Notifier.watchdog` (rate-limited to WATCHDOG_USEC/2)."""
    return default().watchdog()


def stopping() -> bool:
    """Module-level :meth:`Notifier.stopping`."""
    return default().stopping()
