"""Where the files the app reads at run time live: fonts, themes, catalogues and board files.

One home for these locations, so that every layer finds them the same way. They are package
data: the repository keeps them in ``ui_assets/`` and ``board_configs/`` at its top, and
pyproject.toml maps those folders to the packages ``device_app.ui_assets`` and
``device_app.board_configs``, in a wheel and in an editable checkout alike.

Locations are :class:`~importlib.resources.abc.Traversable`, read through ``read_text``,
``read_bytes`` and ``open``: the package's own folder (a :class:`~pathlib.Path`) when it is
installed as files, which pip always does, else what ``importlib.resources`` makes of it (a
zip archive). The folder is taken from the package itself because ``importlib.resources``
costs ~3 ms of the TV's start (it loads ``tempfile`` and ``zipfile``). The one caller that
needs a file name (SDL_ttf opens fonts by name) asks :func:`file_path`: that is the file
itself, or a temporary copy kept for the life of the process out of a zip archive.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib
import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable


def files(package: str) -> Traversable:
    """The folder of ``package`` (a package of data files)."""
    folders = list(getattr(importlib.import_module(package), "__path__", ()))
    if len(folders) == 1 and os.path.isdir(folders[0]):
        return Path(folders[0])
    from importlib import resources

    return resources.files(package)


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
    from importlib.resources import as_file

    return _copies.enter_context(as_file(resource))
