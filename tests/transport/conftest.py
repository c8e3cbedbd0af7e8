"""Fixtures shared by the transport and discovery tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from .servers import CertFactory, ForwardProxy, Script, ScriptedServer

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


@pytest.fixture
def forward_proxy() -> Iterator[Callable[..., ForwardProxy]]:
    """Start forwarding proxies on loopback; all are stopped (errors raised) at the end."""
    started: list[ForwardProxy] = []

    def start(**kw: bool) -> ForwardProxy:
        proxy = ForwardProxy(**kw)
        started.append(proxy)
        return proxy

    yield start
    for proxy in started:
        proxy.close()


@pytest.fixture
def proxy_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """A monkeypatch with every proxy variable unset, for a test to set its own."""
    for name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy", "REQUEST_METHOD"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    return monkeypatch
