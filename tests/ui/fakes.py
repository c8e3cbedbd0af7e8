"""Small stand-ins for the flow events and the session, for UI tests only."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any


class FakeEvent:
    """Shaped like device_app.core.events.Event: ``kind`` and ``public()``."""

    def __init__(self, kind: str, **public: Any) -> None:
        self.kind = kind
        self._public = public
        self.data = (
            {"tokens": {"access_token": "SECRET-ACCESS-TOKEN"}} if kind == "authorized" else {}
        )

    def public(self) -> dict[str, Any]:
        return dict(self._public)


CODE = {
    "user_code": "BDWP-HQPK",
    "verification_uri": "https://example.com/device",
    "verification_uri_complete": "https://example.com/device?user_code=BDWP-HQPK",
    "expires_in": 600,
    "interval": 5,
    "message": None,
}


class FakeSession:
    """A session whose login() plays a script of events, then waits or ends."""

    device_name = "Test TV"

    def __init__(
        self,
        script: list[FakeEvent] | None = None,
        *,
        signed_in: bool = False,
        hold: bool = True,
        user: dict[str, Any] | None = None,
        login_raises: BaseException | None = None,
    ) -> None:
        self.script = script if script is not None else [FakeEvent("code", **CODE)]
        self._signed_in = signed_in
        self.hold = hold  # after the script, wait for cancel instead of returning
        self.user = user or {"name": "Grace Hopper", "email": "grace@example.com"}
        self.login_raises = login_raises
        self.logins = 0
        self.logouts = 0
        self.cancelled = threading.Event()

    def signed_in(self) -> bool:
        return self._signed_in

    def login(self, on_event: Callable[[Any], None], cancel: threading.Event) -> Any:
        self.logins += 1
        if self.login_raises is not None:
            raise self.login_raises
        last: Any = None
        for ev in self.script:
            on_event(ev)
            last = ev
        if self.hold:
            cancel.wait(30)
            self.cancelled.set()
            return FakeEvent("cancelled")  # what Session.login returns when cancelled
        return last

    def userinfo(self) -> dict[str, Any]:
        return dict(self.user)

    def logout(self) -> bool:
        self.logouts += 1
        self._signed_in = False
        return True
