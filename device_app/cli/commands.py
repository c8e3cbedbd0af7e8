"""The ``device-app`` command line: sign in, inspect, use and drop the device's tokens.

Every failure ends in one line on stderr that says what to fix, and a documented exit code
(device_app/cli/exitcodes.py); a traceback appears only with ``--debug``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import queue
import sys
import threading
import time
from collections.abc import Sequence
from typing import Any

from device_app import __version__
from device_app.cli import exitcodes
from device_app.cli.command_name import command_named
from device_app.cli.terminal_view import TerminalView, say
from device_app.core import events as ev
from device_app.core.errors import DeviceAppError
from device_app.core.events import Event
from device_app.core.providers import PROVIDERS
from device_app.engine.accounts import MAX_ACCOUNTS, SIGNED_IN, AccountError, limit_sentence
from device_app.engine.errors import outcome_of
from device_app.engine.flags import add_provider_arguments
from device_app.engine.logging_setup import redact, setup_logging
from device_app.engine.token_store import TokenStoreError

log = logging.getLogger("device_app.cli")

EPILOG = "exit codes:\n" + "\n".join(
    "  %3d  %s" % (code, text) for code, text in sorted(exitcodes.DESCRIPTIONS.items())
)


def _json_line(event: Event) -> None:
    data: dict[str, Any] = {"event": event.kind, "t": round(time.monotonic(), 3)}
    data.update(event.public())
    print(json.dumps(data), flush=True)


def _browser_available() -> bool:
    """A graphical browser on this machine (a TV without a desktop has none)."""
    if sys.platform in ("darwin", "win32"):
        return True
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        return False
    import webbrowser  # here, not at the top: 18 ms of imports the TV app never needs

    try:
        webbrowser.get()
    except webbrowser.Error:
        return False
    return True


# --------------------------------------------------------------------------- login
def cmd_login(args: argparse.Namespace) -> int:
    from device_app.engine.wiring import make_household

    household = make_household(args)
    if args.add:
        if args.account:
            raise AccountError("give --account NAME (to sign it in again) or --add, not both")
        household.begin_new()  # refused at the limit, before any code is shown
    session = household.session()
    # Before any code is shown: an approval needs somewhere to be kept.
    session.store.check_writable()
    session.profile  # noqa: B018 - discovery now, so a bad issuer is one line, not an event
    interactive = sys.stdin.isatty() and sys.stdout.isatty() and not args.json
    browser = not args.json and not args.no_browser and _browser_available()
    view = TerminalView(interactive, qr=not args.no_qr and not args.json, browser=browser)
    inbox: queue.Queue[tuple[str, Any]] = queue.Queue()
    if interactive:
        threading.Thread(target=_read_enter, args=(inbox,), daemon=True).start()
    while True:
        cancel = threading.Event()

        def work(cancel: threading.Event = cancel) -> None:
            try:
                final = session.login(lambda e: inbox.put(("event", e)), cancel)
            except Exception as e:  # delivered to the main thread, which reports it
                inbox.put(("crash", e))
            else:
                inbox.put(("done", final))

        worker = threading.Thread(target=work, daemon=True)
        worker.start()
        final: Event | None = None
        try:
            while final is None:
                kind, item = inbox.get()
                if kind == "event":
                    if item.kind == ev.AUTHORIZED and session.unsaved:
                        continue  # not signed in after all: reported below
                    _json_line(item) if args.json else view.show(item)
                    if item.kind == ev.CODE and args.browser:
                        view.open_browser()
                elif kind == "enter" and view.browser:
                    view.open_browser()
                elif kind == "crash":
                    raise item
                elif kind == "done":
                    final = item
        except BaseException:  # Ctrl-C, or stdout closed (``| head -1``)
            cancel.set()
            worker.join(timeout=5)
            raise
        if final.kind == ev.AUTHORIZED and session.unsaved:
            raise TokenStoreError(
                "the sign-in was approved but its tokens could not be saved, so it is lost: %s"
                % session.warning
            )
        if session.warning:
            print("device-app: warning: %s" % session.warning, file=sys.stderr)
        if final.kind == ev.EXPIRED and interactive:
            say("Press Enter for a new code, or Ctrl-C to stop.")
            while inbox.get()[0] != "enter":
                pass
            continue
        if final.kind == ev.AUTHORIZED:
            _learn_user(household, greet=not args.json)
        return exitcodes.for_outcome(final)


def _read_enter(inbox: queue.Queue[tuple[str, Any]]) -> None:
    for _line in sys.stdin:
        inbox.put(("enter", None))


def _learn_user(session: Any, greet: bool) -> None:
    """Fetch the user's details (the session records them for ``status``); greet them."""
    try:
        user = session.userinfo()
    except DeviceAppError as e:
        log.info("no user details: %s", e)
        return
    from device_app.core.sanitize import clean_text
    from device_app.engine.session import display_name

    name = display_name(user)
    if name and greet:
        say("Hello, %s!" % clean_text(str(name), 80))


# --------------------------------------------------------------------------- others
def cmd_status(args: argparse.Namespace) -> int:
    from device_app.engine.wiring import make_session

    status = make_session(args).status()
    if args.json:
        print(json.dumps(status), flush=True)
    elif status["signed_in"]:
        from device_app.engine.session import display_name

        who = display_name(status["user"])
        say("Signed in%s." % (" as %s" % who if who else ""))
        if status["expires_in"] is not None:
            say("Access token: expires in %d s." % status["expires_in"])
        say("Refresh token: %s." % ("yes" if status["has_refresh_token"] else "no"))
        bound = "bound to this device's key (DPoP)" if status["dpop_bound"] else "bearer"
        say("Tokens: %s." % bound)
        if status["scope"]:
            say("Scope: %s" % status["scope"])
    else:
        say(
            "Not signed in.%s"
            % (" A code is waiting for approval." if status["pending_code"] else "")
        )
    if status["warning"]:
        print("device-app: warning: %s" % status["warning"], file=sys.stderr)
    return exitcodes.OK if status["signed_in"] else exitcodes.NOT_SIGNED_IN


def cmd_token(args: argparse.Namespace) -> int:
    from device_app.engine.wiring import make_session

    token = make_session(args).access_token(min_ttl=args.min_ttl)
    print(token, flush=True)
    return exitcodes.OK


def cmd_call(args: argparse.Namespace) -> int:
    from device_app.engine.wiring import make_session

    response = make_session(args).call(args.url, method=args.method)
    body = response.body.decode("utf-8", "replace")
    from device_app.core.sanitize import clean_text

    # The body is the API's, printed for scripts; strip what could drive the terminal.
    text = "\n".join(clean_text(line, 100_000) or "" for line in body.splitlines())
    print(text, flush=True)
    if response.status >= 400:
        print("device-app: the API answered HTTP %d" % response.status, file=sys.stderr)
        return exitcodes.PROTOCOL
    return exitcodes.OK


def cmd_logout(args: argparse.Namespace) -> int:
    from device_app.engine.wiring import make_household

    revoked = make_household(args).logout()
    say(
        "Signed out%s."
        % ("; the server revoked the tokens" if revoked else " locally (the server was not told)")
    )
    return exitcodes.OK


def cmd_accounts(args: argparse.Namespace) -> int:
    from device_app.engine.wiring import make_household

    listing = make_household(args).book.describe()
    if args.json:
        print(json.dumps({"accounts": listing, "limit": MAX_ACCOUNTS}), flush=True)
        return exitcodes.OK
    if not listing:
        say("No account is signed in on this device (device-app login signs one in).")
    for item in listing:
        state = "" if item["state"] == SIGNED_IN else "  (signed out from the web: log in again)"
        say(
            "%s %d. %s%s"
            % ("*" if item["current"] else " ", item["number"], item["name"] or "?", state)
        )
    if len(listing) >= MAX_ACCOUNTS:
        say("At the limit: %s." % limit_sentence())
    return exitcodes.OK


def cmd_providers(args: argparse.Namespace) -> int:
    for name in sorted(PROVIDERS):
        data = PROVIDERS[name]
        say("%-22s %s" % (name, data["title"]))
        if data.get("notes"):
            say("%-22s   %s" % ("", data["notes"]))
    return exitcodes.OK


# --------------------------------------------------------------------------- parser
def _add_global_flags(parser: argparse.ArgumentParser, default: Any) -> None:
    """``-v`` and ``--debug``, before the command or after it (as ``gh`` allows)."""
    parser.add_argument(
        "-v", "--verbose", action="store_true", default=default, help="log what happens"
    )
    parser.add_argument(
        "--debug",
        action="store_true",
        default=default,
        help="log everything (secrets redacted) and show tracebacks",
    )


def _add_command(sub: Any, name: str, summary: str, description: str) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = sub.add_parser(name, help=summary, description=description)
    return parser


def _add_account_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--account",
        metavar="NAME",
        help="the account to use, by name or number (device-app accounts lists them; "
        "default: the one used last)",
    )


def _add_login(sub: Any) -> None:
    p = _add_command(
        sub,
        "login",
        "get a code, show it, wait for approval, store the tokens",
        "Ask the server for a code, show it (with a QR code) and wait until someone approves "
        "it on a phone or computer; then store the tokens.",
    )
    add_provider_arguments(p)
    p.add_argument(
        "--json", action="store_true", help="one JSON object per line for every event and error"
    )
    p.add_argument("--no-qr", action="store_true", help="do not draw a QR code")
    p.add_argument(
        "--browser", action="store_true", help="open the page in this computer's browser"
    )
    p.add_argument("--no-browser", action="store_true", help="never offer to open a browser")
    p.add_argument(
        "--add",
        action="store_true",
        help="sign in one more account; the accounts already signed in stay signed in",
    )
    _add_account_flag(p)
    p.set_defaults(func=cmd_login)


def _add_status(sub: Any) -> None:
    p = _add_command(
        sub,
        "status",
        "is the device signed in, and as whom",
        "Say whether the device is signed in, as whom, and when its access token expires. "
        "Reads only the token store: nothing is sent to the server.",
    )
    add_provider_arguments(p)
    p.add_argument("--json", action="store_true", help="print the status as one JSON object")
    _add_account_flag(p)
    p.set_defaults(func=cmd_status)


def _add_token(sub: Any) -> None:
    p = _add_command(
        sub,
        "token",
        "print a valid access token (refreshing it when needed)",
        "Print a valid access token on stdout, refreshing it first when it is about to expire.",
    )
    add_provider_arguments(p)
    p.add_argument(
        "--min-ttl",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="refresh first if the token expires within this many seconds",
    )
    _add_account_flag(p)
    p.set_defaults(func=cmd_token)


def _add_call(sub: Any) -> None:
    p = _add_command(
        sub,
        "call",
        "call an API URL with the access token, print the answer",
        "Call an API with the access token and print its answer; on a 401 the token is "
        "refreshed once and the call retried.",
    )
    add_provider_arguments(p)
    p.add_argument("url", help="the API URL to call (https, or http to an allowed host)")
    p.add_argument("--method", default="GET", choices=("GET", "POST", "DELETE"), help="HTTP method")
    _add_account_flag(p)
    p.set_defaults(func=cmd_call)


def _add_logout(sub: Any) -> None:
    p = _add_command(
        sub,
        "logout",
        "revoke the tokens at the server and forget them",
        "Revoke the tokens at the server (when it offers revocation) and delete them here.",
    )
    add_provider_arguments(p)
    _add_account_flag(p)
    p.set_defaults(func=cmd_logout)


def _add_accounts(sub: Any) -> None:
    p = _add_command(
        sub,
        "accounts",
        "list the accounts signed in on this device",
        "List the accounts signed in on this device (at most %d), the current one marked with *; "
        "give --account NAME to another command to use one of them." % MAX_ACCOUNTS,
    )
    add_provider_arguments(p)
    p.add_argument("--json", action="store_true", help="print the list as one JSON object")
    p.set_defaults(func=cmd_accounts)


def _add_providers(sub: Any) -> None:
    p = _add_command(
        sub,
        "providers",
        "list the shipped provider profiles",
        "List the provider profiles that ship with device-app, with notes on each.",
    )
    p.set_defaults(func=cmd_providers)


# This module's commands, in the order ``device-app --help`` lists them.
_OWN_COMMANDS = (
    ("login", _add_login),
    ("status", _add_status),
    ("token", _add_token),
    ("call", _add_call),
    ("logout", _add_logout),
    ("accounts", _add_accounts),
    ("providers", _add_providers),
)


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The whole command line; with ``command``, the top level and that command's parser
    alone, all that a run naming it parses (~2 ms less of the TV's start, issue 14)."""
    parser = argparse.ArgumentParser(
        prog="device-app",
        description="Sign a TV or other keyboard-less device in with the OAuth 2.0 device flow.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version="device-app %s" % __version__)
    _add_global_flags(parser, False)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, add in _OWN_COMMANDS:
        if command in (None, name):
            add(sub)

    for module in ("device_app.cli.tv_commands", "device_app.cli.board_commands"):
        try:
            mod = __import__(module, fromlist=["register"])
        except ImportError as e:  # a part not installed (e.g. pygame missing)
            log.debug("commands of %s unavailable: %s", module, e)
            continue
        mod.register(sub)
    if command is not None and command not in sub.choices:
        return build_parser()  # not a command after all: argparse says so, listing them all
    for name, command_parser in sub.choices.items():
        if command in (None, name):  # SUPPRESS: absent keeps the global value
            _add_global_flags(command_parser, argparse.SUPPRESS)
    return parser


def _exit_for(error: BaseException) -> int:
    return exitcodes.for_outcome(outcome_of(error))


def _report(args: argparse.Namespace, message: str, outcome: Event | None) -> None:
    """One line on stderr; with ``--json`` also the outcome as an event on stdout.

    ``outcome`` is what :func:`outcome_of` made of the exception; None (a bug) is told as a
    failure of category ``internal``, so that a script reading the events still sees the end.
    """
    print("device-app: %s" % message, file=sys.stderr)
    if getattr(args, "json", False):
        if outcome is None:
            outcome = Event(ev.FAILED, {"category": "internal", "error": ""})
        data = dict(outcome.data)
        if outcome.kind == ev.FAILED:
            data["error"] = data.get("error") or data["category"]
            text = message[len("error: ") :] if message.startswith("error: ") else message
            data["description"] = text
        _json_line(Event(outcome.kind, data))


def _stdout_gone() -> int:
    """The reader of our stdout went away (``| head -1``): stop quietly, as C tools do."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # the flush at exit must not fail again
        os.close(devnull)
    except (OSError, ValueError):
        pass
    return exitcodes.BROKEN_PIPE


def main(argv: Sequence[str] | None = None) -> int:
    """The ``device-app`` command line: parse ``argv`` and run its command (the console
    script's entry point, ``device_app.cli.main``, comes here once it has started what
    ``run`` starts first)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    command = command_named(argv)
    if command != "run":
        return _main(argv, command)
    # The TV app: no garbage collection on the way to its first screens (tv/start_gc.py).
    from device_app.tv import start_gc

    start_gc.hold()
    try:
        return _main(argv, command)
    finally:
        start_gc.release()


def _main(argv: list[str], command: str | None) -> int:
    parser = build_parser(command)
    args = parser.parse_args(argv)
    level = logging.DEBUG if args.debug else logging.INFO if args.verbose else logging.WARNING
    setup_logging(level)
    if not getattr(args, "func", None):
        parser.print_usage(sys.stderr)
        print("device-app: error: give a command (device-app --help lists them)", file=sys.stderr)
        return exitcodes.USAGE
    try:
        try:
            return int(args.func(args))
        except KeyboardInterrupt:
            _report(args, "interrupted", Event(ev.CANCELLED))
            return exitcodes.CANCELLED
        except BrokenPipeError:
            raise
        except Exception as e:
            return _report_failure(args, e)
    except BrokenPipeError:
        return _stdout_gone()


def _on_a_terminal() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def _report_failure(args: argparse.Namespace, e: Exception) -> int:
    code = _exit_for(e)
    if code == exitcodes.INTERNAL and not _on_a_terminal():
        # Under systemd nobody can rerun with --debug: the journal keeps what a fix needs
        # (redacted like every line), while a person at a terminal gets the one sentence.
        log.error("internal error; details follow", exc_info=True)
    elif code == exitcodes.INTERNAL or args.debug:
        log.debug("details", exc_info=True)
    if isinstance(e, (DeviceAppError, ValueError)) and code != exitcodes.INTERNAL:
        message = str(e)
    else:
        message = "internal error (%s: %s); run with --debug for details" % (
            type(e).__name__,
            e,
        )
    _report(args, "error: %s" % redact(message), outcome_of(e))
    return code


if __name__ == "__main__":
    sys.exit(main())
