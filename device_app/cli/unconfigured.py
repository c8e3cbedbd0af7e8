"""The TV's session while its settings are wrong: the screen says what to fix, nothing restarts.

Exiting on a configuration error would make systemd restart the service every few seconds
until it gives up, with a black TV all along. ``device-app run`` shows the error screen
instead, naming what to edit, and stays up. "Try again" (OK on the remote) reads the
settings anew, so fixing the file and pressing OK is enough; no restart needed.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from device_app.core import events as ev
from device_app.core import outcomes
from device_app.core.errors import ConfigurationError
from device_app.core.events import Event
from device_app.engine.session import Session
from device_app.engine.token_store import TokenStoreError

log = logging.getLogger(__name__)

# The screen's error category for settings found wrong before any request (ui/viewmodel.py).


class SessionOnceConfigured:
    """Stands in for :class:`Session` until ``build()`` stops raising a configuration error."""

    def __init__(self, build: Callable[[], Session], problem: str, device_name: str) -> None:
        self._build = build
        self.problem = problem
        self.device_name = device_name
        self._session: Session | None = None

    def _current(self) -> Session | None:
        if self._session is None:
            try:
                self._session = self._build()
            except (ConfigurationError, TokenStoreError) as e:
                if str(e) != self.problem:
                    log.error("still not set up: %s", e)
                self.problem = str(e)
            else:
                log.warning("the settings are fixed; signing in")
        return self._session

    def signed_in(self) -> bool:
        """False until the settings are usable; then the real session's answer."""
        session = self._current()
        return session.signed_in() if session is not None else False

    def login(self, on_event: Callable[[Event], None], cancel: threading.Event) -> Event:
        """The real sign-in, or one error event saying what to fix."""
        session = self._current()
        if session is not None:
            return session.login(on_event, cancel)
        final = Event(
            ev.FAILED, {"category": outcomes.SETTINGS, "error": "", "description": self.problem}
        )
        on_event(final)
        return final

    def userinfo(self) -> dict[str, Any]:
        """The real session's userinfo; a configuration error while not set up."""
        session = self._current()
        if session is None:
            raise ConfigurationError(self.problem)
        return session.userinfo()

    def logout(self) -> bool:
        """The real session's sign-out; nothing to do while not set up."""
        session = self._current()
        return session.logout() if session is not None else False
