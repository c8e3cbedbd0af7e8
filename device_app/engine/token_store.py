"""The crash-safe token store: one small JSON document per device profile, kept on disk.

Theory of operation
-------------------
Each profile owns two *generations* in its folder (mode 0700, files 0600)::

    <profile>.json         the newest saved record
    <profile>.json.prev    the one before it (the fallback if the newest is damaged)
    .<profile>.lock        flock(2) target for the cross-process lock (never holds data)

A record is canonical JSON: ``{"format", "version", "generation", "doc", "sha256"}``
where ``sha256`` covers the canonical encoding of everything else, so a torn write,
a flipped bit or a stray edit is detected, not trusted.

``save()`` takes the lock, writes the new record to a fresh temp file
(``.<profile>.json.tmp.<pid>.<random>``, ``O_EXCL|O_NOFOLLOW``), fsyncs it, renames the
current record to ``.prev`` (only if it is valid, so a good fallback is never pushed out
by a bad one), renames the temp file over the current name and fsyncs the folder. A
crash at any point leaves either the old record or the new one in place, plus at worst a
temp file that nobody reads and the next ``load()`` sweeps away.

``load()`` reads both generations, picks the valid one with the highest generation,
moves damaged files aside as ``<name>.corrupt-<n>`` (keeping a few for diagnosis), sets
``warning`` to one sentence and logs one WARNING line. It never raises for damaged data;
only an unsafe or unreadable folder raises :class:`TokenStoreError`.
"""

from __future__ import annotations

import errno
import json
import logging
import math
import os
import re
from collections.abc import Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager, suppress
from pathlib import Path
from typing import Any

from device_app.core.errors import ConfigurationError, UsageError
from device_app.engine import private_files as fsutil

log = logging.getLogger(__name__)

FORMAT_NAME = "device-app-token-store"
FORMAT_VERSION = 1

# Largest record accepted, read or written. Why: a token set, a flow snapshot and cached
# userinfo take a few KiB; 1 MiB matches the transport's response cap and bounds memory
# when a file was replaced by something huge.
MAX_RECORD_BYTES = 1 << 20

# Damaged files kept per name for diagnosis. Why: enough to see a pattern (a failing SD
# card produces several), few enough that a crash loop cannot fill the disk.
KEEP_CORRUPT = 3

# The timeout save() and clear() use for the lock: the same 5 s as lock()'s default
# (msal-extensions' cache lock uses 5 s, design-notes §4).
DEFAULT_LOCK_TIMEOUT = 5.0

_PROFILE_RE = re.compile(r"[A-Za-z0-9._-]{1,64}")
_RECORD_KEYS = frozenset({"format", "version", "generation", "doc", "sha256"})


class TokenStoreError(ConfigurationError):
    """The token store's folder or files cannot be used; the message says what to fix."""

    def __init__(self, message: str) -> None:
        # Same effect as DeviceAppError.__init__, which is untyped (the core stays
        # MicroPython-portable), so mypy --strict would refuse to call it.
        Exception.__init__(self, message)
        self.message = message


class TokenStoreUsageError(UsageError):
    """The token store API was called wrongly, e.g. save() given non-JSON data (a caller bug)."""

    def __init__(self, message: str) -> None:
        Exception.__init__(self, message)
        self.message = message


class _Damaged(Exception):
    """A record that must not be trusted; the message is a short reason, never content."""


def _canonical(value: Any) -> bytes:
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False
    ).encode("ascii")


def prepare_checksums() -> None:
    """Load what a record's checksum needs (``hashlib``: OpenSSL's hashes, ~3 ms) now,
    while the caller waits anyway. The TV app calls it while its first request is out: the
    code that request brings is saved before it is shown, and would wait for it (issue 14)."""
    import hashlib  # noqa: F401


def encode_record(generation: int, doc: dict[str, Any]) -> bytes:
    """The on-disk bytes of ``doc`` saved as ``generation``."""
    record: dict[str, Any] = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "generation": generation,
        "doc": doc,
    }
    import hashlib  # here: the TV app starts (and shows a code) without reading a record

    record["sha256"] = hashlib.sha256(_canonical(record)).hexdigest()
    return _canonical(record) + b"\n"


def decode_record(data: bytes) -> tuple[int, dict[str, Any]]:
    """Return ``(generation, doc)`` of a record, or raise :class:`_Damaged` with a reason."""
    if not data.strip():
        raise _Damaged("empty")
    if len(data) > MAX_RECORD_BYTES:
        raise _Damaged("larger than 1 MiB")
    try:
        record = json.loads(data)
    except (ValueError, RecursionError):
        raise _Damaged("not valid JSON (truncated or garbage)") from None
    if not isinstance(record, dict) or record.get("format") != FORMAT_NAME:
        raise _Damaged("not a token-store record")
    version = record.get("version")
    if type(version) is not int or version < 1:
        raise _Damaged("no valid format version")
    if version > FORMAT_VERSION:
        raise _Damaged(f"format version {version} is newer than this program understands")
    generation = record.get("generation")
    doc = record.get("doc")
    digest = record.get("sha256")
    if (
        set(record) != _RECORD_KEYS
        or type(generation) is not int
        or generation < 1
        or not isinstance(doc, dict)
        or not isinstance(digest, str)
    ):
        raise _Damaged("wrong schema")
    import hashlib
    import hmac

    unsigned = {k: v for k, v in record.items() if k != "sha256"}
    try:
        expected = hashlib.sha256(_canonical(unsigned)).hexdigest()
    except (ValueError, RecursionError):
        raise _Damaged("not canonical JSON") from None
    if not hmac.compare_digest(expected, digest):
        raise _Damaged("checksum mismatch")
    return generation, doc


class _Slot:
    """What one generation file held when it was read."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.present = False
        self.generation = 0
        self.doc: dict[str, Any] | None = None
        self.damage: str | None = None

    @property
    def valid(self) -> bool:
        return self.doc is not None


class TokenStore:
    """Crash-safe, checksummed, locked storage of one device profile's document.

    ``directory`` may start with ``~``; ``profile`` is a plain file name
    (``[A-Za-z0-9._-]``, 1 to 64 characters).
    """

    def __init__(self, directory: str | os.PathLike[str], profile: str = "default") -> None:
        if not isinstance(profile, str) or not _PROFILE_RE.fullmatch(profile):
            shown = repr(profile)[:80]
            raise TokenStoreError(
                f"The token store profile name {shown} is not allowed; use 1 to 64 letters, "
                "digits, '.', '_' or '-'."
            )
        self.directory: Path = Path(os.path.expanduser(os.fspath(directory))).absolute()
        self.profile: str = profile
        self.path: Path = self.directory / f"{profile}.json"
        self.warning: str | None = None
        self._main = f"{profile}.json"
        self._prev = f"{profile}.json.prev"
        self._lock_name = f".{profile}.lock"
        self._temp_prefix = f".{profile}.json.tmp."
        self._temp_re = re.compile(re.escape(self._temp_prefix) + r"\d+\.[0-9a-f]+")
        self._corrupt_re = re.compile(
            "(" + re.escape(self._main) + "|" + re.escape(self._prev) + r")\.corrupt-(\d+)"
        )
        self._last_generation = 0

    # ----------------------------------------------------------------- public API

    def load(self) -> dict[str, Any] | None:
        """The stored document, or None when nothing valid is stored.

        Damaged generations are set aside and the previous good one is used; ``warning``
        then says so. Raises :class:`TokenStoreError` only when the folder or a file in
        it is unsafe or unreadable.
        """
        self.warning = None
        try:
            return self._load()
        except (OSError, fsutil.UnsafeLocationError) as exc:
            raise self._error("read", exc) from exc

    def save(self, doc: dict[str, Any]) -> None:
        """Store ``doc`` as a new generation; it is on disk (fsynced) when this returns."""
        if not isinstance(doc, dict):
            raise TokenStoreUsageError("TokenStore.save() takes a dict.")
        try:
            _canonical(doc)
        except (TypeError, ValueError, RecursionError) as exc:
            # The exception text names a type or says "NaN"/"circular", never a value.
            raise TokenStoreUsageError(f"The document to save is not plain JSON: {exc}.") from None
        try:
            dfd = self._open_dir(create=True)
            try:
                with self._locked(dfd, DEFAULT_LOCK_TIMEOUT):
                    self._save_locked(dfd, doc)
            finally:
                os.close(dfd)
        except (OSError, fsutil.UnsafeLocationError, fsutil.LockTimeout) as exc:
            raise self._error("save", exc) from exc

    def check_writable(self) -> None:
        """Raise :class:`TokenStoreError` unless a record could be saved here now.

        Writes and removes a small temp file (fsynced): a read-only or full disk, a folder
        of another user or without write permission shows up before anything is at stake.
        """
        try:
            dfd = self._open_dir(create=True)
            try:
                temp = fsutil.write_temp_file(dfd, self.directory, self._temp_prefix, b"{}")
                fsutil.remove_quietly(dfd, temp)
            finally:
                os.close(dfd)
        except (OSError, fsutil.UnsafeLocationError) as exc:
            raise self._error("write to", exc) from exc

    def clear(self) -> None:
        """Remove every generation, temp file and set-aside copy of this profile."""
        self.warning = None
        try:
            dfd = fsutil.open_private_dir(self.directory, create=False)
            if dfd is None:
                return
            try:
                with self._locked(dfd, DEFAULT_LOCK_TIMEOUT):
                    for name in fsutil.list_names(dfd):
                        if self._owns(name):
                            with suppress(FileNotFoundError):
                                os.unlink(name, dir_fd=dfd)
                    fsutil.fsync_dir(dfd)
            finally:
                os.close(dfd)
        except (OSError, fsutil.UnsafeLocationError, fsutil.LockTimeout) as exc:
            raise self._error("clear", exc) from exc
        self._last_generation = 0
        log.info("token store %s: cleared", self.path)

    @contextmanager
    def lock(self, timeout: float = DEFAULT_LOCK_TIMEOUT) -> Iterator[None]:
        """Hold the profile's exclusive lock across processes for a read-modify-write.

        Re-entrant within the holding thread, so ``save()`` and ``load()`` work inside it.
        A lock held by a process that died is released by the kernel at once.
        """
        if not isinstance(timeout, int | float) or math.isnan(timeout):
            raise TokenStoreUsageError("TokenStore.lock() timeout must be a number of seconds.")
        with ExitStack() as stack:
            try:
                dfd = self._open_dir(create=True)
                try:
                    stack.enter_context(self._locked(dfd, max(0.0, float(timeout))))
                finally:
                    os.close(dfd)
            except (OSError, fsutil.UnsafeLocationError, fsutil.LockTimeout) as exc:
                raise self._error("lock", exc, timeout) from exc
            yield

    # ----------------------------------------------------------------- internals

    def _open_dir(self, create: bool) -> int:
        dfd = fsutil.open_private_dir(self.directory, create=create)
        if dfd is None:  # pragma: no cover - create=True either opens or raises
            raise FileNotFoundError(errno.ENOENT, "folder vanished", str(self.directory))
        return dfd

    def _locked(self, dfd: int, timeout: float) -> AbstractContextManager[None]:
        return fsutil.exclusive_lock(dfd, self.directory, self._lock_name, timeout)

    def _owns(self, name: str) -> bool:
        return (
            name in (self._main, self._prev)
            or self._temp_re.fullmatch(name) is not None
            or self._corrupt_re.fullmatch(name) is not None
        )

    def _read_slot(self, dfd: int, name: str) -> _Slot:
        slot = _Slot(name)
        data = fsutil.read_private_file(dfd, self.directory, name, MAX_RECORD_BYTES)
        if data is None:
            return slot
        slot.present = True
        try:
            slot.generation, slot.doc = decode_record(data)
        except _Damaged as why:
            slot.damage = str(why)
        return slot

    def _scan(self, dfd: int) -> tuple[_Slot, _Slot, list[str]]:
        main = self._read_slot(dfd, self._main)
        prev = self._read_slot(dfd, self._prev)
        temps = [n for n in fsutil.list_names(dfd) if self._temp_re.fullmatch(n)]
        return main, prev, temps

    def _load(self) -> dict[str, Any] | None:
        dfd = fsutil.open_private_dir(self.directory, create=False)
        if dfd is None:
            return None
        try:
            main, prev, temps = self._scan(dfd)
            moved: dict[str, str] = {}
            if temps or main.damage or prev.damage:
                # Tidying renames and unlinks files, so it needs the lock; a busy lock or a
                # read-only folder only postpones it: reading is safe without the lock.
                try:
                    with self._locked(dfd, 0.0):
                        main, prev, temps = self._scan(dfd)
                        moved = self._tidy(dfd, main, prev, temps)
                except (OSError, fsutil.LockTimeout) as exc:
                    log.debug("token store %s: tidying postponed (%s)", self.path, exc)
        finally:
            os.close(dfd)
        return self._choose(main, prev, moved)

    def _tidy(self, dfd: int, main: _Slot, prev: _Slot, temps: list[str]) -> dict[str, str]:
        """Sweep stale temp files and set damaged generations aside; return old -> new names."""
        for name in temps:
            # Under the lock no save is in flight, so every temp file is a dead writer's.
            fsutil.remove_quietly(dfd, name)
        moved: dict[str, str] = {}
        for slot in (main, prev):
            if slot.damage is not None:
                target = self._quarantine(dfd, slot.name)
                if target is not None:
                    moved[slot.name] = target
        fsutil.fsync_dir(dfd)
        return moved

    def _quarantine(self, dfd: int, name: str) -> str | None:
        numbers = sorted(
            int(m.group(2))
            for m in map(self._corrupt_re.fullmatch, fsutil.list_names(dfd))
            if m is not None and m.group(1) == name
        )
        target = f"{name}.corrupt-{(numbers[-1] + 1) if numbers else 1}"
        try:
            fsutil.replace(dfd, name, target)
        except OSError as exc:
            log.debug("token store %s: cannot set %s aside (%s)", self.path, name, exc)
            return None
        for old in numbers[: max(0, len(numbers) + 1 - KEEP_CORRUPT)]:
            fsutil.remove_quietly(dfd, f"{name}.corrupt-{old}")
        return target

    def _choose(self, main: _Slot, prev: _Slot, moved: dict[str, str]) -> dict[str, Any] | None:
        valid = [s for s in (main, prev) if s.valid]
        best = max(valid, key=lambda s: s.generation) if valid else None
        damaged = [s for s in (main, prev) if s.damage is not None]
        if best is not None:
            self._last_generation = max(self._last_generation, best.generation)
        if not damaged:
            return best.doc if best is not None else None
        # One WARNING line naming files and generations only, never their content.
        what = "; ".join(
            f"{s.name} ({s.damage}) " + (f"moved to {moved[s.name]}" if s.name in moved else "left")
            for s in damaged
        )
        if best is None:
            log.warning("token store %s: damaged %s; nothing valid left", self.directory, what)
            self.warning = (
                "The saved sign-in was damaged and has been set aside, "
                "so this device must be signed in again."
            )
            return None
        log.warning(
            "token store %s: damaged %s; using %s generation %d",
            self.directory,
            what,
            best.name,
            best.generation,
        )
        if main.damage is not None:
            self.warning = (
                "The newest saved sign-in was damaged, so the previous one "
                f"(generation {best.generation}) is used instead."
            )
        else:
            self.warning = (
                "An older backup copy of the sign-in was damaged and has been set aside; "
                "the current sign-in is fine."
            )
        return best.doc

    def _save_locked(self, dfd: int, doc: dict[str, Any]) -> None:
        main = self._read_slot(dfd, self._main)
        prev = self._read_slot(dfd, self._prev)
        generation = max(self._last_generation, main.generation, prev.generation) + 1
        data = encode_record(generation, doc)
        if len(data) > MAX_RECORD_BYTES:
            raise TokenStoreUsageError(
                f"The document to save takes {len(data)} bytes, more than the token store's "
                "1 MiB limit; store less in it."
            )
        temp = fsutil.write_temp_file(dfd, self.directory, self._temp_prefix, data)
        try:
            if main.valid:
                # Keep the current good record as the fallback generation. A damaged one is
                # simply overwritten below, so it can never push a good fallback out.
                fsutil.replace(dfd, self._main, self._prev)
            fsutil.replace(dfd, temp, self._main)
        except BaseException:
            fsutil.remove_quietly(dfd, temp)
            raise
        fsutil.fsync_dir(dfd)
        self._last_generation = generation
        log.debug("token store %s: saved generation %d", self.path, generation)

    def _error(
        self, action: str, exc: BaseException, timeout: float | None = None
    ) -> TokenStoreError:
        """One sentence saying what went wrong with the folder and what to check."""
        folder = self.directory
        if isinstance(exc, fsutil.UnsafeLocationError):
            return TokenStoreError(str(exc))
        if isinstance(exc, fsutil.LockTimeout):
            waited = DEFAULT_LOCK_TIMEOUT if timeout is None else timeout
            return TokenStoreError(
                f"The token store in {folder} stayed locked by another process for {waited:g} s; "
                "stop the other device-app instance using it or try again."
            )
        assert isinstance(exc, OSError)
        head = f"Cannot {action} the token store in {folder}"
        code = exc.errno
        if code == errno.ENOSPC:
            return TokenStoreError(
                f"{head}: the disk is full; free some space on that partition "
                "or point token_store at another one."
            )
        if code == errno.EDQUOT:
            return TokenStoreError(
                f"{head}: the disk quota is used up; free some space or raise it."
            )
        if code == errno.EROFS:
            return TokenStoreError(
                f"{head}: the file system is read-only; is the root read-only (or the SD card "
                "remounted read-only after errors)? Point token_store at a writable partition."
            )
        if code in (errno.EACCES, errno.EPERM):
            return TokenStoreError(
                f"{head}: permission denied; make that folder owned by and writable for the "
                f"user running device-app (uid {os.geteuid()})."
            )
        if code == errno.EIO:
            return TokenStoreError(
                f"{head}: an I/O error occurred; the SD card or disk may be failing, "
                "check 'dmesg' and consider replacing it."
            )
        reason = exc.strerror or type(exc).__name__
        return TokenStoreError(f"{head}: {reason}; check that folder and its file system.")
