"""What every test gets: a discovery cache of its own.

The app keeps each issuer's metadata for a day under ``$XDG_CACHE_HOME``. The test servers
listen on ports the system picks, so an issuer such as ``http://127.0.0.1:35561`` comes back
for another server later in the run, or in a later run on the same machine: a shared cache
hands that server the first one's endpoints (seen: a django-oauth-toolkit login sent to the
simulator's ``/device_authorization``, and a 404). Tests about the cache's own location set
or remove the variable themselves.
"""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _own_cache_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache-home")))
