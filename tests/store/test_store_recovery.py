"""Generations, fallback to the previous one, quarantine, stale temp files, clear()."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from device_app.engine.token_store import KEEP_CORRUPT, TokenStore, encode_record

from .helpers import make_doc, names, temp_names, write_raw

GOOD = json.loads(encode_record(1, {}))

DAMAGE = {
    "empty": b"",
    "truncated": encode_record(9, make_doc(9))[:57],
    "garbage": b"\x89PNG\r\n\x1a\n\x00\x00garbage",
    "bad checksum": encode_record(9, make_doc(9)).replace(b"Bearer", b"bearer"),
    "wrong schema": b'{"format": "device-app-token-store", "version": 1, "tokens": {}}',
    "future version": json.dumps({**GOOD, "version": 99, "generation": 9}).encode(),
}


def test_nothing_stored_gives_none_without_warning(store: TokenStore) -> None:
    assert store.load() is None
    assert store.warning is None
    assert not store.directory.exists()  # load() creates nothing


def test_each_save_is_a_new_generation_and_the_previous_is_kept(store: TokenStore) -> None:
    for n in (1, 2, 3):
        store.save(make_doc(n))
    assert names(store) == [".default.lock", "default.json", "default.json.prev"]
    main = json.loads(store.path.read_bytes())
    prev = json.loads((store.directory / "default.json.prev").read_bytes())
    assert (main["generation"], main["doc"]) == (3, make_doc(3))
    assert (prev["generation"], prev["doc"]) == (2, make_doc(2))
    other = TokenStore(store.directory)
    assert other.load() == make_doc(3)
    other.save(make_doc(4))
    assert json.loads(store.path.read_bytes())["generation"] == 4


@pytest.mark.parametrize("kind", sorted(DAMAGE))
def test_damaged_newest_is_quarantined_and_previous_used(
    store: TokenStore, kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    store.save(make_doc(1))
    store.save(make_doc(2))
    write_raw(store.path, DAMAGE[kind])
    caplog.set_level(logging.DEBUG, logger="device_app")

    assert store.load() == make_doc(1)
    assert store.warning is not None and "previous one (generation 1)" in store.warning
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1
    assert "default.json" in warnings[0].getMessage()
    assert (store.directory / "default.json.corrupt-1").read_bytes() == DAMAGE[kind]
    assert not store.path.exists()

    # No crash loop: the next start is quiet and gives the same answer.
    caplog.clear()
    again = TokenStore(store.directory)
    assert again.load() == make_doc(1)
    assert again.warning is None
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]

    # The next save becomes the newest and the good fallback survives.
    again.save(make_doc(3))
    assert TokenStore(store.directory).load() == make_doc(3)
    prev = json.loads((store.directory / "default.json.prev").read_bytes())
    assert prev["doc"] == make_doc(1)


def test_only_damaged_data_gives_none_and_asks_to_sign_in_again(store: TokenStore) -> None:
    store.save(make_doc(1))
    write_raw(store.path, DAMAGE["garbage"])
    assert store.load() is None
    assert store.warning is not None and "signed in again" in store.warning
    assert TokenStore(store.directory).load() is None


def test_damaged_backup_is_set_aside_while_current_is_used(store: TokenStore) -> None:
    store.save(make_doc(1))
    store.save(make_doc(2))
    write_raw(store.directory / "default.json.prev", DAMAGE["truncated"])
    assert store.load() == make_doc(2)
    assert store.warning is not None and "backup" in store.warning
    assert "default.json.prev.corrupt-1" in names(store)


def test_a_save_never_pushes_a_good_fallback_out_with_a_damaged_newest(store: TokenStore) -> None:
    store.save(make_doc(1))
    store.save(make_doc(2))
    write_raw(store.path, DAMAGE["bad checksum"])
    TokenStore(store.directory).save(make_doc(3))  # no load() first
    write_raw(store.path, DAMAGE["garbage"])
    assert TokenStore(store.directory).load() == make_doc(1)


def test_newest_generation_wins_whichever_file_holds_it(store: TokenStore) -> None:
    store.directory.mkdir(parents=True, mode=0o700)
    write_raw(store.path, encode_record(4, make_doc(4)))
    write_raw(store.directory / "default.json.prev", encode_record(5, make_doc(5)))
    assert store.load() == make_doc(5)
    assert store.warning is None


def test_missing_main_after_a_crash_between_renames_uses_previous(store: TokenStore) -> None:
    store.save(make_doc(1))
    store.save(make_doc(2))
    store.path.rename(store.directory / "default.json.prev")  # as after the first rename
    assert store.load() == make_doc(2)
    assert store.warning is None


def test_at_most_a_few_quarantined_copies_are_kept(store: TokenStore) -> None:
    store.save(make_doc(1))
    store.save(make_doc(2))
    for round_ in range(KEEP_CORRUPT + 3):
        write_raw(store.path, b"junk %d" % round_)
        assert store.load() == make_doc(1)
    corrupt = [n for n in names(store) if ".corrupt-" in n]
    assert len(corrupt) == KEEP_CORRUPT
    newest = max(corrupt, key=lambda n: int(n.rsplit("-", 1)[1]))
    assert (store.directory / newest).read_bytes() == b"junk %d" % (KEEP_CORRUPT + 2)


def test_stale_temp_files_are_swept_and_never_read(store: TokenStore) -> None:
    store.save(make_doc(1))
    # A complete-looking record of a *higher* generation in a temp file: a dead writer's
    # leftover. It must not be read, only removed.
    stale = store.directory / ".default.json.tmp.4242.deadbeef"
    write_raw(stale, encode_record(99, make_doc(99)))
    other = store.directory / ".other.json.tmp.4242.deadbeef"  # another profile's: not ours
    write_raw(other, b"x")
    assert store.load() == make_doc(1)
    assert store.warning is None
    assert not stale.exists()
    assert other.exists()


def test_load_while_another_holds_the_lock_reads_without_tidying(store: TokenStore) -> None:
    store.save(make_doc(1))
    stale = store.directory / ".default.json.tmp.4242.deadbeef"
    write_raw(stale, b"half a record")
    holder = TokenStore(store.directory)
    with holder.lock():
        import threading

        result: list[object] = []
        thread = threading.Thread(target=lambda: result.append(TokenStore(store.directory).load()))
        thread.start()
        thread.join(timeout=10)
        assert result == [make_doc(1)]  # did not wait for the lock
        assert stale.exists()  # tidying postponed
    assert store.load() == make_doc(1)
    assert not stale.exists()


def test_clear_removes_every_generation_and_copy_of_this_profile_only(
    store: TokenStore, tmp_path: Path
) -> None:
    store.save(make_doc(1))
    store.save(make_doc(2))
    write_raw(store.path, b"junk")
    store.load()
    store.save(make_doc(3))
    write_raw(store.directory / ".default.json.tmp.1.abcdef01", b"x")
    neighbour = TokenStore(store.directory, "kitchen")
    neighbour.save(make_doc(7))
    store.clear()
    assert store.load() is None
    assert [n for n in names(store) if "default" in n] == [".default.lock"]
    assert neighbour.load() == make_doc(7)
    TokenStore(tmp_path / "never-created").clear()  # nothing there: fine


def test_tilde_is_expanded(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    store = TokenStore("~/.local/state/device-app", "tv")
    assert store.directory == tmp_path / ".local/state/device-app"
    assert store.path == tmp_path / ".local/state/device-app/tv.json"
    store.save(make_doc())
    assert store.path.exists()
    assert temp_names(store) == []
