"""The command-line front end: the `device-app` command and its terminal view."""

from __future__ import annotations

import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``device-app`` console script."""
    args = sys.argv[1:] if argv is None else list(argv)
    from device_app.cli.command_name import command_named
    from device_app.tv import helper_process

    if command_named(args) == "run":
        # The TV: its start-up helper starts before the rest of the CLI loads (~30 ms of
        # imports on the development machine), so that it has loaded the network side by
        # the time the display is up (tv/startup_helper.py).
        helper_process.start_early()
    try:
        from device_app.cli.commands import main as run_command

        return run_command(args)
    finally:
        helper_process.drop_early()  # one that no run took (a usage error, --help)


__all__ = ["main"]
