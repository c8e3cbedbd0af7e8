"""Drive the real ``device-app`` command line against glewlwyd, as a user's shell would.

The event reader and process wrappers are the django-oauth-toolkit suite's
(``tests/dot/device_app_cli.py``); only the flags differ.
"""

from pathlib import Path

from dot.device_app_cli import Finished, LoginRun, run_command

from .server import Glewlwyd

PROVIDER = "glewlwyd"


def provider_flags(server: Glewlwyd, store: Path, plugin: str = "oidc") -> list[str]:
    return [
        "--provider",
        PROVIDER,
        "--issuer",
        server.issuer(plugin),
        "--client-id",
        server.client_id,
        "--token-store",
        str(store),
    ]


def start_login(server: Glewlwyd, store: Path, plugin: str = "oidc", *extra: str) -> LoginRun:
    """``device-app login --json`` running in the background; read its events as they come."""
    return LoginRun.launch(["login", "--json", *provider_flags(server, store, plugin), *extra])


def cli(server: Glewlwyd, store: Path, *args: str, plugin: str = "oidc") -> Finished:
    """``device-app COMMAND [ARGS] <provider flags>``; never a traceback."""
    done = run_command([args[0], *args[1:], *provider_flags(server, store, plugin)])
    assert "Traceback" not in done.stderr, done.describe()
    return done
