"""The command-line front end: the `device-app` command and its terminal view."""

from device_app.cli.commands import main

__all__ = ["main"]
