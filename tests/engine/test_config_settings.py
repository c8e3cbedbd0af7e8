"""Settings are a record that holds the client secret: no text made from them shows it."""

from __future__ import annotations

import argparse

import pytest

from device_app.engine.config import SECRET_ENV, Settings
from device_app.engine.flags import add_provider_arguments, settings_from_args

SECRET = "cs-SECRET-9f2a"  # a test value, looked for in the output


def settings(monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv(SECRET_ENV, SECRET)
    parser = argparse.ArgumentParser()
    add_provider_arguments(parser)
    args = parser.parse_args(["--issuer", "https://auth.example.test", "--client-id", "tv"])
    return settings_from_args(args)


def test_the_client_secret_never_shows_in_the_settings_text(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    s = settings(monkeypatch)
    assert s.client_secret == SECRET  # it is there, for the token requests
    for shown in (repr(s), str(s), "%r" % (s,), f"{s}", repr([s]), repr({"s": s})):
        assert SECRET not in shown, shown
        assert "client_id='tv'" in shown and "client_secret='<hidden>'" in shown


def test_no_secret_is_shown_as_none(monkeypatch: pytest.MonkeyPatch) -> None:
    s = settings(monkeypatch)._replace(client_secret=None)
    assert "client_secret=None" in repr(s)
