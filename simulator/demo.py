"""The one-command demo: a local authorization server, the TV app, and a simulated phone.

    python -m device_app_simulator.demo [--dialect auth0] [--approve-after 5] [--deny] [--no-phone]
                             [--terminal | --window] [--lan] [--user bob]

What happens: the simulator starts on loopback; the device asks it for a code and shows it
(in a TV-shaped window on the desktop board, or in the terminal where there is no display);
after a few seconds the simulated phone opens the real verification page over HTTP, signs in
as a demo user and approves; the device receives its tokens, calls the API (userinfo) and
greets the user by name.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from device_app.cli import exitcodes
from device_app.cli.terminal_view import TerminalView, say
from device_app.core import events as ev
from device_app.core.errors import DeviceAppError
from device_app.core.events import Event
from device_app.core.profile import Profile, build_profile
from device_app.engine.errors import outcome_of
from device_app.engine.logging_setup import setup_logging
from device_app.engine.session import Session, display_name
from device_app.engine.token_store import TokenStore
from device_app.engine.transport import HttpTransport

from .config import SimulatorConfig
from .dialects import DIALECTS
from .server import SimulatorServer, StartError, start_server

# Which shipped provider profile speaks each dialect, and which of the profile's real-world
# absolute endpoints must point at the simulator instead.
PROFILE_FOR = {
    "standard": ("standard", ()),
    "auth0": ("auth0", ()),
    "google": ("google", ("device_authorization", "token", "revocation", "userinfo")),
    "microsoft": ("microsoft", ("device_authorization", "token", "userinfo")),
    "github": ("github", ("userinfo",)),
    "keycloak": ("keycloak", ()),
    "okta": ("okta", ()),
}
CONFIDENTIAL = ("tv-confidential", "demo-secret")  # the google dialect wants a client secret


def demo_profile(srv: SimulatorServer, insecure_hosts: tuple[str, ...] = ()) -> Profile:
    """The device's profile for this simulator, as a developer would configure it."""
    name, absolute = PROFILE_FOR[srv.config.dialect]
    client_id, secret = ("tv-demo", None)
    if srv.config.dialect == "google":
        client_id, secret = CONFIDENTIAL
    overrides = {"%s_endpoint" % ep: srv.endpoints[ep] for ep in absolute if srv.endpoints.get(ep)}
    issuer = srv.issuer if name != "github" else srv.base_url
    # Discovery is left out here on purpose: the demo must show the code at once, and the
    # profiles' endpoint templates match the simulator's paths. The e2e tests cover discovery.
    profile: Profile = build_profile(
        name,
        client_id,
        issuer=issuer,
        overrides=overrides,
        client_secret=secret,
        # The demo clients are registered for these scopes in every dialect.
        scope="openid profile email offline_access",
        insecure_hosts=insecure_hosts,
    )
    return profile


class Phone:
    """Approves (or denies) the code on screen after a while, through the real web page."""

    def __init__(self, delay: float, decision: str, user: str, say: Callable[[str], None]) -> None:
        self.delay = delay
        self.decision = decision
        self.user = user
        self.say = say
        self.cancel = threading.Event()

    def saw(self, event: Event) -> None:
        if event.kind != ev.CODE:
            return
        p = event.public()
        uri = p["verification_uri_complete"] or p["verification_uri"]
        threading.Thread(target=self._act, args=(uri, p["user_code"]), daemon=True).start()

    def _act(self, uri: str, user_code: str) -> None:
        from .phone import PhoneError, approve

        if self.cancel.wait(self.delay):
            return
        self.say("[simulated phone] opening %s and signing in as %s…" % (uri, self.user))
        try:
            result = approve(
                uri, user_code, username=self.user, password=self.user, decision=self.decision
            )
        except (PhoneError, OSError) as e:
            self.say("[simulated phone] could not finish: %s" % e)
            return
        self.say("[simulated phone] %s: %s" % (result.outcome, result.title))


def _has_display() -> bool:
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def run_terminal(session: Session, phone: Phone | None) -> int:
    """The terminal front end: the same session, printed instead of drawn."""
    view = TerminalView(interactive=False, qr=True, browser=False)

    def on_event(event: Event) -> None:
        view.show(event)
        if phone:
            phone.saw(event)

    final = session.login(on_event)
    if final.kind != ev.AUTHORIZED:
        return exitcodes.for_outcome(final)
    try:
        user = session.userinfo()
    except DeviceAppError as e:
        say("Signed in, but the API call failed: %s" % e)
        return exitcodes.for_outcome(outcome_of(e))
    from device_app.core.sanitize import clean_text

    name = display_name(user) or "there"
    say()
    say(
        "Hello, %s!  (data fetched from the API, %s)"
        % (clean_text(str(name), 80), session.profile.userinfo_endpoint)
    )
    for key in sorted(user):
        if key not in ("name",) and isinstance(user[key], (str, int)):
            say("    %-20s %s" % (key, clean_text(str(user[key]), 80)))
    return exitcodes.OK


class ObservedSession:
    """The session, with every flow event also shown to an observer (the simulated phone)."""

    def __init__(self, session: Session, observer: Callable[[Event], None]) -> None:
        self._session = session
        self._observer = observer

    def __getattr__(self, name: str) -> object:
        return getattr(self._session, name)

    def login(self, on_event: Callable[[Event], None], cancel: threading.Event) -> Event:
        def both(event: Event) -> None:
            on_event(event)
            self._observer(event)

        return self._session.login(both, cancel)


class NoWindow(Exception):
    """No window can be shown here; the message says why."""


def run_window(session: Session, phone: Phone | None, board_name: str) -> int:
    """The TV app in a window on the desktop board, the keyboard as the remote.

    Raises :class:`NoWindow` when no window can be shown (no display: SDL would fall back
    to drawing off-screen, and the demo would wait for a window nobody can close).
    """
    try:
        from device_app.hardware.boards import OFFSCREEN_DRIVERS, BoardError, load_board
        from device_app.hardware.display import DisplayError, open_display
        from device_app.tv.app import App
    except ImportError as e:
        raise NoWindow(str(e)) from None
    try:
        board = load_board(board_name)
        display = open_display(board)
    except (BoardError, DisplayError) as e:
        raise NoWindow(str(e)) from None
    if display.driver in OFFSCREEN_DRIVERS:
        display.close()
        raise NoWindow("no desktop display could be opened (DISPLAY and WAYLAND_DISPLAY)")
    say("The TV window is open: arrow keys and Enter are the remote, Escape is Back.")
    say("Close the window to end the demo.")
    observed: Any = ObservedSession(session, phone.saw) if phone else session
    return App(board, observed, display=display).run()


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m device_app_simulator.demo",
        description="Watch the whole device flow: local server, TV app, simulated phone.",
    )
    p.add_argument("--dialect", default="standard", choices=sorted(DIALECTS))
    p.add_argument(
        "--approve-after",
        type=float,
        default=6.0,
        metavar="SECONDS",
        help="when the simulated phone acts (default 6)",
    )
    p.add_argument("--deny", action="store_true", help="the simulated phone declines instead")
    p.add_argument(
        "--no-phone",
        action="store_true",
        help="no simulated phone: approve yourself in a browser or on your phone",
    )
    p.add_argument("--user", default="alice", choices=("alice", "bob", "carol"))
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--terminal", action="store_true", help="no window, even with a display")
    mode.add_argument("--window", action="store_true", help="a window, or fail")
    p.add_argument("--board", default="desktop", help="board for the window (default desktop)")
    p.add_argument(
        "--lan",
        action="store_true",
        help="listen on the LAN address so a real phone can scan the QR code",
    )
    p.add_argument("--port", type=int, default=0, help="server port (default: any free one)")
    p.add_argument("--interval", type=int, default=2, help="polling interval the server asks for")
    p.add_argument("-v", "--verbose", action="store_true")
    return p


def main(argv: list[str] | None = None) -> int:
    """Run the demo; Ctrl-C ends it with one line and the usual exit code 130."""
    try:
        return _demo(build_parser().parse_args(argv))
    except KeyboardInterrupt:
        print("demo: interrupted", file=sys.stderr)
        return exitcodes.CANCELLED


def _demo(args: argparse.Namespace) -> int:
    setup_logging(20 if args.verbose else 30)
    tmp = Path(tempfile.mkdtemp(prefix="device-app-demo-"))
    try:
        srv = start_server(
            SimulatorConfig(
                dialect=args.dialect,
                host="127.0.0.1",
                port=args.port,
                interval=args.interval,
                expires_in=600,
                db_path=tmp / "simulator.db",
                lan=args.lan,
            )
        )
    except (StartError, ValueError, OSError) as e:
        print("demo: cannot start the authorization server: %s" % e, file=sys.stderr)
        return exitcodes.CONFIGURATION
    with srv:
        say("Authorization server (%s dialect): %s" % (args.dialect, srv.issuer))
        say("Its admin page (devices, faults):  %s/admin" % srv.base_url)
        insecure = (srv.bind_host,) if args.lan else ()
        session = Session(
            demo_profile(srv, insecure),
            TokenStore(tmp / "tokens", "demo"),
            HttpTransport(),
            device_name="Demo TV",
        )
        phone = None
        if not args.no_phone:
            phone = Phone(args.approve_after, "deny" if args.deny else "approve", args.user, say)
            say(
                "A simulated phone will %s the code %g s after it appears (--no-phone to do it "
                "yourself)." % ("deny" if args.deny else "approve", args.approve_after)
            )
        use_window = args.window or (not args.terminal and _has_display())
        if use_window:
            try:
                return run_window(session, phone, args.board)
            except NoWindow as e:
                if args.window:
                    print(
                        "demo: --window needs a display, and none could be used: %s; "
                        "run without --window to watch the demo in the terminal" % e,
                        file=sys.stderr,
                    )
                    return exitcodes.CONFIGURATION
        if not args.terminal:
            say("No display found: running the demo in the terminal instead of a TV window.")
        t0 = time.monotonic()
        code = run_terminal(session, phone)
        if phone:
            phone.cancel.set()
        say("(demo finished in %.1f s)" % (time.monotonic() - t0))
        return code


if __name__ == "__main__":
    sys.exit(main())
