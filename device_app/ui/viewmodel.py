"""The view-model: everything a screen shows, as plain data. Pure: no pygame, no clock.

Flow events (their ``public()`` dicts) and userinfo replies are turned into the small
records below by the controller; :func:`build` then makes one :class:`ViewModel` for a
given ``now`` (a monotonic reading the caller passes in). Screens draw only from it.
"""

# No ``from __future__ import annotations``: typing.NamedTuple compiles every string
# annotation when the class is made (issue 14: ~2.5 ms of the TV's start over its modules).

import math
from collections.abc import Mapping
from typing import Any, NamedTuple

from device_app.core import outcomes
from device_app.core.profile import DEFAULT_EXPIRES
from device_app.ui import text
from device_app.ui.i18n import N_

# Screen ids. "reconnecting" is the activation screen while the network is in trouble.
STARTING = "starting"
ACTIVATION = "activation"
RECONNECTING = "reconnecting"
EXPIRED = "expired"
DENIED = "denied"
ERROR = "error"
SIGNED_IN = "signed_in"
HOME = "home"
CONFIRM_SIGN_OUT = "confirm_sign_out"
CONFIRM_REMOVE = "confirm_remove"  # Home's "Remove" asks first (several accounts)
LANGUAGE = "language"  # the language settings: one option per catalogue
SCREENS = (
    STARTING,
    ACTIVATION,
    RECONNECTING,
    EXPIRED,
    DENIED,
    ERROR,
    SIGNED_IN,
    HOME,
    CONFIRM_SIGN_OUT,
    CONFIRM_REMOVE,
    LANGUAGE,
)
CODE_SCREENS = (ACTIVATION, RECONNECTING)

# Why the starting screen is up (it picks the sentence shown).
WHY_CODE = "code"  # asking the server for a first code
WHY_NEW_CODE = "new_code"  # a fresh code after expiry, denial, error or sign-out
WHY_ACCOUNT = "account"  # already signed in: loading the account
WHY_SIGNING_OUT = "signing_out"

# Status line values on the code screens.
STATUS_WAITING = "waiting"
STATUS_RECONNECTING = "reconnecting"

# Error categories: a failed outcome's (device_app/core/outcomes.py).
CATEGORIES = outcomes.CATEGORIES

WARN_SECONDS = 60  # countdown turns amber below a minute (design-notes §5)


class CodeInfo(NamedTuple):
    """A user code on screen; ``expires_at`` is on the caller's monotonic clock."""

    user_code: str
    verification_uri: str
    qr_payload: str
    expires_in: int
    expires_at: float
    message: str = ""


class UserInfo(NamedTuple):
    """Who signed in: a display name and (label msgid, value) details."""

    name: str
    details: tuple[tuple[str, str], ...] = ()


class AccountRow(NamedTuple):
    """One account on Home: its id (the host's store id), name, and whether it must sign in."""

    id: str
    name: str
    needs_sign_in: bool = False


class ErrorInfo(NamedTuple):
    """A failure shown to a person: category, the OAuth error name, the server's words."""

    category: str
    error: str = ""
    description: str = ""


def code_from_public(public: Mapping[str, Any], now: float) -> CodeInfo | None:
    """A :class:`CodeInfo` from a ``code`` event, or None if it has no usable code or URI."""
    code = text.clean_code(public.get("user_code"))
    uri = text.clean(public.get("verification_uri"), text.MAX_URI)
    if not code or not uri:
        return None
    complete = text.clean(public.get("verification_uri_complete"), text.MAX_URI)
    # RFC 8628 §3.3.1: the QR carries verification_uri_complete when there is one.
    payload = complete if complete and text.is_web_uri(complete) else uri
    try:
        expires_in = max(0, int(public.get("expires_in") or 0))
    except (TypeError, ValueError):
        expires_in = 0
    if expires_in <= 0:
        # RFC 8628 §3.2 makes expires_in REQUIRED; the flow never sends a code without one,
        # so this only guards other senders, with the core's default.
        expires_in = int(DEFAULT_EXPIRES)
    return CodeInfo(
        user_code=code,
        verification_uri=uri,
        qr_payload=payload,
        expires_in=expires_in,
        expires_at=now + expires_in,
        message=text.clean(public.get("message"), text.MAX_LINE),
    )


# Userinfo keys shown as details, in order: (key, label msgid). Labels are translated later.
DETAIL_KEYS: tuple[tuple[str, str], ...] = (
    ("email", N_("E-mail")),
    ("preferred_username", N_("Username")),
    ("login", N_("Username")),  # GitHub's /user
    ("company", N_("Organisation")),
    ("sub", N_("Account ID")),
)


def user_from_userinfo(info: Mapping[str, Any]) -> UserInfo:
    """Display name (``name``, else ``preferred_username``, else GitHub's ``login``) and details."""
    name = ""
    for key in ("name", "preferred_username", "login"):
        name = text.clean(info.get(key), text.MAX_FIELD)
        if name:
            break
    details: list[tuple[str, str]] = []
    seen_labels: set[str] = set()
    for key, label in DETAIL_KEYS:
        value = text.clean(info.get(key), text.MAX_FIELD)
        if value and label not in seen_labels and value != name:
            details.append((label, value))
            seen_labels.add(label)
    return UserInfo(name=name, details=tuple(details[:4]))


def error_from_public(public: Mapping[str, Any]) -> ErrorInfo:
    """An :class:`ErrorInfo` from an ``error`` event; unknown categories count as protocol."""
    return ErrorInfo(
        category=outcomes.category(public.get("category")),
        error=text.clean(public.get("error"), 60),
        description=text.clean(public.get("description"), text.MAX_LINE),
    )


def seconds_until(deadline: float | None, now: float) -> int | None:
    """Whole seconds left before ``deadline``, rounded up; never negative."""
    if deadline is None:
        return None
    return max(0, math.ceil(deadline - now - 1e-9))


def next_tick(deadline: float | None, now: float) -> float | None:
    """When ``seconds_until(deadline)`` next changes value, or None once it reached 0."""
    if deadline is None or deadline <= now:
        return None
    left = deadline - now
    step = left - (math.ceil(left - 1e-9) - 1)
    return now + step


class ScreenState:
    """What the controller knows; :func:`build` renders it for a moment in time.

    Mutable: the controller changes it in place (a plain class, not a dataclass: see
    docs/ARCHITECTURE.md, "Records").
    """

    __slots__ = (
        "account_limit",
        "accounts",
        "auto_at",
        "auto_what",
        "buttons",
        "cancelled",
        "code",
        "current",
        "denied",
        "disabled",
        "error",
        "focus",
        "retry_at",
        "retry_attempt",
        "row",
        "screen",
        "status",
        "user",
        "why",
    )

    def __init__(
        self,
        screen: str = STARTING,
        why: str = WHY_CODE,
        code: CodeInfo | None = None,
        status: str = STATUS_WAITING,
        retry_at: float | None = None,
        retry_attempt: int = 0,
        error: ErrorInfo | None = None,
        denied: str = "",
        user: UserInfo | None = None,
        buttons: tuple[str, ...] = (),
        focus: int = 0,
        auto_at: float | None = None,
        auto_what: str = "",
        cancelled: bool = False,
        accounts: tuple[AccountRow, ...] = (),
        current: str = "",
        account_limit: int = 0,
        row: int = -1,
        disabled: tuple[str, ...] = (),
    ) -> None:
        self.screen = screen
        self.why = why
        self.code = code
        self.status = status
        self.retry_at = retry_at
        self.retry_attempt = retry_attempt
        self.error = error
        self.denied = denied
        self.user = user
        self.buttons = buttons
        self.focus = focus
        self.auto_at = auto_at  # kiosk or greeting timer deadline
        self.auto_what = auto_what  # what happens at auto_at: "home", "sign_out", "retry"
        self.cancelled = cancelled  # the expired screen after BACK rather than a real expiry
        self.accounts = accounts  # several accounts: Home lists them
        self.current = current  # the id of the current account
        self.account_limit = account_limit  # how many accounts fit (0: accounts are off)
        self.row = row  # the focused account on Home (-1: the focus is on the buttons)
        self.disabled = disabled  # buttons shown but not usable (Add account at the limit)


class ViewModel(NamedTuple):
    """One frame's worth of content, independent of pixels and language."""

    screen: str
    device_name: str
    kiosk: bool = False
    why: str = WHY_CODE
    code: str = ""
    uri: str = ""
    qr: str = ""
    code_lifetime: int = 0
    seconds_left: int | None = None
    status: str = STATUS_WAITING
    retry_in: int | None = None
    error: ErrorInfo | None = None
    denied: str = ""
    cancelled: bool = False
    user: UserInfo | None = None
    buttons: tuple[str, ...] = ()
    focus: int = 0
    auto_in: int | None = None
    auto_what: str = ""
    accounts: tuple[AccountRow, ...] = ()
    current: str = ""
    account_limit: int = 0
    row: int = -1
    disabled: tuple[str, ...] = ()

    @property
    def expiring(self) -> bool:
        """True when the countdown should be amber."""
        return self.seconds_left is not None and self.seconds_left < WARN_SECONDS


def build(state: ScreenState, device_name: str, kiosk: bool, now: float) -> ViewModel:
    """The view-model for ``state`` at monotonic time ``now``."""
    code = state.code
    on_code = state.screen in CODE_SCREENS and code is not None
    return ViewModel(
        screen=state.screen,
        device_name=text.clean(device_name, 40),
        kiosk=kiosk,
        why=state.why,
        code=code.user_code if on_code and code else "",
        uri=code.verification_uri if on_code and code else "",
        qr=code.qr_payload if on_code and code else "",
        code_lifetime=code.expires_in if on_code and code else 0,
        seconds_left=seconds_until(code.expires_at, now) if on_code and code else None,
        status=state.status,
        retry_in=(
            seconds_until(state.retry_at, now) if state.status == STATUS_RECONNECTING else None
        ),
        error=state.error if state.screen == ERROR else None,
        denied=state.denied,
        cancelled=state.cancelled,
        user=state.user,
        buttons=state.buttons,
        focus=state.focus,
        auto_in=seconds_until(state.auto_at, now),
        auto_what=state.auto_what if state.auto_at is not None else "",
        accounts=state.accounts,
        current=state.current,
        account_limit=state.account_limit,
        row=state.row,
        disabled=state.disabled,
    )


def format_clock(seconds: int) -> str:
    """9:42, or 1:02:03 past an hour; digits only, so the width is stable."""
    h, rest = divmod(max(0, seconds), 3600)
    m, s = divmod(rest, 60)
    return "%d:%02d:%02d" % (h, m, s) if h else "%d:%02d" % (m, s)
