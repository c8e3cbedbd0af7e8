"""Fixtures of the token store tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from device_app.engine.token_store import TokenStore


@pytest.fixture
def store_dir(tmp_path: Path) -> Path:
    return tmp_path / "state" / "device-app"


@pytest.fixture
def store(store_dir: Path) -> TokenStore:
    return TokenStore(store_dir)
