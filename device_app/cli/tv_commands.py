"""The ``run`` and ``screenshot`` subcommands of the ``device-app`` command line."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from typing import Any

from device_app.cli.exitcodes import CONFIGURATION as EXIT_CONFIGURATION
from device_app.cli.exitcodes import OK as EXIT_OK
from device_app.cli.exitcodes import USAGE as EXIT_USAGE

log = logging.getLogger(__name__)

EXIT_DISPLAY = EXIT_CONFIGURATION  # no usable display is a configuration problem of the board


def _fail(message: str, code: int) -> int:
    sys.stderr.write("device-app: error: %s\n" % message)
    return code


def _load_board(name: str) -> Any:
    from device_app.hardware.boards import load_board

    return load_board(name)


def cmd_screenshot(args: argparse.Namespace) -> int:
    """Render one screen with sample data to a PNG, off-screen."""
    os.environ["SDL_VIDEODRIVER"] = "dummy"  # never open a window for a screenshot
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
    from device_app.hardware.boards import BoardError
    from device_app.tv.screenshot import SAMPLES, save_screenshot
    from device_app.ui import i18n, themes

    try:
        board = _load_board(args.board)
    except BoardError as e:
        return _fail(str(e), EXIT_CONFIGURATION)
    if args.screen not in SAMPLES:
        return _fail(
            "unknown screen %r (known: %s)" % (args.screen, ", ".join(SAMPLES)), EXIT_USAGE
        )
    language = args.locale or None
    if language is not None:
        language = i18n.find_language(language)
        if not language:
            return _fail(
                "no translation for %r (available: %s)"
                % (args.locale, ", ".join(sorted({"en", *i18n.available_languages()}))),
                EXIT_USAGE,
            )
    import pygame

    try:
        if args.theme:
            themes.load_theme(args.theme)
        path = save_screenshot(board, args.screen, args.out, language, args.theme or None)
    except themes.ThemeError as e:
        return _fail(str(e), EXIT_CONFIGURATION)
    except (OSError, pygame.error) as e:  # missing folder, read-only disk, disk full
        reason = getattr(e, "strerror", None) or str(e)
        return _fail(
            "cannot write %s: %s; give --out a file in a folder you can write" % (args.out, reason),
            EXIT_USAGE,
        )
    sys.stdout.write("%s\n" % path)
    return EXIT_OK


def cmd_run(args: argparse.Namespace) -> int:
    """Run the TV app on a board until the window closes or SIGTERM."""
    from device_app.tv.startup_helper import StartupHelper

    # First, while this process is small: it loads the network side beside the rest.
    helper = StartupHelper.start()
    if helper is not None:
        _configure_helper(helper, args)
    try:
        return _run(args, helper)
    finally:
        if helper is not None:
            helper.release(warm=False)  # when start-up ended early (App releases it otherwise)


def _run(args: argparse.Namespace, helper: Any) -> int:
    import time

    from device_app.hardware.pygame_import import import_pygame

    import_pygame()  # before the board (its keymap names pygame's keys) imports it whole
    from device_app.hardware.boards import BoardError
    from device_app.tv.eventlog import EventLog
    from device_app.ui import themes

    try:
        board = _load_board(args.board)
    except BoardError as e:
        return _fail(str(e), EXIT_CONFIGURATION)
    events = None
    if args.events:
        try:
            events = EventLog(args.events, time.monotonic)
        except OSError as e:
            return _fail(
                "cannot write the event log %s: %s" % (args.events, e.strerror or e),
                EXIT_USAGE,
            )
        events.write({"event": "start", "board": board.name, "pid": os.getpid()})
    session = _session_or_settings_screen(args, board)
    if helper is not None:
        _attach_helper(helper, session)
    from device_app.engine.locations import tv_settings_dir
    from device_app.tv.app import App

    try:
        app = App(
            board,
            session,
            events=events,
            theme=args.theme or None,
            language=args.locale or None,
            settings_dir=tv_settings_dir(),
            startup_helper=helper,
        )
    except themes.ThemeError as e:
        return _fail(str(e), EXIT_CONFIGURATION)
    from device_app.hardware.display import DisplayError

    try:
        return app.run(max_seconds=args.exit_after)
    except DisplayError as e:
        return _fail(str(e), EXIT_DISPLAY)


def _configure_helper(helper: Any, args: argparse.Namespace) -> None:
    """Tell the helper the transport's settings now, from the flags alone, so that it builds
    the TLS context while the board and the screens load. Flags with a mistake tell it
    nothing: building the session reports the mistake, as without a helper."""
    from device_app.core.errors import ConfigurationError
    from device_app.engine.flags import settings_from_args
    from device_app.engine.wiring import tls_expected

    try:
        settings = settings_from_args(args)
    except ConfigurationError:
        return
    helper.configure(settings.ca_bundle, tls_expected(settings))


def _attach_helper(helper: Any, session: Any) -> None:
    """Give the start-up helper the session's transport; without one (the settings screen
    asks nothing of a server) the helper is let go."""
    from device_app.engine.wiring import TransportOnFirstUse

    one = session.session() if callable(getattr(session, "session", None)) else session
    transport = getattr(one, "transport", None)
    if isinstance(transport, TransportOnFirstUse):
        helper.attach(transport)
    else:
        helper.release()


def _session_or_settings_screen(args: argparse.Namespace, board: Any) -> Any:
    """The session; while the settings are wrong, a stand-in that puts them on the screen.

    The service then stays up showing what to edit instead of exiting and being restarted
    in a loop by systemd; the journal gets the same sentence once.
    """
    from device_app.cli.unconfigured import SessionOnceConfigured
    from device_app.core.errors import ConfigurationError
    from device_app.engine.token_store import TokenStoreError
    from device_app.engine.wiring import make_household

    def build() -> Any:
        made = make_household(
            args, default_store=board.token_store or None, device_name=board.device_name
        )
        made.session().store.check_writable()  # before any code: an approval needs somewhere
        # A kiosk keeps one visitor at a time: its plain session, no list of accounts.
        return made.session() if board.kiosk.enabled else made

    try:
        return build()
    except (ConfigurationError, TokenStoreError) as e:
        sys.stderr.write(
            "device-app: error: %s (shown on the screen until fixed; then press OK)\n" % e
        )
        return SessionOnceConfigured(build, str(e), board.device_name)


def register(subparsers: Any) -> None:
    """Add ``run`` and ``screenshot`` to the CLI's subparsers."""
    p = subparsers.add_parser(
        "run",
        help="show the activation screen on a TV / window",
        description="Run the TV app on a board: show the code and QR, wait for approval, "
        "greet the user; until the window closes or SIGTERM.",
    )
    p.add_argument("--board", default="desktop", help="board name or TOML file (default: desktop)")
    p.add_argument(
        "--events",
        metavar="FILE",
        help="append JSON lines with monotonic times: flow events and screens",
    )
    p.add_argument("--theme", help="override the board's theme (dark, light, high-contrast)")
    p.add_argument("--locale", help="override the language (e.g. it, en)")
    p.add_argument(
        "--exit-after",
        type=float,
        metavar="SECONDS",
        help="quit after this many seconds (benchmarks, demos)",
    )
    try:
        from device_app.engine.flags import add_provider_arguments
    except ImportError:  # pragma: no cover - config ships with the package
        pass
    else:
        add_provider_arguments(p)
    p.set_defaults(func=cmd_run)

    p = subparsers.add_parser(
        "screenshot",
        help="render a screen with sample data to a PNG",
        description="Render one screen of the TV app with sample data to a PNG file, off-screen.",
    )
    p.add_argument("--board", default="desktop", help="board name or TOML file")
    p.add_argument(
        "--screen",
        required=True,
        help="one of: starting, activation, reconnecting, expired, denied, error, signed_in, "
        "home, confirm_sign_out, confirm_remove, accounts (Home with several accounts), "
        "accounts_full (at the limit)",
    )
    p.add_argument("--locale", help="language (default: the board's, else the environment)")
    p.add_argument("--theme", help="theme name (default: the board's)")
    p.add_argument("--out", required=True, metavar="FILE.png", help="the PNG file to write")
    p.set_defaults(func=cmd_screenshot)
