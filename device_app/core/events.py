"""Events the flow emits, and the public (printable) view of each.

An event's ``data`` may hold secrets (the token set of ``authorized``); ``public()`` never does.
The final kinds are the outcomes (outcomes.py).
"""

# The final kinds are the outcomes; re-exported so that every kind can be read from here.
from device_app.core.outcomes import AUTHORIZED as AUTHORIZED
from device_app.core.outcomes import CANCELLED as CANCELLED
from device_app.core.outcomes import DENIED as DENIED
from device_app.core.outcomes import EXPIRED as EXPIRED
from device_app.core.outcomes import FAILED as FAILED
from device_app.core.outcomes import FINAL

CODE = "code"
PENDING = "pending"
SLOW_DOWN = "slow_down"
RETRYING = "retrying"

TERMINAL = FINAL

# Fields of ``data`` that may be printed, logged or shown, per kind.
_PUBLIC = {
    CODE: (
        "user_code",
        "verification_uri",
        "verification_uri_complete",
        "expires_in",
        "interval",
        "message",
    ),
    PENDING: ("interval",),
    SLOW_DOWN: ("interval",),
    RETRYING: ("reason", "delay", "attempt"),
    AUTHORIZED: ("token_type", "scope", "expires_in"),
    DENIED: ("error", "description"),
    EXPIRED: ("reason",),
    FAILED: ("category", "error", "description"),
    CANCELLED: (),
}


class Event:
    """Something that happened in the flow: ``kind`` plus a dict of details."""

    __slots__ = ("data", "kind")

    def __init__(self, kind, data=None):
        self.kind = kind
        self.data = data if data is not None else {}

    @property
    def terminal(self):
        return self.kind in TERMINAL

    def public(self):
        """A dict safe to print, log or show: ``{"event": kind, ...}`` without secrets."""
        out = {"event": self.kind}
        for name in _PUBLIC.get(self.kind, ()):
            out[name] = self.data.get(name)
        return out

    def __repr__(self):
        return "Event(%s)" % self.kind

    def __eq__(self, other):
        return isinstance(other, Event) and self.kind == other.kind and self.data == other.data
