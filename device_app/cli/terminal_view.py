"""What the terminal front end prints for each flow event (``device-app login``, the demo)."""

from __future__ import annotations

import sys
from typing import Any

from device_app.core import events as ev
from device_app.core.events import Event


def say(text: str = "") -> None:
    """Print a line at once (the flow runs for minutes; nothing may sit in a buffer)."""
    print(text, flush=True)


class TerminalView:
    """What ``login`` prints in a terminal."""

    def __init__(self, interactive: bool, qr: bool, browser: bool) -> None:
        self.interactive = interactive
        self.qr = qr
        self.browser = browser
        self.code: dict[str, Any] | None = None

    def show(self, event: Event) -> None:
        p = event.public()
        if event.kind == ev.CODE:
            self.code = p
            target = p["verification_uri_complete"] or p["verification_uri"]
            say()
            say("To sign in, use a phone or computer to open:")
            say("    %s" % p["verification_uri"])
            say("and enter the code:")
            say()
            say("    %s" % p["user_code"])
            say()
            if self.qr:
                from device_app.cli.termqr import render_terminal

                say("Or scan this QR code:")
                say(render_terminal(target, colour=sys.stdout.isatty()))
                say()
            if p.get("message"):
                say("The server says: %s" % p["message"])
            minutes = max(1, int(p["expires_in"]) // 60)
            say("The code is valid for about %d minute%s." % (minutes, "" if minutes == 1 else "s"))
            if self.browser:
                say("Press Enter to open the page in this computer's browser.")
            say("Waiting for approval…")
        elif event.kind == ev.SLOW_DOWN:
            say("The server asked to poll more slowly (every %s s)." % p["interval"])
        elif event.kind == ev.RETRYING:
            say("Network trouble (%s); trying again in %.0f s…" % (p["reason"], p["delay"]))
        elif event.kind == ev.AUTHORIZED:
            say("Signed in.")
        elif event.kind == ev.DENIED:
            say("The sign-in was declined.")
        elif event.kind == ev.EXPIRED:
            say("The code expired before it was approved.")
        elif event.kind == ev.FAILED:
            say("Sign-in failed: %s" % (p["description"] or p["error"]))
        # CANCELLED: the person who cancelled knows; nothing to add.

    def open_browser(self) -> None:
        if self.code is None:
            return
        target = self.code["verification_uri_complete"] or self.code["verification_uri"]
        import webbrowser  # only when asked to open a browser: 18 ms of imports

        webbrowser.open(target)
        say("Opened %s in the browser." % target)
