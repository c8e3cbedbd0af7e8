"""Building a :class:`Session` from command-line arguments (shared by the CLI and the TV app)."""

from __future__ import annotations

import argparse
import socket
from pathlib import Path
from typing import TYPE_CHECKING

from device_app.config import resolve_profile, settings_from_args
from device_app.core.profile import Profile
from device_app.session import Session
from device_app.token_store import TokenStore
from device_app.transport import HttpTransport

if TYPE_CHECKING:
    from device_app.boards import Board


def make_session(args: argparse.Namespace, board: Board | None = None) -> Session:
    """Validate the provider flags and wire transport, store and session together.

    Nothing touches the network here: discovery runs when the session first needs the profile.
    """
    settings = settings_from_args(args, default_store=board.token_store if board else None)
    transport = HttpTransport(ca_bundle=settings.ca_bundle)
    store_dir = Path(settings.token_store).expanduser()
    store = TokenStore(store_dir, settings.store_profile)
    cache_dir = store_dir / "discovery"

    def profile() -> Profile:
        return resolve_profile(settings, transport, cache_dir)

    name = board.device_name if board else socket.gethostname()
    return Session(profile, store, transport, device_name=name)
