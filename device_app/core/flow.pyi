# Types for library users; flow.py has no annotations (it also runs on MicroPython).
from collections.abc import Callable
from typing import Any

from device_app.core.errors import TransportError
from device_app.core.events import Event
from device_app.core.http import Request, Response
from device_app.core.profile import Profile

SLOW_DOWN_STEP: float
CODE_ATTEMPTS: int
SNAPSHOT_VERSION: int
UNAVAILABLE: tuple[int, ...]

class DeviceFlow:
    profile: Profile
    rand: Callable[[], float]
    state: str
    device_code: str | None
    user_code: str | None
    verification_uri: str | None
    verification_uri_complete: str | None
    message: str | None
    expires_in: float | None
    interval: float
    deadline: float
    next_due: float
    failures: int
    polls: int
    tokens: dict[str, Any] | None
    result: Event | None
    def __init__(self, profile: Profile, rand: Callable[[], float] | None = None) -> None: ...
    @property
    def done(self) -> bool: ...
    def start(self, now: float) -> Request: ...
    def next_request(self, now: float) -> Request | None: ...
    def wake_at(self) -> float | None: ...
    def check(self, now: float) -> list[Event]: ...
    def cancel(self) -> list[Event]: ...
    def receive(self, response: Response, now: float) -> list[Event]: ...
    def fail(self, now: float, error: TransportError) -> list[Event]: ...
    def code_event(self, now: float) -> Event: ...
    def snapshot(self, now: float, wall_now: float) -> dict[str, Any] | None: ...
    @classmethod
    def resume(
        cls,
        profile: Profile,
        snap: dict[str, Any],
        now: float,
        wall_now: float,
        rand: Callable[[], float] | None = None,
    ) -> DeviceFlow | None: ...
