# Types for library users; events.py has no annotations (it also runs on MicroPython).
from typing import Any

CODE: str
PENDING: str
SLOW_DOWN: str
RETRYING: str
AUTHORIZED: str
DENIED: str
EXPIRED: str
FAILED: str
CANCELLED: str
TERMINAL: tuple[str, ...]

class Event:
    kind: str
    data: dict[str, Any]
    def __init__(self, kind: str, data: dict[str, Any] | None = None) -> None: ...
    @property
    def terminal(self) -> bool: ...
    def public(self) -> dict[str, Any]: ...
    def __eq__(self, other: object) -> bool: ...
