"""``python -m device_app_simulator serve``: run the simulator in the foreground."""

from __future__ import annotations

import argparse
import ipaddress
import logging
import signal
import sys
import threading
from collections.abc import Sequence
from typing import NoReturn

from .config import DEFAULT_EXPIRES_IN, DEFAULT_INTERVAL, DEFAULT_TOKEN_TTL, SimulatorConfig
from .dialects import DIALECTS
from .faults import FAULT_SPECS, FaultError, parse_fault_args
from .server import SimulatorServer, StartError, start_server


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        """One line, exit 2 (instead of argparse's usage block)."""
        self.exit(2, f"{self.prog}: {message} (see --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python -m device_app_simulator",
        description="Local OAuth 2.0 device-flow authorization server.",
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    serve = sub.add_parser(
        "serve", help="run the simulator", epilog="faults: " + ", ".join(FAULT_SPECS)
    )
    serve.add_argument("--dialect", default="standard", choices=list(DIALECTS))
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    serve.add_argument(
        "--lan",
        action="store_true",
        help="listen on this machine's LAN address so a phone can connect",
    )
    serve.add_argument("--interval", type=int, default=DEFAULT_INTERVAL)
    serve.add_argument("--expires-in", type=int, default=DEFAULT_EXPIRES_IN)
    serve.add_argument(
        "--token-ttl", type=int, default=DEFAULT_TOKEN_TTL, help="access-token lifetime in seconds"
    )
    serve.add_argument(
        "--db", default=None, help="SQLite file (default under ~/.local/state/device-app-sim/)"
    )
    serve.add_argument("--fault", action="append", default=[], metavar="NAME[=VALUE]")
    serve.add_argument(
        "--dpop",
        default="off",
        choices=["off", "on", "nonce"],
        help="RFC 9449: check DPoP proofs and bind tokens (nonce: also demand a nonce)",
    )
    serve.add_argument(
        "--tls-cert", metavar="PEM", help="serve https with this certificate chain (and --tls-key)"
    )
    serve.add_argument("--tls-key", metavar="PEM", help="the private key of --tls-cert")
    serve.add_argument("--verbose", action="store_true", help="log every request")
    return parser


def describe(srv: SimulatorServer) -> str:
    """The banner: issuer and URLs (never a secret)."""
    lines = [f"Device-flow simulator ({srv.dialect} dialect)", f"  {'issuer':<21} {srv.issuer}"]
    for name, url in srv.endpoints.items():
        lines.append(f"  {name:<21} {url or '(none in this dialect)'}")
    lines.append(f"  {'admin':<21} {srv.base_url}/admin  (this machine only)")
    lines.append(
        f"  {'clients':<21} tv-demo (public), tv-confidential (secret in docs/simulator.md)"
    )
    lines.append(f"  {'users':<21} alice/alice, bob/bob, carol/carol")
    if srv.faults:
        lines.append(f"  {'faults':<21} {srv.faults}")
    return "\n".join(lines)


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        faults = parse_fault_args(args.fault)
        config = SimulatorConfig(
            dialect=args.dialect,
            host=args.host,
            port=args.port,
            interval=args.interval,
            expires_in=args.expires_in,
            token_ttl=args.token_ttl,
            db_path=args.db,
            faults=faults,
            lan=args.lan,
            dpop=args.dpop,
            tls_cert=args.tls_cert,
            tls_key=args.tls_key,
        )
    except (FaultError, ValueError) as exc:
        parser.exit(2, f"{parser.prog}: {exc}\n")
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(name)s %(message)s",
    )
    try:
        srv = start_server(config)
    except StartError as exc:
        print(f"{parser.prog}: {exc}", file=sys.stderr)
        return 1
    if args.lan or not _is_loopback(srv.bind_host):
        print(
            f"WARNING: listening on {srv.bind_host}; anyone on this network can reach "
            "the simulator (demo passwords are public).",
            file=sys.stderr,
        )
    print(describe(srv), flush=True)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        print("stopping", file=sys.stderr)
    finally:
        srv.stop()
    return 0
