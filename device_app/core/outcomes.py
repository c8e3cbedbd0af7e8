"""How a sign-in ends, and why it failed: the one vocabulary every layer uses.

An outcome is at once the input that ends the flow's transition table (states.py), the final
state it leads to, and the kind of the flow's final event (events.py). A failed sign-in also
carries a *category*, because each kind of failure asks a person for something different.

Who reads them: the engine turns an exception into an outcome (``engine/errors.py``,
``outcome_of``); the command line gives each an exit code (``cli/exitcodes.py``,
``FOR_OUTCOME``); the TV shows a screen or a sentence for each (``ui/screens.py``); the
firmware prints them. Adding an outcome or a category starts here.
"""

AUTHORIZED = "authorized"  # tokens arrived
DENIED = "denied"  # the user declined on their phone (RFC 8628 §3.5 access_denied)
EXPIRED = "expired"  # the code ran out before anyone approved it (§3.5 expired_token)
CANCELLED = "cancelled"  # the device gave up: Back, Ctrl-C, shutting down
# Anything else; ``category`` says what. Called "error" in event lines and scripts match on
# that name, so it stays.
FAILED = "error"

FINAL = (AUTHORIZED, DENIED, EXPIRED, FAILED, CANCELLED)

# Categories of a FAILED outcome.
CONFIGURATION = "configuration"  # settings, profile or client registration are wrong
PROTOCOL = "protocol"  # the server's answer was unusable, or an error with no better class
BAD_CODE = "bad_code"  # the server no longer knows the device code
NETWORK = "network"  # no usable answer: unreachable, timed out, TLS refused
REAUTH = "reauth"  # the device holds no usable grant: it must be authorized again
SETTINGS = "settings"  # this device's own settings are missing or wrong: nothing was sent yet

CATEGORIES = (CONFIGURATION, PROTOCOL, BAD_CODE, NETWORK, REAUTH, SETTINGS)


def category(name):
    """``name`` if it is a known category, else PROTOCOL (what an unknown failure counts as)."""
    return name if name in CATEGORIES else PROTOCOL


def key(kind, data=None):
    """The outcome of a final event as one word: its kind, or a failure's category."""
    if kind == FAILED:
        return category((data or {}).get("category"))
    return kind
