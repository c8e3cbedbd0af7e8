"""Off-screen rendering of any screen with sample data (README pictures, tests).

Uses SDL's dummy driver, so it runs on a headless machine. The sample data is made up and
marked as such: example.com addresses, an "Ada Lovelace" account.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from device_app.engine.accounts import MAX_ACCOUNTS
from device_app.ui import controller as ctl
from device_app.ui import i18n, themes
from device_app.ui import viewmodel as vm
from device_app.ui.render import Insets, Renderer

if TYPE_CHECKING:
    import pygame

    from device_app.hardware.boards import Board

SAMPLE_CODE = {
    "user_code": "WDJB-MJHT",  # RFC 8628 §3.2's example code
    "verification_uri": "https://example.com/device",
    "verification_uri_complete": "https://example.com/device?user_code=WDJB-MJHT",
    "expires_in": 900,
    "interval": 5,
    "message": None,
}
SAMPLE_USER = {
    "sub": "248289761001",
    "name": "Ada Lovelace",
    "preferred_username": "ada",
    "email": "ada@example.com",
}
SAMPLE_ACCOUNTS = (
    vm.AccountRow("ada", "Ada Lovelace"),
    vm.AccountRow("grace", "Grace Hopper"),
    vm.AccountRow("alan", "Alan Turing", needs_sign_in=True),
)
SAMPLE_HOUSEHOLD = SAMPLE_ACCOUNTS + tuple(
    vm.AccountRow(name.split()[0].lower(), name)
    for name in (
        "Katherine Johnson",
        "Edsger Dijkstra",
        "Barbara Liskov",
        "Donald Knuth",
        "Margaret Hamilton",
    )
)
# Home with several accounts; and Home when no more fit (Add account shown disabled).
ACCOUNT_SAMPLES = {"accounts": SAMPLE_ACCOUNTS, "accounts_full": SAMPLE_HOUSEHOLD}
SAMPLES = vm.SCREENS + tuple(ACCOUNT_SAMPLES)
SAMPLE_NOW = 1000.0
SAMPLE_ELAPSED = 318.0  # the sample countdown shows 9:42, as in design-notes §5


def sample_controller(
    screen: str,
    board: Board,
    device_name: str | None = None,
    code: dict[str, object] | None = None,
    language: str = i18n.DEFAULT_LANGUAGE,
) -> ctl.Controller:
    """A controller driven, through its public inputs, to ``screen`` with sample data."""
    if screen not in SAMPLES:
        raise ValueError("unknown screen %r (known: %s)" % (screen, ", ".join(SAMPLES)))
    k = board.kiosk
    c = ctl.Controller(
        device_name or board.device_name,
        ctl.KioskSettings(k.enabled, k.sign_out_after, k.renew_expired_code, k.retry_backoff_max),
        # A kiosk has no language screen: the sample shows it as a home TV would.
        i18n.selectable_languages(),
        language,
    )
    if screen == vm.LANGUAGE:
        c.kiosk = ctl.KioskSettings()
    t = SAMPLE_NOW
    if screen in ACCOUNT_SAMPLES or screen == vm.CONFIRM_REMOVE:
        c.on_accounts(ACCOUNT_SAMPLES.get(screen, SAMPLE_ACCOUNTS), "ada", MAX_ACCOUNTS, t)
        c.start(t, signed_in=True)
        c.on_userinfo(c.gen, SAMPLE_USER, t)
        if screen == vm.CONFIRM_REMOVE:
            c.on_action("red", t)
        else:
            c.on_action("down", t)  # the focus on the next account, as while choosing
        return c
    c.start(t, signed_in=False)
    if screen == vm.STARTING:
        return c
    gen = c.gen
    c.on_flow_event(gen, "code", dict(code or SAMPLE_CODE), t)
    if screen == vm.ACTIVATION:
        return c
    if screen == vm.RECONNECTING:
        c.on_flow_event(
            gen, "retrying", {"reason": "connect", "delay": 8, "attempt": 2}, t + SAMPLE_ELAPSED - 3
        )
        return c
    if screen == vm.EXPIRED:
        c.on_flow_event(gen, "expired", {"reason": "deadline"}, t)
        return c
    if screen == vm.DENIED:
        c.on_flow_event(
            gen,
            "denied",
            {"error": "access_denied", "description": "The user denied the request"},
            t,
        )
        return c
    if screen == vm.ERROR:
        c.on_flow_event(
            gen,
            "error",
            {
                "category": "network",
                "error": "connect",
                "description": "Connection refused by example.com",
            },
            t,
        )
        return c
    c.on_flow_event(
        gen, "authorized", {"token_type": "Bearer", "scope": "openid", "expires_in": 3600}, t
    )
    c.on_userinfo(c.gen, SAMPLE_USER, t)
    if screen == vm.SIGNED_IN:
        return c
    c.on_action("home", t)
    if screen == vm.CONFIRM_SIGN_OUT:
        c.on_action("select", t)
    elif screen == vm.LANGUAGE:
        c.on_action("left" if i18n.is_rtl(language) else "right", t)  # to "Language"
        c.on_action("select", t)
    return c


def render_sample(
    surface: pygame.Surface, board: Board, screen: str, language: str, theme: str | None = None
) -> Renderer:
    """Draw ``screen`` with sample data on ``surface``; returns the renderer (its layout)."""
    c = sample_controller(screen, board, language=language)
    r = Renderer(
        surface,
        themes.load_theme(theme or board.theme),
        i18n.translator(language),
        Insets(
            board.safe_area.top, board.safe_area.right, board.safe_area.bottom, board.safe_area.left
        ),
    )
    elapsed = SAMPLE_ELAPSED if screen in vm.CODE_SCREENS else 0.0
    r.render(c.view(SAMPLE_NOW + elapsed))
    return r


def save_screenshot(
    board: Board,
    screen: str,
    out: str | Path,
    language: str | None = None,
    theme: str | None = None,
) -> Path:
    """Render ``screen`` off-screen for ``board`` and save it as PNG; returns the path."""
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
    import pygame

    pygame.font.init()
    # The logical picture (what a viewer sees), not the panel's turned one.
    surface = pygame.Surface((board.width, board.height))
    render_sample(surface, board, screen, language or i18n.choose_language(board.locale), theme)
    path = Path(out)
    pygame.image.save(surface, str(path))
    return path
