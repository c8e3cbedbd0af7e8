"""Fixtures: one real django-oauth-toolkit IdP per test session, and a browser user."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from .browser_user import BrowserUser
from .device_app_cli import logins  # noqa: F401 - a fixture the login tests share
from .idp_process import DotServer, running_idp


@pytest.fixture(scope="session")
def dot_idp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DotServer]:
    """The running test IdP (SQLite in a session temp dir, loopback, free port)."""
    with running_idp(tmp_path_factory.mktemp("dot-idp")) as server:
        yield server


@pytest.fixture(scope="session")
def dot_idp_deep(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DotServer]:
    """A second test IdP with DOT mounted two levels down (``/services/auth/``)."""
    with running_idp(tmp_path_factory.mktemp("dot-idp-deep"), prefix="services/auth/") as server:
        yield server


@pytest.fixture
def browser_user(dot_idp: DotServer) -> Iterator[BrowserUser]:
    """A fresh browser (own cookie jar) for the demo user; not yet signed in."""
    user = BrowserUser(dot_idp.username, dot_idp.password)
    try:
        yield user
    finally:
        user.close()


@pytest.fixture
def token_store(tmp_path: Path) -> Path:
    """An empty folder for device-app's token store."""
    store = tmp_path / "tokens"
    return store
