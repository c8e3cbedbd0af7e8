"""Fixtures shared by the MicroPython tests."""

from __future__ import annotations

import mpy
import pytest


@pytest.fixture(scope="session")
def micropython() -> None:
    """The real MicroPython runtime, installed with ``npm ci`` when missing."""
    try:
        mpy.ensure_installed()
    except mpy.RunnerUnavailable as e:
        pytest.fail(str(e))
