# Types for library users; http.py has no annotations (it also runs on MicroPython).
from collections.abc import Iterable, Mapping
from typing import Any

class Request:
    method: str
    url: str
    headers: dict[str, str]
    form: dict[str, str] | None
    body: bytes | None
    secret_fields: tuple[str, ...]
    def __init__(
        self,
        method: str,
        url: str,
        headers: dict[str, str] | None = None,
        form: dict[str, str] | None = None,
        body: bytes | None = None,
        secret_fields: Iterable[str] = (),
    ) -> None: ...
    def redacted(self) -> dict[str, Any]: ...

class Response:
    status: int
    headers: dict[str, str]
    body: bytes
    def __init__(
        self, status: int, headers: Mapping[str, str] | None = None, body: bytes | None = b""
    ) -> None: ...
    def header(self, name: str, default: str | None = None) -> str | None: ...
