"""Fault injection: a small schema, validated once, and a thread-safe switchboard.

A fault set is a dict such as ``{"latency": 0.5, "5xx": 2, "retry_after": 3}``. Counted
faults take ``true`` (until cleared) or a positive integer (the next N times).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from typing import Any

# Names of the API endpoints a fault may be limited to with ``only``.
API_ENDPOINTS = ("discovery", "device_authorization", "token", "revocation", "userinfo")

# name -> (kind, help). kinds: "seconds", "count", "number", "flag", "endpoints".
FAULT_SPECS: Mapping[str, tuple[str, str]] = {
    "latency": ("seconds", "delay every API response by SECONDS (0-60)"),
    "refuse": ("count", "reset new connections at once (all, or the next N)"),
    "reset": ("count", "reset the connection in the middle of an API response"),
    "5xx": ("number", "the next N token requests get 503"),
    "retry_after": ("number", "with 5xx: send Retry-After: S"),
    "slow_down_storm": ("number", "the next N device-code polls get slow_down"),
    "lose_token_response": ("count", "issue tokens, then drop the connection unanswered"),
    "malformed": ("count", "answer API calls with a body that is not valid JSON"),
    "oversized": ("count", "answer API calls with a 5 MB body"),
    "captive_portal": ("flag", "answer every API call with an HTML login page, status 200"),
    "never_answer": ("flag", "the simulated user never approves (simulated phone only)"),
    "only": ("endpoints", "limit per-request faults to these endpoints (comma list)"),
}

MAX_LATENCY_S = 60.0  # longer than any sane client timeout; beyond that use never_answer
MAX_NUMBER = 1_000_000


class FaultError(ValueError):
    """A fault set that does not match the schema; the message says what to fix."""


def _as_count(name: str, value: Any) -> bool | int:
    if value is True or value is None:
        return True
    if isinstance(value, bool):
        raise FaultError(f"fault {name!r}: use true or a positive count, not false")
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if isinstance(value, int) and 1 <= value <= MAX_NUMBER:
        return value
    raise FaultError(f"fault {name!r}: expected true or a whole number 1-{MAX_NUMBER}")


def _as_number(name: str, value: Any) -> int:
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_NUMBER:
        return value
    raise FaultError(f"fault {name!r}: expected a whole number 0-{MAX_NUMBER}")


def _as_seconds(name: str, value: Any) -> float:
    try:
        if isinstance(value, bool):
            raise TypeError
        seconds = float(value)
    except (TypeError, ValueError):
        raise FaultError(f"fault {name!r}: expected seconds, e.g. {name}=0.5") from None
    if not 0 <= seconds <= MAX_LATENCY_S:
        raise FaultError(f"fault {name!r}: expected 0-{MAX_LATENCY_S:g} seconds")
    return seconds


def _as_endpoints(value: Any) -> tuple[str, ...]:
    items: Iterable[Any] = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list | tuple) and not isinstance(value, str):
        raise FaultError("fault 'only': expected a comma-separated list of endpoints")
    names = tuple(str(item).strip() for item in items if str(item).strip())
    bad = [n for n in names if n not in API_ENDPOINTS]
    if bad or not names:
        raise FaultError(f"fault 'only': choose from {', '.join(API_ENDPOINTS)}")
    return names


def validate_faults(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Check a fault set against the schema and return it normalised."""
    if not isinstance(raw, Mapping):
        raise FaultError('faults must be a JSON object such as {"latency": 0.5}')
    out: dict[str, Any] = {}
    for name, value in raw.items():
        if name not in FAULT_SPECS:
            raise FaultError(f"unknown fault {name!r}; known: {', '.join(FAULT_SPECS)}")
        kind = FAULT_SPECS[name][0]
        if kind == "flag":
            if value in (False, 0, "false", "0"):
                continue
            if value not in (True, None, 1, "true", "1", ""):
                raise FaultError(f"fault {name!r} is a switch: use true or false")
            out[name] = True
        elif kind == "count":
            if value is False:
                continue
            out[name] = _as_count(name, value)
        elif kind == "number":
            if value is None or value is True:
                raise FaultError(f"fault {name!r} needs a value, e.g. {name}=3")
            number = _as_number(name, value)
            if number:
                out[name] = number
        elif kind == "seconds":
            seconds = _as_seconds(name, value)
            if seconds:
                out[name] = seconds
        else:
            out[name] = _as_endpoints(value)
    if "retry_after" in out and "5xx" not in out:
        raise FaultError("fault 'retry_after' only applies together with 5xx=N")
    return out


def parse_fault_args(args: Iterable[str]) -> dict[str, Any]:
    """Turn CLI ``NAME[=VALUE]`` items into a validated fault set."""
    raw: dict[str, Any] = {}
    for arg in args:
        name, sep, value = arg.partition("=")
        raw[name.strip()] = value.strip() if sep else None
    return validate_faults(raw)


class FaultBoard:
    """The live fault set of one server; counted faults are consumed atomically."""

    def __init__(self, faults: Mapping[str, Any] | None = None) -> None:
        self._lock = threading.Lock()
        self._faults: dict[str, Any] = validate_faults(faults or {})

    def snapshot(self) -> dict[str, Any]:
        """A copy of the current faults (``only`` as a list, JSON-ready)."""
        with self._lock:
            return {k: list(v) if isinstance(v, tuple) else v for k, v in self._faults.items()}

    def replace(self, faults: Mapping[str, Any]) -> dict[str, Any]:
        """Validate and switch to a new fault set; the old one is dropped."""
        clean = validate_faults(faults)
        with self._lock:
            self._faults = clean
        return self.snapshot()

    def get(self, name: str) -> Any:
        with self._lock:
            return self._faults.get(name)

    def applies_to(self, endpoint: str) -> bool:
        """True if per-request faults apply to ``endpoint`` (the ``only`` filter)."""
        with self._lock:
            only = self._faults.get("only")
        return only is None or endpoint in only

    def take(self, name: str) -> bool:
        """Consume one use of a counted fault; True if it fires now."""
        with self._lock:
            value = self._faults.get(name)
            if value is None:
                return False
            if value is True:
                return True
            if value <= 1:
                del self._faults[name]
                if name == "5xx":
                    self._faults.pop("retry_after", None)
            else:
                self._faults[name] = value - 1
            return True
