"""A save that fails (disk full, read-only, permission, I/O) keeps the old file and says why.

The first tests inject the failure with a fake system call at each step of a save; the
later ones make it happen for real (a tiny tmpfs, a read-only remount, a folder the user
cannot write) where the machine allows it, and skip with the reason where it does not.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from device_app.engine.token_store import TokenStore, TokenStoreError

from .helpers import CANARY_AT, make_doc, temp_names, write_raw

EXPECTED = {
    errno.ENOSPC: "disk is full",
    errno.EDQUOT: "quota",
    errno.EROFS: r"read-only.*is the root read-only.*writable partition",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.EIO: "SD card or disk may be failing",
    errno.ENAMETOOLONG: "File name too long",
}


def failing(real: Callable[..., Any], code: int, when: Callable[..., bool]) -> Callable[..., Any]:
    """``real`` with an OSError(code) raised whenever ``when(*args)`` says so."""

    def fake(*args: Any, **kwargs: Any) -> Any:
        if when(*args, **kwargs):
            raise OSError(code, os.strerror(code))
        return real(*args, **kwargs)

    return fake


def half_then_fail(code: int) -> Callable[..., Any]:
    """os.write that writes half of its first chunk, then fails: a disk filling up."""
    real = os.write
    calls = {"n": 0}

    def fake(fd: int, data: Any) -> int:
        calls["n"] += 1
        if calls["n"] == 1:
            return real(fd, bytes(data)[: max(1, len(data) // 2)])
        raise OSError(code, os.strerror(code))

    return fake


STEPS: dict[str, Callable[[int], tuple[str, Callable[..., Any]]]] = {
    "create temp": lambda code: (
        "open",
        failing(os.open, code, lambda path, flags, *a, **k: bool(flags & os.O_EXCL)),
    ),
    "write": lambda code: ("write", half_then_fail(code)),
    "fsync": lambda code: ("fsync", failing(os.fsync, code, lambda fd: True)),
    "rename": lambda code: ("replace", failing(os.replace, code, lambda *a, **k: True)),
}


@pytest.mark.parametrize("code", sorted(EXPECTED), ids=errno.errorcode.get)
@pytest.mark.parametrize("step", sorted(STEPS))
def test_failed_save_keeps_old_generation_and_removes_temp(
    store: TokenStore, monkeypatch: pytest.MonkeyPatch, step: str, code: int
) -> None:
    store.save(make_doc(1))
    store.save(make_doc(2))
    name, fake = STEPS[step](code)
    with monkeypatch.context() as patch:
        patch.setattr(os, name, fake)
        with pytest.raises(TokenStoreError) as caught:
            store.save(make_doc(3))
    message = str(caught.value)
    assert message.startswith(f"Cannot save the token store in {store.directory}: ")
    assert re.search(EXPECTED[code], message), message
    assert CANARY_AT not in message
    assert temp_names(store) == []
    fresh = TokenStore(store.directory)
    assert fresh.load() == make_doc(2)
    assert fresh.warning is None
    with fresh.lock(timeout=0):  # the failed save let go of the lock
        pass
    fresh.save(make_doc(4))
    assert TokenStore(store.directory).load() == make_doc(4)


def test_failed_folder_fsync_is_reported(
    store: TokenStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.save(make_doc(1))
    directory_fds: set[int] = set()
    real_open = os.open

    def tracking_open(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        fd = real_open(path, flags, *args, **kwargs)
        if flags & os.O_DIRECTORY:
            directory_fds.add(fd)
        return fd

    monkeypatch.setattr(os, "open", tracking_open)
    monkeypatch.setattr(os, "fsync", failing(os.fsync, errno.EIO, lambda fd: fd in directory_fds))
    with pytest.raises(TokenStoreError, match="may be failing"):
        store.save(make_doc(2))
    monkeypatch.undo()
    # The rename happened; whether it reached the card is unknown, so either doc is fine.
    assert TokenStore(store.directory).load() in (make_doc(1), make_doc(2))


def test_creating_the_folder_on_a_read_only_file_system_is_explained(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(os, "mkdir", failing(os.mkdir, errno.EROFS, lambda *a, **k: True))
    store = TokenStore(tmp_path / "new")
    with pytest.raises(TokenStoreError, match=r"read-only.*writable partition"):
        store.save(make_doc())
    assert store.load() is None


# ---------------------------------------------------------------- the real thing


def _run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, check=False)


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Path]:
    """A 64 KiB tmpfs of our own, or a skip saying why there is none."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root (CAP_SYS_ADMIN); the fake-failure tests cover it")
    point = tmp_path / "mnt"
    point.mkdir(mode=0o700)
    done = _run("mount", "-t", "tmpfs", "-o", "size=64k,mode=0700", "tmpfs", str(point))
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield point
    finally:
        _run("umount", str(point))


def test_real_disk_full_keeps_the_old_file(tmpfs: Path) -> None:
    store = TokenStore(tmpfs / "store")
    store.save(make_doc(1))
    big = make_doc(2)
    big["user"] = {"blob": os.urandom(48 * 1024).hex()}  # ~96 KiB: more than the tmpfs holds
    with pytest.raises(TokenStoreError, match="disk is full") as caught:
        store.save(big)
    assert str(tmpfs / "store") in str(caught.value)
    assert temp_names(store) == []
    assert TokenStore(store.directory).load() == make_doc(1)


def test_real_read_only_file_system_keeps_serving_the_old_file(tmpfs: Path) -> None:
    store = TokenStore(tmpfs / "store")
    store.save(make_doc(1))
    store.save(make_doc(2))
    write_raw(store.directory / ".default.json.tmp.999999.0badf00d", b"stale")
    done = _run("mount", "-o", "remount,ro", str(tmpfs))
    if done.returncode != 0:
        pytest.skip(f"cannot remount read-only here: {done.stderr.strip()}")
    try:
        with pytest.raises(TokenStoreError, match=r"read-only.*writable partition"):
            store.save(make_doc(3))
        reader = TokenStore(store.directory)
        assert reader.load() == make_doc(2)  # reading works; tidying is postponed
        assert reader.warning is None
        with pytest.raises(TokenStoreError, match="read-only"):
            reader.clear()
    finally:
        _run("mount", "-o", "remount,rw", str(tmpfs))
    assert TokenStore(store.directory).load() == make_doc(2)
    assert temp_names(store) == []


def test_real_permission_denied(tmp_path: Path) -> None:
    """A folder the user cannot write: for real, as an unprivileged user."""
    if os.geteuid() != 0:
        folder = tmp_path / "store"
        TokenStore(folder).save(make_doc(1))
        os.chmod(folder, 0o500)
        with pytest.raises(TokenStoreError, match="permission denied"):
            TokenStore(folder).save(make_doc(2))
        os.chmod(folder, 0o700)
        assert TokenStore(folder).load() == make_doc(1)
        return
    # As root, chmod does not stop writes: drop to "nobody" in a child process instead.
    # pytest's base temp folder is 0700, so use a folder "nobody" can reach.
    nobody = 65534
    base = Path(tempfile.mkdtemp(prefix="device-app-eacces-"))
    try:
        os.chmod(base, 0o711)  # noqa: S103 - "nobody" must traverse it
        folder = base / "store"
        TokenStore(folder).save(make_doc(1))
        os.chmod(folder, 0o500)
        for path in (folder, *folder.iterdir()):
            os.chown(path, nobody, nobody)
        verdict = _save_as(nobody, folder)
    finally:
        shutil.rmtree(base)
    assert "Cannot save" in verdict and "permission denied" in verdict, verdict
    assert str(folder) in verdict, verdict
    assert verdict.endswith("|old kept"), verdict


def _save_as(uid: int, folder: Path) -> str:
    """Try a save as ``uid`` in a child process; report its error and what load() saw."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        verdict = b"no error"
        try:
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
            try:
                TokenStore(folder).save(make_doc(2))
            except TokenStoreError as exc:
                verdict = str(exc).encode()
            loaded = TokenStore(folder).load()
            verdict += b"|old kept" if loaded == make_doc(1) else b"|OLD LOST"
        except BaseException as exc:
            verdict = repr(exc).encode()
        finally:
            os.write(write_end, verdict)
            os._exit(0)
    os.close(write_end)
    os.waitpid(pid, 0)
    with os.fdopen(read_end, "rb") as pipe:
        return pipe.read().decode()
