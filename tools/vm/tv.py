"""The test's view of device-app inside the guest: its event log, screens, store and journal.

Everything goes through the app's outside: the ``--events`` file, ``systemctl``, the token
store's files and ``device-app`` commands. No device-app module is imported.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import look
from machine import GuestError, Machine

STORE = "/var/lib/device-app"
EVENTS = STORE + "/events.jsonl"
# The token store's file for the provider file the image is built with (standard dialect,
# client tv-confidential): <profile>.json, docs/token-store.md.
STORE_FILE = STORE + "/standard-tv-confidential.json"
APP = "/opt/device-app/venv/bin/device-app"
PROVIDER_ARGS = "--provider /etc/device-app/provider.toml --token-store " + STORE
Event = dict[str, Any]


class TV:
    """One booted guest seen through device-app's outside, with screenshots saved to ``out``."""

    def __init__(self, machine: Machine, out: Path) -> None:
        self.m = machine
        self.out = out
        self.shots: list[str] = []

    @property
    def agent(self) -> Any:
        assert self.m.agent is not None
        return self.m.agent

    def sh(self, script: str, timeout: float = 30.0) -> str:
        return str(self.agent.sh(script, timeout=timeout))

    def events(self) -> list[Event]:
        """Every line of the app's event log so far (all starts of the app, all boots)."""
        text = self.sh("cat %s 2>/dev/null || true" % EVENTS)
        found = []
        for line in text.splitlines():
            try:
                found.append(json.loads(line))
            except ValueError:
                pass  # a line cut by a power cut
        return found

    def wait_event(
        self, match: Callable[[Event], bool], after: int = 0, timeout: float = 120.0
    ) -> tuple[int, Event]:
        """The first event at index >= ``after`` that ``match``es: (index, event)."""
        deadline = time.monotonic() + timeout
        while True:
            evs = self.events()
            for i in range(after, len(evs)):
                if match(evs[i]):
                    return i, evs[i]
            if time.monotonic() > deadline:
                last = evs[-1] if evs else None
                raise GuestError("no such event within %.0f s (last: %s)" % (timeout, last))
            time.sleep(0.5)

    def wait_screen(self, screen: str, after: int = 0, timeout: float = 120.0) -> tuple[int, Event]:
        return self.wait_event(
            lambda e: e.get("event") == "screen" and e.get("screen") == screen, after, timeout
        )

    def shot(self, name: str) -> Path:
        """A screenshot saved as OUT/NAME.png."""
        path = self.out / ("%s.png" % name)
        self.m.screendump(path)
        self.shots.append(path.name)
        return path

    def shot_until(
        self, name: str, good: Callable[[Path], bool], timeout: float = 60.0
    ) -> tuple[Path, bool]:
        """Screenshots until ``good(png)``; (the last one, whether it was good)."""
        deadline = time.monotonic() + timeout
        while True:
            path = self.shot(name)
            if good(path):
                return path, True
            if time.monotonic() > deadline:
                return path, False
            time.sleep(0.5)

    def unit(self, *props: str) -> dict[str, str]:
        """``systemctl show device-app -p ...`` as a dict."""
        text = self.sh("systemctl show device-app -p %s" % ",".join(props))
        return dict(line.split("=", 1) for line in text.splitlines() if "=" in line)

    def store(self) -> dict[str, Any] | None:
        """The token store's newest record's document, or None."""
        text = self.sh("cat %s 2>/dev/null || true" % STORE_FILE)
        try:
            return json.loads(text)["doc"]  # type: ignore[no-any-return]
        except (ValueError, KeyError):
            return None

    def app_command(self, args: str, timeout: float = 120.0) -> tuple[int, str, str]:
        """``device-app ARGS`` in the guest as the service user, with the service's settings."""
        script = (
            ". /etc/default/device-app; export DEVICE_APP_CLIENT_SECRET; "
            "exec runuser -u device-app -- %s %s %s" % (APP, args, PROVIDER_ARGS)
        )
        rc, out, err = self.agent.run(["/bin/sh", "-c", script], timeout=timeout)
        return int(rc), str(out), str(err)

    def journal(self, extra: str = "") -> str:
        return self.sh("journalctl --no-pager -o short-monotonic %s" % extra, timeout=60)

    def remote(self, *keys: str) -> None:
        """Press keys on the guest's uinput IR remote (tools/vm/guest/vm-remote.py)."""
        self.sh("printf '%s\\n' > /run/vm-remote" % "\\n".join(keys))

    def drawn(self, path: Path) -> bool:
        return not look.is_black(path)
