"""Starting and stopping a simulator in-process: ``start_server(SimulatorConfig(...))``."""

from __future__ import annotations

import ipaddress
import logging
import ssl
import threading
from collections.abc import Mapping
from types import TracebackType
from typing import Any

from werkzeug.security import generate_password_hash

from .app import create_app, new_secret
from .config import SimulatorConfig
from .context import SimContext
from .demo_data import CLIENTS, USERS
from .dialects import get_dialect
from .faults import FaultBoard
from .faultwsgi import FaultMiddleware, SimWSGIServer
from .lan import pick_lan_address
from .store import Store, StoreError

__all__ = ["SimulatorConfig", "SimulatorServer", "StartError", "start_server"]

log = logging.getLogger("simulator")

# The demo passwords are printed on the sign-in page; hashing only keeps plaintext out of
# the database file, so a cheap work factor keeps fresh test databases fast.
DEMO_HASH_METHOD = "pbkdf2:sha256:2000"


class StartError(RuntimeError):
    """The simulator cannot start; the message says what to change."""


def _url_host(host: str) -> str:
    try:
        if ipaddress.ip_address(host).version == 6:
            return f"[{host}]"
    except ValueError:
        pass
    return host


def seed_demo_data(store: Store) -> None:
    """Create the demo clients and users on first start (existing rows are kept)."""
    for client in CLIENTS:
        if store.get_client(client["client_id"]) is None:
            store.upsert_client(client)
    for user in USERS:
        if not store.has_user(user["username"]):
            store.upsert_user(
                user, generate_password_hash(user["username"], method=DEMO_HASH_METHOD)
            )


class SimulatorServer:
    """A running simulator: URLs, fault switching and ``stop()`` (also a context manager)."""

    def __init__(self, ctx: SimContext, httpd: SimWSGIServer, bind_host: str) -> None:
        self.ctx = ctx
        self.config = ctx.config
        self.store = ctx.store
        self.bind_host = bind_host
        self._httpd = httpd
        self._thread = threading.Thread(
            # A short poll interval makes stop() quick (tests start dozens of servers).
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"simulator-{ctx.dialect.name}",
            daemon=True,
        )
        self._stopped = False
        self._thread.start()

    @property
    def port(self) -> int:
        return int(self._httpd.port)

    @property
    def base_url(self) -> str:
        return self.ctx.base_url

    @property
    def issuer(self) -> str:
        return self.ctx.issuer

    @property
    def dialect(self) -> str:
        return self.ctx.dialect.name

    @property
    def endpoints(self) -> dict[str, str | None]:
        return self.ctx.endpoints

    @property
    def faults(self) -> dict[str, Any]:
        return self.ctx.faults.snapshot()

    def set_faults(self, faults: Mapping[str, Any]) -> dict[str, Any]:
        """Replace the fault set (raises FaultError with a clear message if invalid)."""
        return self.ctx.faults.replace(faults)

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)
        self.ctx.store.close()

    def __enter__(self) -> SimulatorServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def start_server(config: SimulatorConfig) -> SimulatorServer:
    """Open the database, bind the socket and serve in a background thread."""
    # Authlib logs issued tokens at DEBUG ("Issue token ..."): keep it above that level.
    logging.getLogger("authlib").setLevel(logging.INFO)
    dialect = get_dialect(config.dialect)
    bind_host = config.host
    public_host = config.public_host
    if config.lan:
        lan = pick_lan_address()
        if lan is None:
            raise StartError("no LAN address found on this machine; use --host ADDRESS")
        bind_host = lan
        log.warning(
            "LAN mode: the simulator on %s is reachable by every machine on the network", lan
        )
    public_host = public_host or bind_host
    tls = _tls_context(config)
    try:
        store = Store(config.resolved_db_path())
    except StoreError as exc:
        raise StartError(str(exc)) from exc
    seed_demo_data(store)
    ctx = SimContext(
        config=config, dialect=dialect, store=store, faults=FaultBoard(config.faults or {})
    )
    if bind_host not in ("0.0.0.0", "::"):  # noqa: S104 - only compared, never bound here
        ctx.local_addresses.add(bind_host)
    app = create_app(ctx, store.meta("flask_secret", new_secret))
    try:
        httpd = SimWSGIServer(bind_host, config.port, FaultMiddleware(app, ctx), ctx, tls)
    except OSError as exc:
        store.close()
        if config.port and "in use" in str(exc).lower():
            raise StartError(
                f"port {config.port} is already in use; pick another with "
                "--port, or 0 for any free port"
            ) from exc
        raise StartError(
            f"cannot listen on {bind_host}:{config.port}: {exc.strerror or exc}"
        ) from exc
    scheme = "https" if tls is not None else "http"
    ctx.base_url = f"{scheme}://{_url_host(public_host)}:{httpd.port}"
    return SimulatorServer(ctx, httpd, bind_host)


def _tls_context(config: SimulatorConfig) -> ssl.SSLContext | None:
    """The server side of https, when the configuration names a certificate and key."""
    if config.tls_cert is None or config.tls_key is None:
        return None
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    try:
        context.load_cert_chain(config.tls_cert, config.tls_key)
    except (OSError, ssl.SSLError) as exc:
        reason = getattr(exc, "strerror", None) or exc.__class__.__name__
        raise StartError(
            f"cannot load the TLS certificate {config.tls_cert} and key {config.tls_key} "
            f"({reason}); give PEM files of a certificate chain and its private key"
        ) from exc
    return context
