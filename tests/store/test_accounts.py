"""The accounts of one device profile on disk: one token store each, and their index."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from device_app.engine.accounts import MAX_ACCOUNTS, NEEDS_SIGN_IN, SIGNED_IN, AccountBook
from device_app.engine.token_store import TokenStore

BASE = "oidc-tv"


class Wall:
    def __init__(self) -> None:
        self.t = 1_800_000_000.0

    def __call__(self) -> float:
        self.t += 1
        return self.t


def sign_in(book: AccountBook, store: str, name: str) -> None:
    book.store(store).save({"tokens": {"access_token": "AT-" + name}, "user": {"name": name}})
    book.record(store, {"name": name, "sub": "sub-" + name})


def test_a_single_existing_store_is_account_one_without_an_index(tmp_path: Path) -> None:
    TokenStore(tmp_path, BASE).save({"tokens": {"access_token": "x"}, "user": {"name": "Ada"}})
    book = AccountBook(tmp_path, BASE, Wall())
    [ada] = book.accounts()
    assert (ada.store, ada.name) == (BASE, "Ada") and book.current() == ada
    book.record(BASE, {"name": "Ada"})  # one account: nothing new on disk for old scripts
    assert not (tmp_path / (BASE + ".accounts.json")).exists()


def test_a_second_account_gets_its_own_store_and_the_index(tmp_path: Path) -> None:
    book = AccountBook(tmp_path, BASE, Wall())
    first = book.new_store_id()
    assert first == BASE
    sign_in(book, first, "Ada")
    second = book.new_store_id()
    assert second == BASE + ".acct2"
    sign_in(book, second, "Bob")
    assert [a.name for a in book.accounts()] == ["Ada", "Bob"]
    current = book.current()
    assert current is not None and current.name == "Bob"
    index = tmp_path / (BASE + ".accounts.json")
    assert stat.S_IMODE(index.stat().st_mode) == 0o600
    assert "AT-" not in index.read_text()  # names and ids only, never a token
    book.touch(first)
    reopened = AccountBook(tmp_path, BASE)  # after a reboot
    current = reopened.current()
    assert current is not None and current.name == "Ada"


def test_resolve_by_name_or_number_and_say_what_exists(tmp_path: Path) -> None:
    book = AccountBook(tmp_path, BASE, Wall())
    sign_in(book, book.new_store_id(), "Ada")
    sign_in(book, book.new_store_id(), "Bob")
    assert book.resolve("bob").store == BASE + ".acct2"
    assert book.resolve("1").store == BASE
    with pytest.raises(Exception, match="no account called 'Cleo' on this device \\(Ada, Bob\\)"):
        book.resolve("Cleo")


def test_the_limit_is_refused_in_one_sentence(tmp_path: Path) -> None:
    book = AccountBook(tmp_path, BASE, Wall())
    for i in range(MAX_ACCOUNTS):
        sign_in(book, book.new_store_id(), "P%d" % i)
    assert len(book.accounts()) == MAX_ACCOUNTS
    with pytest.raises(Exception, match="at most 8 accounts; remove one"):
        book.new_store_id()


def test_signed_out_from_the_web_shows_as_needing_sign_in(tmp_path: Path) -> None:
    book = AccountBook(tmp_path, BASE, Wall())
    sign_in(book, book.new_store_id(), "Ada")
    sign_in(book, book.new_store_id(), "Bob")
    book.store(BASE + ".acct2").save({"tokens": None, "reauth_reason": "invalid_grant"})
    assert [book.state(a.store) for a in book.accounts()] == [SIGNED_IN, NEEDS_SIGN_IN]


def test_a_damaged_index_is_rebuilt_from_the_stores(tmp_path: Path) -> None:
    book = AccountBook(tmp_path, BASE, Wall())
    sign_in(book, book.new_store_id(), "Ada")
    sign_in(book, book.new_store_id(), "Bob")
    (tmp_path / (BASE + ".accounts.json")).write_text("{not json")
    assert sorted(a.name for a in book.accounts()) == ["Ada", "Bob"]


def test_a_store_the_index_missed_is_still_listed(tmp_path: Path) -> None:
    book = AccountBook(tmp_path, BASE, Wall())
    sign_in(book, book.new_store_id(), "Ada")
    sign_in(book, book.new_store_id(), "Bob")
    # A power cut after the tokens were saved but before the index named the account:
    book.store(BASE + ".acct3").save({"tokens": {"access_token": "x"}, "user": {"name": "Cleo"}})
    assert [a.name for a in book.accounts()] == ["Ada", "Bob", "Cleo"]
    assert json.loads((tmp_path / (BASE + ".accounts.json")).read_text())["version"] == 1


def test_forget_drops_only_that_account(tmp_path: Path) -> None:
    book = AccountBook(tmp_path, BASE, Wall())
    sign_in(book, book.new_store_id(), "Ada")
    sign_in(book, book.new_store_id(), "Bob")
    book.store(BASE).clear()
    book.forget(BASE)
    assert [a.name for a in book.accounts()] == ["Bob"]
    assert book.new_store_id() == BASE  # the first store is free again
