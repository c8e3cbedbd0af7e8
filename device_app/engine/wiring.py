"""Building a :class:`Session` from command-line arguments (shared by the CLI and the TV app)."""

from __future__ import annotations

import argparse
import socket
from pathlib import Path

from device_app.core.errors import ConfigurationError
from device_app.core.profile import Profile
from device_app.engine.config import resolve_profile
from device_app.engine.flags import settings_from_args, with_flag_hints
from device_app.engine.locations import discovery_cache_dir
from device_app.engine.session import Session
from device_app.engine.token_store import TokenStore
from device_app.engine.transport import HttpTransport


def make_session(
    args: argparse.Namespace, default_store: str | None = None, device_name: str | None = None
) -> Session:
    """Validate the provider flags and wire transport, store and session together.

    ``default_store`` and ``device_name`` come from the board on a TV (the host name otherwise).
    Nothing touches the network here: discovery runs when the session first needs the profile.
    """
    settings = settings_from_args(args, default_store=default_store)
    transport = HttpTransport(ca_bundle=settings.ca_bundle)
    store_dir = Path(settings.token_store).expanduser()
    store = TokenStore(store_dir, settings.store_profile)
    cache_dir = discovery_cache_dir()

    def profile() -> Profile:
        try:
            return resolve_profile(settings, transport, cache_dir)
        except ConfigurationError as e:  # the core names settings; here they are flags
            raise ConfigurationError(with_flag_hints(str(e))) from None

    name = device_name or socket.gethostname()
    return Session(profile, store, transport, device_name=name)
