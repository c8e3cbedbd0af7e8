"""Fixtures: simulators on 127.0.0.1 (one database each), the phone, the server's log."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from device_app_simulator.server import SimulatorConfig, SimulatorServer, start_server

from .harness import INTERVAL, Phone, ServerLog

# Long enough that no approval in these tests races the code's expiry; tests about expiry
# pass their own short value.
EXPIRES_IN = 60

SimFactory = Callable[..., SimulatorServer]


@pytest.fixture
def sim(tmp_path: Path) -> Iterator[SimFactory]:
    """``sim(dialect, **config)``: a running simulator, stopped after the test."""
    servers: list[SimulatorServer] = []

    def start(dialect: str = "standard", **config: Any) -> SimulatorServer:
        config.setdefault("interval", int(INTERVAL))
        config.setdefault("expires_in", EXPIRES_IN)
        config.setdefault("db_path", tmp_path / f"sim-{dialect}-{len(servers)}.sqlite3")
        srv = start_server(SimulatorConfig(dialect=dialect, host="127.0.0.1", port=0, **config))
        servers.append(srv)
        return srv

    yield start
    for srv in servers:
        srv.stop()


@pytest.fixture
def phone(sim: SimFactory) -> Iterator[Phone]:
    """The person with the phone (set up after, so finished before, the simulators)."""
    person = Phone()
    yield person
    person.join(timeout=15)  # the test itself asserts on what the phone saw


@pytest.fixture
def server_log() -> Iterator[ServerLog]:
    """Collects the simulator's request log (``simulator.http`` at INFO) during the test."""
    logger = logging.getLogger("simulator.http")
    handler = ServerLog()
    level = logger.level
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(level)
