"""The engine's own exception, and what any exception means as an outcome of a sign-in.

The tree of exceptions is drawn at the top of ``device_app/core/errors.py``. Every front end
(the session, the command line, the TV app, the demo) asks :func:`outcome_of` what an
exception stands for, so that the same failure is told the same way everywhere.
"""

from __future__ import annotations

from device_app.core import errors, outcomes
from device_app.core.events import Event


class ReauthRequired(errors.DeviceAppError):
    """The device holds no usable grant: it must be authorized again (a new code)."""

    def __init__(self, message: str) -> None:
        errors.DeviceAppError.__init__(self, message)


def outcome_of(exc: BaseException) -> Event | None:
    """The final event an exception stands for, or None when it is a bug (no outcome).

    Failures carry ``category`` (outcomes.CATEGORIES), ``error`` (a short name) and
    ``description`` (the exception's one sentence); Ctrl-C is a cancelled sign-in.
    """
    if isinstance(exc, KeyboardInterrupt):
        return Event(outcomes.CANCELLED)
    if isinstance(exc, ReauthRequired):
        return _failed(outcomes.REAUTH, "reauth", exc)
    if isinstance(exc, errors.TransportError):
        return _failed(outcomes.NETWORK, exc.reason, exc)
    if isinstance(exc, errors.ConfigurationError):
        return _failed(outcomes.CONFIGURATION, "configuration", exc)
    if isinstance(exc, errors.OAuthError):
        category = exc.category
        if category != outcomes.CONFIGURATION and category != outcomes.BAD_CODE:
            category = outcomes.PROTOCOL
        return _failed(category, exc.error, exc)
    if isinstance(exc, errors.ProtocolError):
        return _failed(outcomes.PROTOCOL, "", exc)
    return None


def _failed(category: str, error: str, exc: BaseException) -> Event:
    return Event(outcomes.FAILED, {"category": category, "error": error, "description": str(exc)})
