"""Where the files the app reads at run time live: fonts, themes, catalogues and board files.

One home for these locations, so that every layer finds them the same way. They are package
data, found with ``importlib.resources``: the repository keeps them in ``ui_assets/`` and
``board_configs/`` at its top, and pyproject.toml maps those folders to the packages
``device_app.ui_assets`` and ``device_app.board_configs``, in a wheel and in an editable
checkout alike.

Locations are :class:`~importlib.resources.abc.Traversable`, read through ``read_text``,
``read_bytes`` and ``open``. The one caller that needs a file name (SDL_ttf opens fonts by
name) asks :func:`file_path`: that is the file itself when the package is installed as files,
which pip always does, and a temporary copy kept for the life of the process should the
package ever be imported from a zip archive.
"""

from __future__ import annotations

import atexit
import contextlib
from importlib.resources import as_file, files
from importlib.resources.abc import Traversable
from pathlib import Path

UI_ASSETS: Traversable = files("device_app.ui_assets")
FONT_DIR: Traversable = UI_ASSETS / "fonts"
THEME_DIR: Traversable = UI_ASSETS / "themes"
LOCALE_DIR: Traversable = UI_ASSETS / "locale"
BOARD_DIR: Traversable = files("device_app.board_configs")

_copies = contextlib.ExitStack()
atexit.register(_copies.close)


def toml_files(folder: Traversable) -> list[Traversable]:
    """The ``*.toml`` files of a folder, sorted by name (empty if the folder is missing)."""
    if not folder.is_dir():
        return []
    return sorted((f for f in folder.iterdir() if f.name.endswith(".toml")), key=lambda f: f.name)


def stem(resource: Traversable) -> str:
    """The file name without its last suffix: ``desktop.toml`` -> ``desktop``."""
    return resource.name.rpartition(".")[0] or resource.name


def file_path(resource: Traversable) -> Path:
    """A real file name for a resource, for libraries that open files by name."""
    if isinstance(resource, Path):
        return resource
    return _copies.enter_context(as_file(resource))
