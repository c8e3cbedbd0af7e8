"""Which command a command line names, told before the command line is parsed.

The entry point asks it before it loads the rest of the CLI (``run`` starts the TV's
start-up helper first, tv/startup_helper.py), and ``commands.main`` to build the parser of
that command alone.
"""

from __future__ import annotations

from collections.abc import Sequence

# What may come before the command for the parser to be built for that command alone;
# anything else (--help, --version, an abbreviation, "--", "-", "-1") gets the whole parser.
FLAGS_BEFORE_COMMAND = frozenset({"-v", "--verbose", "--debug"})


def command_named(argv: Sequence[str]) -> str | None:
    """The command ``argv`` names after nothing but plain global flags, else None."""
    for arg in argv:
        if arg not in FLAGS_BEFORE_COMMAND:
            return None if arg.startswith("-") else arg
    return None
