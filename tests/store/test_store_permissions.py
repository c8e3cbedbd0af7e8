"""Owner-only modes whatever the umask; refusal of shared folders, foreign owners, symlinks."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from device_app.engine import private_files
from device_app.engine.token_store import TokenStore, TokenStoreError

from .helpers import make_doc, temp_names, write_raw


def mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


@pytest.fixture
def umask_value(request: pytest.FixtureRequest) -> Iterator[int]:
    value: int = request.param
    old = os.umask(value)
    try:
        yield value
    finally:
        os.umask(old)


@pytest.mark.parametrize("umask_value", [0o000, 0o022, 0o777], indirect=True)
def test_folders_and_files_are_owner_only_whatever_the_umask(
    tmp_path: Path, umask_value: int
) -> None:
    store = TokenStore(tmp_path / "a" / "b" / "c")
    store.save(make_doc(1))
    store.save(make_doc(2))
    for folder in (tmp_path / "a", tmp_path / "a" / "b", store.directory):
        assert mode(folder) == 0o700, folder
    for name in ("default.json", "default.json.prev", ".default.lock"):
        assert mode(store.directory / name) == 0o600, name
    assert TokenStore(store.directory).load() == make_doc(2)


def test_existing_parent_folders_are_left_alone(tmp_path: Path) -> None:
    parent = tmp_path / "shared"
    parent.mkdir(mode=0o755)
    os.chmod(parent, 0o755)  # noqa: S103 - a typical shared parent
    TokenStore(parent / "mine").save(make_doc())
    assert mode(parent) == 0o755
    assert mode(parent / "mine") == 0o700


@pytest.mark.parametrize("name", ["default.json", "default.json.prev"])
def test_a_looser_existing_file_is_tightened_before_use(store: TokenStore, name: str) -> None:
    store.save(make_doc(1))
    store.save(make_doc(2))
    os.chmod(store.directory / name, 0o644)
    assert TokenStore(store.directory).load() == make_doc(2)
    assert mode(store.directory / name) == 0o600


def test_a_looser_lock_file_is_tightened(store: TokenStore) -> None:
    store.save(make_doc())
    os.chmod(store.directory / ".default.lock", 0o666)  # noqa: S103 - on purpose
    with store.lock():
        pass
    assert mode(store.directory / ".default.lock") == 0o600


@pytest.mark.parametrize("folder_mode", [0o770, 0o707, 0o777, 0o1777])
def test_a_folder_others_can_write_is_refused(store: TokenStore, folder_mode: int) -> None:
    store.save(make_doc())
    os.chmod(store.directory, folder_mode)
    for action in (store.load, lambda: store.save(make_doc()), store.clear, store.lock().__enter__):
        with pytest.raises(TokenStoreError, match=r"written by other users.*chmod 700"):
            action()
    os.chmod(store.directory, 0o700)
    assert store.load() == make_doc()


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give a folder to another uid")
def test_a_folder_owned_by_another_user_is_refused(store: TokenStore) -> None:
    store.save(make_doc())
    os.chown(store.directory, 4321, -1)
    with pytest.raises(TokenStoreError, match="belongs to uid 4321"):
        store.load()
    os.chown(store.directory, 0, -1)
    os.chown(store.path, 4321, -1)
    with pytest.raises(TokenStoreError, match="belongs to uid 4321"):
        store.load()


def test_a_symlinked_store_folder_is_refused(tmp_path: Path) -> None:
    real = tmp_path / "real"
    TokenStore(real).save(make_doc())
    (tmp_path / "link").symlink_to(real)
    store = TokenStore(tmp_path / "link")
    with pytest.raises(TokenStoreError, match="symbolic link"):
        store.load()
    with pytest.raises(TokenStoreError, match="symbolic link"):
        store.save(make_doc())


def test_a_symlink_above_the_store_folder_is_fine(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    store = TokenStore(tmp_path / "link" / "store")
    store.save(make_doc())
    assert TokenStore(tmp_path / "real" / "store").load() == make_doc()


@pytest.mark.parametrize("name", ["default.json", "default.json.prev", ".default.lock"])
def test_a_symlinked_store_file_is_refused_and_its_target_untouched(
    store: TokenStore, tmp_path: Path, name: str
) -> None:
    store.save(make_doc(1))
    store.save(make_doc(2))
    target = tmp_path / "elsewhere"
    write_raw(target, b"precious", 0o644)
    link = store.directory / name
    link.unlink()
    link.symlink_to(target)
    # load() only touches the lock file when it has something to tidy; lock() always does.
    reader = store.lock().__enter__ if name.endswith(".lock") else store.load
    with pytest.raises(TokenStoreError, match="symbolic link"):
        reader()
    with pytest.raises(TokenStoreError, match="symbolic link"):
        store.save(make_doc(3))
    assert target.read_bytes() == b"precious"
    assert mode(target) == 0o644


def test_a_symlink_planted_at_a_temp_name_is_never_written_through(
    store: TokenStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.save(make_doc(1))
    target = tmp_path / "elsewhere"
    write_raw(target, b"precious", 0o644)
    (store.directory / f".default.json.tmp.{os.getpid()}.00000000").symlink_to(target)
    monkeypatch.setattr(private_files, "temp_suffix", lambda: "00000000")
    with pytest.raises(TokenStoreError, match="File exists"):
        store.save(make_doc(2))
    assert target.read_bytes() == b"precious"
    monkeypatch.undo()
    assert store.load() == make_doc(1)
    # The planted link was swept like any stale temp file; its target survived.
    assert temp_names(store) == []
    assert target.read_bytes() == b"precious"


def test_something_else_in_place_of_the_file_is_refused(store: TokenStore) -> None:
    store.save(make_doc())
    os.unlink(store.path)
    os.mkfifo(store.path)
    with pytest.raises(TokenStoreError, match="not a regular file"):
        store.load()


def test_a_file_in_place_of_the_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "store").write_text("oops")
    with pytest.raises(TokenStoreError, match="not a folder"):
        TokenStore(tmp_path / "store").load()


@pytest.mark.parametrize("profile", ["", "a/b", "..\\x", "x" * 65, "tv 1", "é", "a\x00", 7])
def test_unsafe_profile_names_are_refused(tmp_path: Path, profile: object) -> None:
    with pytest.raises(TokenStoreError, match="profile name"):
        TokenStore(tmp_path, profile)  # type: ignore[arg-type]


def test_safe_profile_names_get_their_own_files(tmp_path: Path) -> None:
    names = ["living-room", "TV_2", "a.b", "x" * 64]
    for i, name in enumerate(names):
        TokenStore(tmp_path / "s", name).save(make_doc(i))
    for i, name in enumerate(names):
        store = TokenStore(tmp_path / "s", name)
        assert store.path.name == f"{name}.json"
        assert store.load() == make_doc(i)


def test_temp_names_end_in_eight_random_hex_digits_like_secrets_token_hex() -> None:
    suffixes = {private_files.temp_suffix() for _ in range(64)}
    assert all(len(s) == 8 and int(s, 16) >= 0 and s == s.lower() for s in suffixes)
    assert len(suffixes) > 60  # random: 64 draws of 32 bits almost never collide
