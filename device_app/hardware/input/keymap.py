"""Keymaps as data: key name -> action id, a default layered under each board's ``[keymap]``.

Key names come in two kinds that share one table:

* SDL key names (lower case): what pygame calls a key with ``key.name(k, use_compat=False)``,
  e.g. ``return``, ``escape``, ``keypad enter``, ``ac back``, ``f1``;
* Linux evdev names (upper case, ``KEY_*`` / ``BTN_*`` from input-event-codes.h), e.g.
  ``KEY_OK``, ``KEY_SELECT``, ``KEY_EXIT``, ``KEY_RED``.

The action ``none`` in a board's keymap removes a default binding.
"""

from __future__ import annotations

import functools
import importlib.machinery
import importlib.util
import os
import re
import sys
import tomllib
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import cast

from device_app.core.errors import ConfigurationError
from device_app.hardware.input.actions import ALL_ACTIONS

DEFAULT_KEYMAP_FILE = Path(__file__).resolve().parent / "default_keymap.toml"
UNBIND = "none"

_EVDEV_NAME = re.compile(r"^(KEY|BTN)_[A-Z0-9_]+$")


class KeymapError(ConfigurationError, ValueError):
    """A keymap entry is wrong. ``key`` is the offending key name; the text says what to fix."""

    def __init__(self, key: str, message: str) -> None:
        ConfigurationError.__init__(self, message)
        self.key = key


def is_evdev_name(name: str) -> bool:
    """True for a Linux input-event-codes name such as ``KEY_OK`` (upper case KEY_/BTN_)."""
    return name.startswith(("KEY_", "BTN_"))


@functools.lru_cache(maxsize=1)
def _evdev_codes() -> Mapping[str, int] | None:
    """Names -> codes of linux/input-event-codes.h, from python-evdev (None if missing).

    Read from its compiled table ``evdev._ecodes`` without importing the ``evdev`` package,
    whose ``__init__`` pulls in asyncio: checking a board's keymap then costs 25 ms and
    2.6 MiB less before the first frame (benchmarks/bench_budget.py). The package itself is
    imported when a device is opened.
    """
    loaded = sys.modules.get("evdev.ecodes")
    if loaded is not None:
        return cast(Mapping[str, int], loaded.ecodes)
    try:
        package = importlib.util.find_spec("evdev")  # a top-level name: found, not imported
    except (ImportError, ValueError):
        return None
    if package is None or not package.submodule_search_locations:
        return None
    spec = importlib.machinery.PathFinder.find_spec(
        "evdev._ecodes", list(package.submodule_search_locations)
    )
    if spec is None or spec.loader is None:
        return _evdev_codes_by_import()
    table = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(table)
    return {k: v for k, v in vars(table).items() if k[:1] != "_" and isinstance(v, int)}


def _evdev_codes_by_import() -> Mapping[str, int] | None:
    try:
        from evdev import ecodes  # optional: only the Pi extra installs python-evdev
    except ImportError:
        return None
    codes: Mapping[str, int] = ecodes.ecodes
    return codes


def evdev_code(name: str) -> int | None:
    """The numeric code of an evdev key name, or None if unknown or python-evdev is missing."""
    codes = _evdev_codes()
    if codes is None:
        return None
    return codes.get(name)


def sdl_key_code(name: str) -> int | None:
    """The pygame key code of an SDL key name (any case), or None if SDL has no such key."""
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")  # keep stdout for the CLI's output
    import pygame

    with warnings.catch_warnings():
        # key_code() works before pygame.init() but warns that it might not; SDL's name table
        # is static, so the answer is the same.
        warnings.simplefilter("ignore")
        try:
            code = int(pygame.key.key_code(name))
        except ValueError:
            return None
    return code or None


def normalize_key_name(name: str) -> str:
    """Evdev names stay as written; SDL names are compared in lower case."""
    name = name.strip()
    return name if is_evdev_name(name) else name.lower()


def check_entry(key: str, action: str) -> None:
    """Raise :class:`KeymapError` if ``key`` is not a known key name or ``action`` not an action."""
    if action != UNBIND and action not in ALL_ACTIONS:
        known = ", ".join(sorted(ALL_ACTIONS))
        raise KeymapError(
            key,
            f"unknown action {action!r} for key {key!r} (expected one of: {known}, "
            f"or {UNBIND!r} to unbind)",
        )
    if is_evdev_name(key):
        codes = _evdev_codes()
        if not _EVDEV_NAME.match(key) or (codes is not None and key not in codes):
            raise KeymapError(
                key,
                f"unknown evdev key name {key!r} (expected a KEY_* name from "
                "linux/input-event-codes.h, e.g. KEY_OK)",
            )
        return
    if key.upper().startswith(("KEY_", "BTN_")):
        raise KeymapError(key, f"evdev key names are upper case: write {key.upper()!r}")
    if not key.strip() or sdl_key_code(key) is None:
        raise KeymapError(
            key,
            f'unknown SDL key name {key!r} (expected a name such as "return", '
            '"escape", "up", "f1", "keypad enter")',
        )


def _flatten(raw: Mapping[str, object], source: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for section in ("sdl", "evdev"):
        table = raw.get(section, {})
        if not isinstance(table, dict):
            raise KeymapError(section, f"{source}: [{section}] must be a table")
        for key, action in table.items():
            if not isinstance(action, str):
                raise KeymapError(key, f"{source}: {section}.{key} must be a string")
            if is_evdev_name(key) != (section == "evdev"):
                raise KeymapError(key, f"{source}: key {key!r} is in the wrong section [{section}]")
            check_entry(key, action)
            out[normalize_key_name(key)] = action
    return out


@functools.lru_cache(maxsize=1)
def _default() -> Mapping[str, str]:
    with DEFAULT_KEYMAP_FILE.open("rb") as f:
        raw = tomllib.load(f)
    return _flatten(raw, str(DEFAULT_KEYMAP_FILE))


def default_keymap() -> dict[str, str]:
    """A copy of the shipped default keymap (flat: key name -> action)."""
    return dict(_default())


def layer_keymap(overrides: Mapping[str, str]) -> dict[str, str]:
    """The default keymap with a board's entries on top; raises :class:`KeymapError` on a bad one.

    A board entry replaces the default for that key name; the action ``none`` removes it.
    """
    merged = default_keymap()
    for key, action in overrides.items():
        check_entry(key, action)
        name = normalize_key_name(key)
        if action == UNBIND:
            merged.pop(name, None)
        else:
            merged[name] = action
    return merged


def sdl_part(keymap: Mapping[str, str]) -> dict[str, str]:
    """Only the SDL key names of a keymap."""
    return {k: a for k, a in keymap.items() if not is_evdev_name(k)}


def evdev_part(keymap: Mapping[str, str]) -> dict[str, str]:
    """Only the evdev key names of a keymap."""
    return {k: a for k, a in keymap.items() if is_evdev_name(k)}
