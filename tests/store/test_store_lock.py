"""The cross-process lock: real exclusion, timeout, dead holders, re-entrancy, threads."""

from __future__ import annotations

import os
import signal
import threading
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from device_app.engine import private_files as fsutil
from device_app.engine.token_store import TokenStore, TokenStoreError, TokenStoreUsageError

from .helpers import make_doc

INCREMENTS = 60  # per process; each one is a load + save under the lock


_unreaped: set[int] = set()


@pytest.fixture(autouse=True)
def _no_orphans() -> Iterator[None]:
    """A failing test must not leave a child blocked forever: kill what was not reaped."""
    yield
    while _unreaped:
        pid = _unreaped.pop()
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)


def fork_child(body: Any) -> tuple[int, int]:
    """Run ``body(write_fd)`` in a forked child; return (pid, read_fd)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        code = 0
        try:
            os.close(read_end)
            body(write_end)
        except BaseException:
            os.write(write_end, traceback.format_exc().encode())
            code = 1
        finally:
            os._exit(code)
    os.close(write_end)
    _unreaped.add(pid)
    return pid, read_end


def reap(pid: int) -> int:
    _, status = os.waitpid(pid, 0)
    _unreaped.discard(pid)
    return status


def wait_ok(pid: int, read_fd: int) -> bytes:
    status = reap(pid)
    with os.fdopen(read_fd, "rb") as pipe:
        output = pipe.read()
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, output.decode(errors="replace")
    return output


def test_a_lock_held_by_a_killed_process_is_free_at_once(store_dir: Path) -> None:
    def hold(out: int) -> None:
        with TokenStore(store_dir).lock():
            os.write(out, b"held\n")
            signal.pause()  # until SIGKILL

    pid, read_fd = fork_child(hold)
    assert os.read(read_fd, 5) == b"held\n"
    store = TokenStore(store_dir)
    with pytest.raises(TokenStoreError, match="locked by another process"):
        with store.lock(timeout=0):
            pass
    os.kill(pid, signal.SIGKILL)
    reap(pid)
    os.close(read_fd)
    with store.lock(timeout=0):  # no waiting for any staleness timeout
        store.save(make_doc())
    assert store.load() == make_doc()


def test_lock_timeout_message_and_waiting_for_a_holder(
    store_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def hold(out: int) -> None:
        with TokenStore(store_dir).lock():
            os.write(out, b"held\n")
            os.read(go_read, 1)  # until the parent says go

    go_read, go_write = os.pipe()
    pid, read_fd = fork_child(hold)
    assert os.read(read_fd, 5) == b"held\n"
    # A fake clock makes the timeout exact without sleeping: each poll advances 1 s.
    now = [100.0]
    sleeps: list[float] = []

    def fake_sleep(seconds: float) -> None:
        sleeps.append(seconds)
        now[0] += 1.0

    real_lock = fsutil.exclusive_lock

    def with_fake_time(*args: Any, **kwargs: Any) -> Any:
        kwargs.update(clock=lambda: now[0], sleep=fake_sleep)
        return real_lock(*args, **kwargs)

    monkeypatch.setattr(fsutil, "exclusive_lock", with_fake_time)
    store = TokenStore(store_dir)
    with pytest.raises(TokenStoreError) as caught:
        with store.lock(timeout=3):
            pass
    assert str(caught.value) == (
        f"The token store in {store_dir} stayed locked by another process for 3 s; "
        "stop the other device-app instance using it or try again."
    )
    assert len(sleeps) == 3
    assert sleeps[0] == fsutil.LOCK_POLL_FIRST
    monkeypatch.undo()
    # Now really wait: release the holder while we are polling.
    threading.Timer(0.05, lambda: os.write(go_write, b"g")).start()
    with store.lock(timeout=30):
        pass
    wait_ok(pid, read_fd)
    os.close(go_read)
    os.close(go_write)


def test_two_processes_incrementing_under_the_lock_never_lose_an_update(store_dir: Path) -> None:
    TokenStore(store_dir).save({"count": 0, "by": []})
    start_read, start_write = os.pipe()

    def increment(out: int) -> None:
        os.read(start_read, 1)  # both start together
        locker = TokenStore(store_dir)
        writer = TokenStore(store_dir)  # a second object in the same process: re-entrant
        for _ in range(INCREMENTS):
            with locker.lock():
                doc = writer.load()
                assert doc is not None
                doc["count"] += 1
                doc["by"].append(os.getpid())
                writer.save(doc)

    children = [fork_child(increment) for _ in range(2)]
    os.write(start_write, b"gg")
    for pid, read_fd in children:
        wait_ok(pid, read_fd)
    final = TokenStore(store_dir).load()
    assert final is not None
    assert final["count"] == 2 * INCREMENTS
    assert sorted(set(final["by"])) == sorted(pid for pid, _ in children)
    os.close(start_read)
    os.close(start_write)


def test_lock_is_reentrant_in_one_thread_and_exclusive_between_threads(store_dir: Path) -> None:
    store = TokenStore(store_dir)
    other = TokenStore(store_dir)
    entered = threading.Event()
    tried = threading.Event()
    result: list[str] = []
    with store.lock():
        with other.lock(timeout=0):  # same thread, another object: no self-deadlock
            store.save(make_doc(1))

        def contender() -> None:
            try:
                with other.lock(timeout=0):
                    result.append("entered while held")
            except TokenStoreError:
                result.append("refused")
            tried.set()
            with other.lock(timeout=30):
                entered.set()

        thread = threading.Thread(target=contender)
        thread.start()
        assert tried.wait(timeout=30)
        assert result == ["refused"]
        assert not entered.is_set()
    thread.join(timeout=30)
    assert entered.is_set()


def test_lock_timeout_must_be_a_number(store: TokenStore) -> None:
    for bad in ("5", float("nan"), None):
        with pytest.raises(TokenStoreUsageError, match="timeout"):
            with store.lock(timeout=bad):  # type: ignore[arg-type]
                pass


def test_an_endless_timeout_is_accepted(store: TokenStore) -> None:
    with store.lock(timeout=float("inf")):
        store.save(make_doc())


def test_an_error_inside_the_locked_block_propagates_and_releases(store: TokenStore) -> None:
    with pytest.raises(KeyError):
        with store.lock():
            raise KeyError("caller's own error")
    with TokenStore(store.directory).lock(timeout=0):
        pass
