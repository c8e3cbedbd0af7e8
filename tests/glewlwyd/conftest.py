"""Fixtures: one real glewlwyd per test session, a fresh account per test, a token store."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from dot.device_app_cli import logins  # noqa: F401 - the DOT suite's fixture

from .server import Glewlwyd, PhoneUser, Unavailable, fetch, running_glewlwyd


@pytest.fixture(scope="session")
def glewlwyd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Glewlwyd]:
    """glewlwyd 2.7 from Debian's package, on 127.0.0.1 and a free port.

    Skips (saying why) where the package cannot be fetched: no apt-get, or no package
    lists and not root to update them. tests/glewlwyd/fetch.sh does the fetching.
    """
    try:
        root = fetch()
    except Unavailable as e:
        pytest.skip(str(e))
    with running_glewlwyd(tmp_path_factory.mktemp("glewlwyd"), root, dpop=True) as server:
        yield server


@pytest.fixture
def phone_user(glewlwyd: Glewlwyd) -> PhoneUser:
    """A new glewlwyd account with its phone; not yet signed in."""
    return glewlwyd.new_user()


@pytest.fixture
def token_store(tmp_path: Path) -> Path:
    """An empty folder for device-app's token store."""
    return tmp_path / "tokens"
