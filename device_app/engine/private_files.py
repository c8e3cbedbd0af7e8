"""Careful file-system primitives for small private state files (the token store's I/O).

Everything here works relative to an open directory descriptor, so that a folder that
was checked once cannot be swapped for another (or for a symlink) between the check and
the use. Files are opened with ``O_NOFOLLOW``: a symbolic link where a private file
should be is refused, never followed.

Security refusals raise :class:`UnsafeLocationError` (its message says what to fix);
everything else is a plain :class:`OSError` that the caller turns into a message.
"""

from __future__ import annotations

import errno
import fcntl
import os
import stat
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from device_app.core.errors import ConfigurationError, DeviceAppError

PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600

# Writes go out in chunks of this size. Why: a partial write(2) is legal for regular files
# (signals, quotas, a filling disk), so we loop anyway; 64 KiB is the Linux pipe/readahead
# granule and keeps each syscall short.
WRITE_CHUNK = 64 * 1024

# Lock polling: first retry after 2 ms, doubling to at most 50 ms. Why: contention is rare
# and short (a save takes ~1-20 ms on an SD card); 50 ms bounds the extra latency a waiter
# sees after the holder lets go, and keeps a 5 s wait to ~100 wake-ups.
LOCK_POLL_FIRST = 0.002
LOCK_POLL_MAX = 0.05

# Attempts at picking a fresh random temp-file name before giving up (a clash of 32 random
# bits means something else is creating files here on purpose).
TEMP_NAME_ATTEMPTS = 3

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


class UnsafeLocationError(ConfigurationError):
    """A path is not private enough to hold secrets; the message says what to fix."""

    def __init__(self, message: str) -> None:
        ConfigurationError.__init__(self, message)


class LockTimeout(DeviceAppError):
    """The lock stayed held by someone else for the whole timeout."""

    def __init__(self, message: str) -> None:
        DeviceAppError.__init__(self, message)


def _refuse_shared(path: Path, st: os.stat_result, what: str) -> None:
    """Raise unless ``st`` belongs to this user and (for folders) is not writable by others."""
    euid = os.geteuid()
    if st.st_uid != euid:
        raise UnsafeLocationError(
            f"{path} belongs to uid {st.st_uid}, not to the user running device-app "
            f"(uid {euid}); chown it to that user or choose another {what}."
        )


def make_private_dirs(path: Path) -> None:
    """Create ``path`` and any missing parents with mode 0700 whatever the umask."""
    missing: list[Path] = []
    probe = path
    while not os.path.lexists(probe):
        missing.append(probe)
        if probe.parent == probe:
            break
        probe = probe.parent
    for folder in reversed(missing):
        try:
            os.mkdir(folder, PRIVATE_DIR_MODE)
        except FileExistsError:
            continue  # created by someone else meanwhile; checked when opened
        # mkdir's mode is filtered by the umask (0777 would leave 0000): set it exactly.
        fd = os.open(folder, _DIR_FLAGS)
        try:
            os.fchmod(fd, PRIVATE_DIR_MODE)
        finally:
            os.close(fd)


def open_private_dir(path: Path, create: bool) -> int | None:
    """Open ``path`` as a folder fit for secrets and return its descriptor.

    Returns None when the folder does not exist and ``create`` is false. Refuses a
    symlink, a non-folder, a folder of another user and a folder others may write to.
    """
    if create:
        make_private_dirs(path)
    try:
        fd = os.open(path, _DIR_FLAGS)
    except FileNotFoundError:
        if create:
            raise
        return None
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOTDIR):
            if os.path.islink(path):
                raise UnsafeLocationError(
                    f"{path} is a symbolic link; set token_store to the real folder instead."
                ) from exc
            raise UnsafeLocationError(
                f"{path} is not a folder; remove it or choose another token_store folder."
            ) from exc
        raise
    try:
        st = os.fstat(fd)
        _refuse_shared(path, st, "folder")
        if st.st_mode & 0o022:
            raise UnsafeLocationError(
                f"{path} can be written by other users (mode {stat.S_IMODE(st.st_mode):04o}); "
                f"run 'chmod 700 {path}' or choose another folder."
            )
    except BaseException:
        os.close(fd)
        raise
    return fd


def _check_private_file(fd: int, folder: Path, name: str) -> None:
    """Refuse a non-regular or foreign file; set any other mode to exactly 0600."""
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        raise UnsafeLocationError(
            f"{folder / name} is not a regular file; remove it so device-app can use that name."
        )
    _refuse_shared(folder / name, st, "folder")
    if stat.S_IMODE(st.st_mode) != PRIVATE_FILE_MODE:
        os.fchmod(fd, PRIVATE_FILE_MODE)


def _open_nofollow(dfd: int, folder: Path, name: str, flags: int, mode: int = 0o600) -> int:
    try:
        return os.open(name, flags | os.O_NOFOLLOW | os.O_CLOEXEC, mode, dir_fd=dfd)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise UnsafeLocationError(
                f"{folder / name} is a symbolic link; remove it, device-app never follows links "
                "in its token folder."
            ) from exc
        raise


def read_private_file(dfd: int, folder: Path, name: str, limit: int) -> bytes | None:
    """Read at most ``limit + 1`` bytes of a private file; None when it does not exist."""
    try:
        # O_NONBLOCK: a FIFO planted here must not hang us; it is refused just below.
        fd = _open_nofollow(dfd, folder, name, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        return None
    try:
        _check_private_file(fd, folder, name)
        parts: list[bytes] = []
        size = 0
        while size <= limit:
            part = os.read(fd, min(WRITE_CHUNK, limit + 1 - size))
            if not part:
                break
            parts.append(part)
            size += len(part)
        return b"".join(parts)
    finally:
        os.close(fd)


def temp_suffix() -> str:
    """Eight random hex digits: what ``secrets.token_hex(4)`` returns (from ``os.urandom``
    too), without the ~4 ms that importing ``secrets`` (hmac, hashlib) adds to the TV's start."""
    return os.urandom(4).hex()


def write_temp_file(dfd: int, folder: Path, prefix: str, data: bytes) -> str:
    """Write ``data`` durably to a new 0600 file ``<prefix><pid>.<random>``; return its name.

    On any failure the half-written file is removed before the error propagates.
    """
    for attempt in range(TEMP_NAME_ATTEMPTS):
        name = f"{prefix}{os.getpid()}.{temp_suffix()}"
        try:
            fd = _open_nofollow(
                dfd, folder, name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE
            )
        except FileExistsError:
            if attempt + 1 == TEMP_NAME_ATTEMPTS:
                raise
            continue
        break
    try:
        try:
            # The create mode was filtered by the umask; make it exactly owner-only.
            os.fchmod(fd, PRIVATE_FILE_MODE)
            view = memoryview(data)
            while view:
                written = os.write(fd, view[:WRITE_CHUNK])
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)
    except BaseException:
        remove_quietly(dfd, name)
        raise
    return name


def replace(dfd: int, src: str, dst: str) -> None:
    """Atomically rename ``src`` over ``dst`` inside the folder."""
    os.replace(src, dst, src_dir_fd=dfd, dst_dir_fd=dfd)


def fsync_dir(dfd: int) -> None:
    """Make the folder's entries (renames, unlinks) durable."""
    os.fsync(dfd)


def remove_quietly(dfd: int, name: str) -> bool:
    """Unlink ``name`` (a link itself, never its target); False if that was impossible."""
    try:
        os.unlink(name, dir_fd=dfd)
    except FileNotFoundError:
        return True
    except OSError:
        return False
    return True


def list_names(dfd: int) -> list[str]:
    """The entry names of the folder."""
    return os.listdir(dfd)


class _Holder:
    """This process's share of one lock file: threads queue on ``rlock``, one flock fd."""

    def __init__(self) -> None:
        self.rlock = threading.RLock()
        self.fd: int | None = None
        self.depth = 0


_holders: dict[tuple[int, int, str], _Holder] = {}
_holders_guard = threading.Lock()


def _forget_holders_in_child() -> None:
    # A forked child does not own its parent's locks: start from an empty table.
    global _holders_guard
    _holders.clear()
    _holders_guard = threading.Lock()


os.register_at_fork(after_in_child=_forget_holders_in_child)


@contextmanager
def exclusive_lock(
    dfd: int,
    folder: Path,
    name: str,
    timeout: float,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[None]:
    """Hold an exclusive lock on the file ``name`` in the folder, across processes and threads.

    ``flock(2)`` does the cross-process part; the kernel drops it when its holder dies,
    so a crashed process never leaves a stale lock behind. Inside one process the lock
    is re-entrant for the thread that holds it (whatever object asked for it) and other
    threads wait, so nesting ``save()`` inside ``lock()`` cannot deadlock.
    """
    timeout = min(timeout, threading.TIMEOUT_MAX)  # "forever" must not overflow the wait
    deadline = clock() + timeout
    st = os.fstat(dfd)
    key = (st.st_dev, st.st_ino, name)
    with _holders_guard:
        holder = _holders.setdefault(key, _Holder())
    acquired = holder.rlock.acquire(timeout=timeout) if timeout > 0 else holder.rlock.acquire(False)
    if not acquired:
        raise LockTimeout(name)
    try:
        if holder.depth == 0:
            # O_RDONLY is enough for flock and still works on a read-only mount.
            fd = _open_nofollow(dfd, folder, name, os.O_RDONLY | os.O_CREAT, PRIVATE_FILE_MODE)
            try:
                _check_private_file(fd, folder, name)
                _flock_until(fd, deadline, name, clock, sleep)
            except BaseException:
                os.close(fd)
                raise
            holder.fd = fd
        holder.depth += 1
        try:
            yield
        finally:
            holder.depth -= 1
            if holder.depth == 0 and holder.fd is not None:
                fd, holder.fd = holder.fd, None
                # Unlock explicitly: a forked child may share this open file description,
                # and closing our copy alone would leave the lock held by it.
                try:
                    fcntl.flock(fd, fcntl.LOCK_UN)
                finally:
                    os.close(fd)
    finally:
        holder.rlock.release()


def _flock_until(
    fd: int,
    deadline: float,
    name: str,
    clock: Callable[[], float],
    sleep: Callable[[float], None],
) -> None:
    pause = LOCK_POLL_FIRST
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            pass
        left = deadline - clock()
        if left <= 0:
            raise LockTimeout(name)
        sleep(min(pause, left))
        pause = min(pause * 2, LOCK_POLL_MAX)
