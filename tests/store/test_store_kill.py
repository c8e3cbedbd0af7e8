"""THE KILL TEST: SIGKILL a real writer process at random points, hundreds of times.

A child process saves generation after generation (each document carries a counter and a
large padding derived from it, so a save is several write(2) calls plus fsyncs and
renames) and reports ``saved N`` on a pipe after each save() returns. The parent kills it
with SIGKILL after a random 0-20 ms, then opens the store afresh and checks that:

* load() returns a whole document (its padding matches its counter: nothing partial),
* with no warning (a kill never damages a record; only torn hardware writes may),
* whose counter is at least the last one the child confirmed, and at most one more
  (the save that was in flight when the kill landed),
* and that no temp file survives the load.

No mocks: real files on the test machine's disk, real processes, real signals.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

from device_app.engine.token_store import TokenStore

from .helpers import forked, read_all, temp_names

# ≥300 kills are required by the issue; 400 forked kills take ~8 s on the 2-core test
# machine (measured, see docs/token-store.md), plus a few exec'd children below.
FORKED_KILLS = 400
EXECED_KILLS = 30
MAX_DELAY = 0.020  # the kill lands 0-20 ms after the child starts (the window)


def padding_for(nonce: str, counter: int) -> str:
    """16-256 KiB of text that only this (nonce, counter) pair produces."""
    seed = hashlib.sha256(f"{nonce}:{counter}".encode()).digest()
    size = 16 * 1024 + int.from_bytes(seed[:4], "big") % (240 * 1024)
    return hashlib.shake_256(seed).hexdigest(size // 2)


def padded_doc(nonce: str, counter: int) -> dict[str, Any]:
    return {
        "tokens": {"counter": counter, "nonce": nonce, "padding": padding_for(nonce, counter)},
        "pending": None,
        "profile": "default",
        "user": None,
    }


def check_whole(doc: dict[str, Any] | None) -> int:
    """The counter of a loaded document, after checking every byte of it."""
    assert doc is not None
    tokens = doc["tokens"]
    assert set(doc) == {"tokens", "pending", "profile", "user"}
    assert tokens["padding"] == padding_for(tokens["nonce"], tokens["counter"]), "partial doc"
    counter = tokens["counter"]
    assert isinstance(counter, int)
    return counter


def writer_loop(directory: str, out: int) -> None:
    """The child: load, then save ever higher counters, confirming each one on ``out``."""
    store = TokenStore(directory)
    doc = store.load()
    counter = doc["tokens"]["counter"] if doc else 0
    nonce = os.urandom(6).hex()
    while True:
        counter += 1
        store.save(padded_doc(nonce, counter))
        os.write(out, b"saved %d\n" % counter)


def confirmed_from(output: bytes) -> int:
    saved = [int(line.split()[1]) for line in output.splitlines() if line.startswith(b"saved ")]
    assert saved == sorted(saved)
    return saved[-1] if saved else 0


class Tally:
    def __init__(self) -> None:
        self.durable = 0  # highest counter known to be on disk
        self.kills = 0
        self.confirmed_saves = 0
        self.mid_save = 0  # kills that left a temp file behind: they hit a save in flight


def after_kill(directory: Path, output: bytes, tally: Tally, seed: int) -> None:
    confirmed = confirmed_from(output)
    tally.kills += 1
    tally.confirmed_saves += max(0, confirmed - tally.durable)
    store = TokenStore(directory)
    if temp_names(store):
        tally.mid_save += 1
    floor = max(confirmed, tally.durable)
    if floor == 0:
        doc = store.load()
        counter = 0 if doc is None else check_whole(doc)
    else:
        counter = check_whole(store.load())
    context = f"seed={seed} kill={tally.kills} confirmed={confirmed} durable={tally.durable}"
    assert store.warning is None, context
    assert floor <= counter <= floor + 1, f"{context} loaded={counter}"
    assert temp_names(store) == [], context
    tally.durable = counter


def test_sigkill_during_saves_never_loses_or_tears_a_generation(tmp_path: Path) -> None:
    directory = tmp_path / "store"
    seed = random.SystemRandom().randrange(2**32)
    rng = random.Random(seed)
    tally = Tally()
    started = time.monotonic()
    for _ in range(FORKED_KILLS):
        status, output = forked(
            lambda fd: writer_loop(str(directory), fd), kill_after=rng.uniform(0, MAX_DELAY)
        )
        assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, output.decode(
            errors="replace"
        )
        after_kill(directory, output, tally, seed)
    elapsed = time.monotonic() - started
    print(
        f"\nkill test: {tally.kills} SIGKILLs in {elapsed:.1f} s, "
        f"{tally.confirmed_saves} confirmed saves, {tally.mid_save} kills left a temp file"
    )
    # The test must really have exercised both outcomes, or it proves nothing.
    assert tally.confirmed_saves > 0
    assert tally.mid_save > 0


CHILD = textwrap.dedent(
    """
    import os, sys
    sys.path[:0] = [{tests!r}]
    from store.test_store_kill import writer_loop
    os.write(1, b"ready\\n")
    writer_loop({directory!r}, 1)
    """
)


def test_sigkill_of_a_fresh_interpreter_writer(tmp_path: Path) -> None:
    """The same check with exec'd children: nothing inherited from the test process."""
    directory = tmp_path / "store"
    tests = str(Path(__file__).resolve().parent.parent)
    code = CHILD.format(tests=tests, directory=str(directory))
    seed = random.SystemRandom().randrange(2**32)
    rng = random.Random(seed)
    tally = Tally()
    for _ in range(EXECED_KILLS):
        child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE)
        assert child.stdout is not None
        out = child.stdout.fileno()
        assert os.read(out, 6) == b"ready\n"
        time.sleep(rng.uniform(0, MAX_DELAY))
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait() == -signal.SIGKILL
        after_kill(directory, read_all(os.dup(out)), tally, seed)
        child.stdout.close()
    assert tally.confirmed_saves > 0


# The system calls a save makes through the os and fcntl modules.
SYSCALLS = [
    (os, "open"),
    (os, "read"),
    (os, "write"),
    (os, "fsync"),
    (os, "fchmod"),
    (os, "fstat"),
    (os, "close"),
    (os, "replace"),
    (os, "unlink"),
    (os, "listdir"),
    (fcntl, "flock"),
]


def die_before_call(number: int) -> None:
    """Make this process SIGKILL itself just before its ``number``-th system call."""
    count = [0]
    for module, name in SYSCALLS:
        real = getattr(module, name)

        def wrapper(*args: Any, _real: Any = real, **kwargs: Any) -> Any:
            count[0] += 1
            if count[0] == number:
                os.kill(os.getpid(), signal.SIGKILL)
            return _real(*args, **kwargs)

        setattr(module, name, wrapper)


def test_sigkill_before_every_single_syscall_of_a_save(tmp_path: Path) -> None:
    """Deterministic complement of the random kills: every syscall boundary of a save."""
    directory = tmp_path / "store"
    TokenStore(directory).save(padded_doc("old", 1))
    TokenStore(directory).save(padded_doc("old", 2))
    outcomes: dict[int, int] = {}
    for number in range(1, 200):

        def save_new(_: int, number: int = number) -> None:
            store = TokenStore(str(directory))
            die_before_call(number)
            store.save(padded_doc("new", 3))

        status, output = forked(save_new)
        store = TokenStore(directory)
        counter = check_whole(store.load())
        assert store.warning is None, f"killed before syscall {number}"
        assert temp_names(store) == [], f"killed before syscall {number}"
        if output == b"done":
            assert counter == 3
            break
        assert os.WIFSIGNALED(status), output.decode(errors="replace")
        assert counter in (2, 3), f"killed before syscall {number}: {counter}"
        outcomes[number] = counter
        # Put the old state back for the next kill point.
        TokenStore(directory).clear()
        TokenStore(directory).save(padded_doc("old", 1))
        TokenStore(directory).save(padded_doc("old", 2))
    else:
        raise AssertionError("the save never completed")
    # Both sides of the commit point were hit: early kills keep 2, late ones already show 3.
    assert set(outcomes.values()) == {2, 3}
    print(f"\nsave killed before each of its {len(outcomes)} syscalls: {outcomes}")
