"""Remembers when each device code was polled, so a test can check the client's timing.

Kept in memory: the IdP is one process, and the log only has to live as long as it.
"""
# mypy: disable-error-code="import-untyped, untyped-decorator, misc"

import threading
import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
TOKEN_PATH = "/o/token/"

_lock = threading.Lock()
_polls: dict[str, list[float]] = {}


def polls_of(device_code: str) -> list[float]:
    """Wall-clock times (epoch seconds) of the token requests carrying ``device_code``."""
    with _lock:
        return list(_polls.get(device_code, ()))


class PollLogMiddleware:
    """Notes the arrival time of every device-code token request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST" and request.path == TOKEN_PATH:
            arrived = time.time()
            # Read the raw body first: Django caches it, so request.POST here and DOT's
            # own parsing later both work (reading POST first would forbid .body).
            _ = request.body
            if request.POST.get("grant_type") == DEVICE_CODE_GRANT:
                with _lock:
                    _polls.setdefault(request.POST.get("device_code", ""), []).append(arrived)
        return self.get_response(request)
