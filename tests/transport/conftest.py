"""Fixtures shared by the transport and discovery tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from .servers import CertFactory, Script, ScriptedServer

ServerFactory = Callable[..., ScriptedServer]


@pytest.fixture
def serve() -> Iterator[ServerFactory]:
    """Start scripted loopback servers; all are stopped (and their errors raised) at the end."""
    started: list[ScriptedServer] = []

    def start(script: Script, **kw: object) -> ScriptedServer:
        server = ScriptedServer(script, **kw)  # type: ignore[arg-type]
        started.append(server)
        return server

    yield start
    for server in started:
        server.close()


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> CertFactory:
    folder: Path = tmp_path_factory.mktemp("certs")
    return CertFactory(folder)
