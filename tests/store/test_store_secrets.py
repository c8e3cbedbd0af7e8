"""Secrets never reach a log line or an error message; log lines name files and generations."""

from __future__ import annotations

import errno
import logging
import os

import pytest

from device_app.engine.token_store import TokenStore, TokenStoreError

from .helpers import CANARY_AT, CANARY_RT, make_doc, write_raw


def test_no_secret_in_any_log_line_or_message(
    store: TokenStore, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    caplog.set_level(logging.DEBUG)
    messages: list[str] = []
    store.save(make_doc(1))
    store.save(make_doc(2))
    # A damaged record that still contains the secrets in clear: quarantine must not echo it.
    damaged = store.path.read_bytes().replace(b"Bearer", b"bearer")
    write_raw(store.path, damaged)
    assert store.load() == make_doc(1)
    assert store.warning is not None
    messages.append(store.warning)
    write_raw(store.path, damaged)
    write_raw(store.directory / "default.json.prev", damaged)
    assert store.load() is None
    assert store.warning is not None
    messages.append(store.warning)
    monkeypatch.setattr(os, "fsync", lambda fd: (_ for _ in ()).throw(OSError(errno.EIO, "EIO")))
    with pytest.raises(TokenStoreError) as caught:
        store.save(make_doc(3))
    messages.append(str(caught.value))
    monkeypatch.undo()
    store.save(make_doc(4))
    store.clear()

    assert caplog.records, "the store logs nothing at all?"
    everything = caplog.text + "\n".join(messages)
    for canary in (CANARY_AT, CANARY_RT, "Zo\\u00eb", "Zoë"):
        assert canary not in everything
    for record in caplog.records:
        assert str(store.directory) in record.getMessage()
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2
    assert "default.json" in warnings[0] and "generation 1" in warnings[0]
    assert "nothing valid left" in warnings[1]
