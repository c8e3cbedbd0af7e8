"""The command line's exit codes: each outcome a script may want to tell apart."""

from __future__ import annotations

from device_app.core import outcomes
from device_app.core.events import Event

OK = 0  # authorized / done
INTERNAL = 1  # a bug in device-app (reported in one line; details at --debug)
USAGE = 2  # bad flags (argparse's own code)
CONFIGURATION = 3  # provider settings, board or profile file wrong; the server refused the client
DENIED = 4  # the user declined on their phone
EXPIRED = 5  # the code expired before anyone approved it
PROTOCOL = 6  # the server broke the protocol, or refused the code (bad code, unknown error)
NETWORK = 7  # the server could not be reached (or its certificate did not verify)
NOT_SIGNED_IN = 8  # no tokens, or the device must be authorized again
CANCELLED = 130  # Ctrl-C
BROKEN_PIPE = 141  # stdout closed early (``| head``): 128 + SIGPIPE, as a shell shows for C tools

DESCRIPTIONS = {
    OK: "success (login: the device is authorized)",
    INTERNAL: "unexpected internal error",
    USAGE: "bad command-line usage (also: an output file given that cannot be written)",
    CONFIGURATION: "configuration error (provider, client, endpoints, board or profile file)",
    DENIED: "the user declined the sign-in",
    EXPIRED: "the code expired before it was approved",
    PROTOCOL: "protocol error: the server's answer was unusable or refused the code",
    NETWORK: "network failure: server unreachable, timed out, or TLS verification failed",
    NOT_SIGNED_IN: "not signed in, or the device must be authorized again",
    CANCELLED: "interrupted",
    BROKEN_PIPE: "the program reading the output stopped early (e.g. | head)",
}

# Each outcome (for a failure: its category, see outcomes.key) -> exit code.
FOR_OUTCOME = {
    outcomes.AUTHORIZED: OK,
    outcomes.DENIED: DENIED,
    outcomes.EXPIRED: EXPIRED,
    outcomes.CANCELLED: CANCELLED,
    outcomes.CONFIGURATION: CONFIGURATION,
    outcomes.PROTOCOL: PROTOCOL,
    outcomes.BAD_CODE: PROTOCOL,
    outcomes.NETWORK: NETWORK,
    outcomes.REAUTH: NOT_SIGNED_IN,
    outcomes.SETTINGS: CONFIGURATION,
}


def for_outcome(final: Event | None) -> int:
    """The exit code of a final event; None (an exception that is a bug) is INTERNAL."""
    if final is None:
        return INTERNAL
    return FOR_OUTCOME[outcomes.key(final.kind, final.data)]
