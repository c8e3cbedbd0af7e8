"""Where device-app keeps its files by default, after the XDG Base Directory specification.

- Tokens are *state* (they matter across restarts, but are not configuration):
  ``$XDG_STATE_HOME/device-app``, else ``~/.local/state/device-app``.
- The discovery documents are a *cache* (public metadata, refetched when missing):
  ``$XDG_CACHE_HOME/device-app/discovery``, else ``~/.cache/device-app/discovery``.

The specification (https://specifications.freedesktop.org/basedir-spec/latest/) says a
relative path in these variables is invalid and must be ignored; we do so.

Older versions kept tokens in ``~/.local/state/device-app`` whatever ``XDG_STATE_HOME`` said,
and the discovery cache in a ``discovery`` folder inside the token store. A token store found
at the old place is still used (and the log says where to move it); the old cache folder is
simply no longer read.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path

log = logging.getLogger(__name__)

APP_FOLDER = "device-app"


def _base(environ: Mapping[str, str], variable: str, fallback: tuple[str, ...]) -> Path:
    value = environ.get(variable, "")
    if value and os.path.isabs(value):
        return Path(value)
    home = environ.get("HOME") or os.path.expanduser("~")
    return Path(home, *fallback)


def state_home(environ: Mapping[str, str] | None = None) -> Path:
    """``$XDG_STATE_HOME`` or ``~/.local/state``."""
    return _base(os.environ if environ is None else environ, "XDG_STATE_HOME", (".local", "state"))


def cache_home(environ: Mapping[str, str] | None = None) -> Path:
    """``$XDG_CACHE_HOME`` or ``~/.cache``."""
    return _base(os.environ if environ is None else environ, "XDG_CACHE_HOME", (".cache",))


def default_token_store(environ: Mapping[str, str] | None = None) -> Path:
    """The token store folder when neither a flag, a profile file nor the board names one."""
    env = os.environ if environ is None else environ
    current = state_home(env) / APP_FOLDER
    legacy = _base({"HOME": env.get("HOME", "")}, "", (".local", "state")) / APP_FOLDER
    if current != legacy and not os.path.lexists(current) and os.path.isdir(legacy):
        log.info(
            "using the token store at %s; move it to %s to follow XDG_STATE_HOME", legacy, current
        )
        return legacy
    return current


def tv_settings_dir(environ: Mapping[str, str] | None = None) -> Path:
    """What a person set with the remote (the language): state, but not tokens, so beside
    the token store's folder rather than in it: ``$XDG_STATE_HOME/device-app-tv``."""
    return state_home(environ) / (APP_FOLDER + "-tv")


def discovery_cache_dir(environ: Mapping[str, str] | None = None) -> Path:
    """The folder of cached discovery documents."""
    return cache_home(environ) / APP_FOLDER / "discovery"
