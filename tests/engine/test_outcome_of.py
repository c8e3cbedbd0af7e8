"""One mapping from exception to outcome, one table from outcome to exit code."""

from __future__ import annotations

import pytest

from device_app.cli import exitcodes
from device_app.core import outcomes
from device_app.core.errors import (
    ConfigurationError,
    DeviceAppError,
    OAuthError,
    ProtocolError,
    TransportError,
    UsageError,
)
from device_app.core.events import Event
from device_app.engine.errors import ReauthRequired, outcome_of
from device_app.engine.private_files import LockTimeout, UnsafeLocationError
from device_app.engine.token_store import TokenStoreError
from device_app.hardware.boards import BoardError
from device_app.hardware.display import DisplayError
from device_app.hardware.input.keymap import KeymapError
from device_app.hardware.input.scripted import ScriptError
from device_app.ui.themes import ThemeError


def test_every_outcome_and_category_has_an_exit_code() -> None:
    for key in [o for o in outcomes.FINAL if o != outcomes.FAILED] + list(outcomes.CATEGORIES):
        assert key in exitcodes.FOR_OUTCOME, key
    assert exitcodes.for_outcome(None) == exitcodes.INTERNAL
    assert exitcodes.for_outcome(Event(outcomes.FAILED, {"category": "weird"})) == (
        exitcodes.PROTOCOL
    )


@pytest.mark.parametrize(
    ("exc", "category", "code"),
    [
        (TransportError("down", reason="connect"), "network", exitcodes.NETWORK),
        (ConfigurationError("bad"), "configuration", exitcodes.CONFIGURATION),
        (TokenStoreError("no folder"), "configuration", exitcodes.CONFIGURATION),
        (BoardError("bad board"), "configuration", exitcodes.CONFIGURATION),
        (OAuthError("invalid_client"), "configuration", exitcodes.CONFIGURATION),
        (OAuthError("invalid_grant"), "bad_code", exitcodes.PROTOCOL),
        (OAuthError("weird"), "protocol", exitcodes.PROTOCOL),
        (ProtocolError("junk"), "protocol", exitcodes.PROTOCOL),
        (ReauthRequired("again"), "reauth", exitcodes.NOT_SIGNED_IN),
    ],
)
def test_outcome_of(exc: BaseException, category: str, code: int) -> None:
    final = outcome_of(exc)
    assert final is not None and final.kind == outcomes.FAILED
    assert final.data["category"] == category and final.data["description"] == str(exc)
    assert exitcodes.for_outcome(final) == code


def test_bugs_and_interrupts() -> None:
    for bug in (UsageError("misuse"), DeviceAppError("?"), ValueError("x"), KeyError("k")):
        assert outcome_of(bug) is None
    interrupted = outcome_of(KeyboardInterrupt())
    assert interrupted is not None and interrupted.kind == outcomes.CANCELLED
    assert exitcodes.for_outcome(interrupted) == exitcodes.CANCELLED


def test_every_layer_error_is_in_the_tree() -> None:
    for cls in (BoardError, KeymapError, ThemeError, ScriptError, DisplayError):
        assert issubclass(cls, ConfigurationError)
    for cls in (TokenStoreError, UnsafeLocationError):
        assert issubclass(cls, ConfigurationError)
    assert issubclass(LockTimeout, DeviceAppError) and issubclass(ReauthRequired, DeviceAppError)
    # They were ValueErrors / a RuntimeError before joining the tree, and still are.
    assert issubclass(BoardError, ValueError) and issubclass(DisplayError, RuntimeError)
    assert str(KeymapError("ok", "bad key")) == "bad key"
