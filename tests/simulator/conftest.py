"""Fixtures: real simulators on 127.0.0.1 with a temporary database each."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from device_app_simulator.server import SimulatorConfig, SimulatorServer, start_server

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
SCOPE = "openid profile email offline_access"

# Client credentials each dialect's demo uses (Google insists on the secret when polling).
CREDENTIALS: dict[str, dict[str, str]] = {
    "google": {"client_id": "tv-confidential", "client_secret": "demo-secret"},
}
PUBLIC = {"client_id": "tv-demo"}

StartFn = Callable[..., SimulatorServer]


@pytest.fixture
def start(tmp_path: Path) -> Iterator[StartFn]:
    """``start(dialect, **config)`` → a running server, stopped after the test."""
    servers: list[SimulatorServer] = []

    def _start(dialect: str = "standard", **kw: Any) -> SimulatorServer:
        kw.setdefault("db_path", tmp_path / f"{dialect}.sqlite3")
        kw.setdefault("interval", 0)
        kw.setdefault("host", "127.0.0.1")
        srv = start_server(SimulatorConfig(dialect=dialect, port=0, **kw))
        servers.append(srv)
        return srv

    yield _start
    for srv in servers:
        srv.stop()


def creds(srv: SimulatorServer) -> dict[str, str]:
    return dict(CREDENTIALS.get(srv.dialect, PUBLIC))


def device_authorize(srv: SimulatorServer, scope: str = SCOPE, **extra: str) -> dict[str, Any]:
    data = {"client_id": creds(srv)["client_id"], "scope": scope, **extra}
    resp = requests.post(
        srv.endpoints["device_authorization"] or "",
        data=data,
        headers={"Accept": "application/json"},
        timeout=5,
    )
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


def poll(
    srv: SimulatorServer, device_code: str, accept_json: bool = True, **override: str
) -> requests.Response:
    data = {"grant_type": DEVICE_GRANT, "device_code": device_code, **creds(srv), **override}
    headers = {"Accept": "application/json"} if accept_json else {}
    return requests.post(srv.endpoints["token"] or "", data=data, headers=headers, timeout=5)


def verification_url(body: dict[str, Any]) -> str:
    url = (
        body.get("verification_uri_complete")
        or body.get("verification_uri")
        or body.get("verification_url")
    )
    assert isinstance(url, str)
    return url
