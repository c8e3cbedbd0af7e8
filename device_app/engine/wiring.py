"""Building a :class:`Session` from command-line arguments (shared by the CLI and the TV app)."""

from __future__ import annotations

import argparse
import socket
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from device_app.core.errors import ConfigurationError
from device_app.core.http import Request, Response
from device_app.core.profile import Profile
from device_app.engine.accounts import AccountBook
from device_app.engine.config import Settings, resolve_profile
from device_app.engine.flags import settings_from_args, with_flag_hints
from device_app.engine.household import Household
from device_app.engine.locations import discovery_cache_dir
from device_app.engine.session import Session
from device_app.engine.token_store import TokenStore

if TYPE_CHECKING:
    from device_app.engine.transport import HttpTransport


class TransportOnFirstUse:
    """The :class:`~device_app.engine.transport.HttpTransport`, made on the first request.

    Importing it brings in ``http.client`` and the transport's own modules: on a TV that then
    happens in the worker thread, while the first frame is already up. A ``ca_bundle`` is
    checked at once, so that a bad file is refused before anything else.

    While ``stand_in`` is set, requests go to it instead (the TV's start-up helper process,
    device_app.tv.startup_helper); while ``discover_stand_in`` is, discovery goes to it
    (engine/discovery.py's ``discover``, same arguments) when a session needs its profile.
    """

    def __init__(self, ca_bundle: str | None = None, tls_expected: bool = True) -> None:
        self.ca_bundle = ca_bundle
        self.tls_expected = tls_expected  # False when every server named is plain http
        self._lock = threading.Lock()
        self._made: HttpTransport | None = None
        self.stand_in: Callable[[Request], Response] | None = None
        self.discover_stand_in: Callable[..., dict[str, Any]] | None = None
        if ca_bundle is not None:
            from device_app.engine.trust import check_ca_bundle  # ssl only when needed

            check_ca_bundle(ca_bundle)

    def made(self) -> HttpTransport:
        """The transport itself (made now if it was not yet)."""
        with self._lock:
            if self._made is None:
                from device_app.engine.transport import HttpTransport

                self._made = HttpTransport(ca_bundle=self.ca_bundle)
            return self._made

    def warm(self) -> None:
        """Make the transport now, and its TLS context when a server speaks https: the
        slowest part of a first request, done before one is needed."""
        made = self.made()
        if self.tls_expected:
            made.warm_tls()

    def __call__(self, request: Request) -> Response:
        stand_in = self.stand_in
        if stand_in is not None:
            return stand_in(request)
        return self.made()(request)


def tls_expected(settings: Settings) -> bool:
    """Whether a server of these settings may speak https (a provider's preset always does)."""
    urls = [u for u in (settings.issuer, *settings.endpoints.values()) if u]
    return not urls or any(not u.startswith("http://") for u in urls)


def make_household(
    args: argparse.Namespace, default_store: str | None = None, device_name: str | None = None
) -> Household:
    """Validate the provider flags and wire transport, account stores and sessions together.

    ``default_store`` and ``device_name`` come from the board on a TV (the host name otherwise).
    Nothing touches the network here: discovery runs when a session first needs the profile.
    The active account is the one ``--account`` names, else the one used last.
    """
    settings = settings_from_args(args, default_store=default_store)
    transport = TransportOnFirstUse(settings.ca_bundle, tls_expected(settings))
    book = AccountBook(Path(settings.token_store).expanduser(), settings.store_profile)
    cache_dir = discovery_cache_dir()
    resolved: list[Profile] = []

    def profile() -> Profile:
        if not resolved:  # one discovery for all accounts
            try:
                discover = transport.discover_stand_in
                resolved.append(resolve_profile(settings, transport, cache_dir, discover))
            except ConfigurationError as e:  # the core names settings; here they are flags
                raise ConfigurationError(with_flag_hints(str(e))) from None
        return resolved[0]

    name = device_name or socket.gethostname()

    def make(store: TokenStore) -> Session:
        return Session(profile, store, transport, device_name=name)

    household = Household(book, make, device_name=name)
    wanted = getattr(args, "account", None)
    if wanted:
        household.active = book.resolve(wanted).store
    return household


def make_session(
    args: argparse.Namespace, default_store: str | None = None, device_name: str | None = None
) -> Session:
    """The session of the account ``--account`` names, else of the one used last."""
    return make_household(args, default_store, device_name).session()
