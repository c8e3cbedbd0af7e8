"""What a person changed with the remote (so far: the language), kept across reboots.

One small JSON file, ``settings.json``, in its own owner-only folder (by default
``engine.locations.tv_settings_dir()``): never in the token store, which holds tokens only.
It is written whole or not at all (a temporary file, fsync, rename), so a power cut leaves the
old choice or the new one. A file that cannot be read or makes no sense is named in one log
line and left alone; the board's language is shown meanwhile.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

from device_app.engine import private_files

log = logging.getLogger(__name__)

FILE_NAME = "settings.json"
MAX_BYTES = 4096  # a handful of keys; anything larger is not ours


def load(folder: Path) -> dict[str, Any]:
    """The saved settings ({} when there are none or they cannot be used)."""
    path = folder / FILE_NAME
    try:
        dfd = private_files.open_private_dir(folder, create=False)
        if dfd is None:
            return {}
        try:
            data = private_files.read_private_file(dfd, folder, FILE_NAME, MAX_BYTES)
        finally:
            os.close(dfd)
        if data is None:
            return {}
        value = json.loads(data.decode("utf-8")) if len(data) <= MAX_BYTES else None
    except (OSError, ValueError, private_files.UnsafeLocationError) as e:
        log.warning("ignoring the TV settings in %s: %s", path, e)
        return {}
    if not isinstance(value, dict):
        log.warning("ignoring the TV settings in %s: not a JSON object", path)
        return {}
    return value


def save(folder: Path, **changes: str) -> None:
    """Merge ``changes`` into the saved settings, atomically; raises OSError on failure."""
    settings = dict(load(folder), **changes)
    data = (json.dumps(settings, sort_keys=True) + "\n").encode("utf-8")
    dfd = private_files.open_private_dir(folder, create=True)
    assert dfd is not None
    try:
        temp = private_files.write_temp_file(dfd, folder, "." + FILE_NAME + ".tmp.", data)
        private_files.replace(dfd, temp, FILE_NAME)
        private_files.fsync_dir(dfd)
    finally:
        os.close(dfd)
