"""pygame for the TV app, imported without the parts of it that the app never uses.

``import pygame`` loads some thirty modules. Six of them serve nothing the app does, and
cost ~10 ms of the ~110 ms from process start to the code on screen on the development
machine (issue 14, ``benchmarks/bench_budget.py``): sound (SDL_mixer is loaded as a library),
pygame's debug report and its power-state data class (``dataclasses`` and ``inspect``), the
clipboard, pygame's typing aliases, and its resource finder (``importlib.resources``, with
``tempfile`` and ``zipfile``; the window icon set before the screen opens spares it,
hardware/display/base.py).

pygame imports each of them in a ``try``, and stands a placeholder in for one that will not
import; none of them warns. They are hidden only while pygame imports: afterwards
``import pygame.mixer`` (or any other) loads the real module as usual.
"""

from __future__ import annotations

import sys
from types import ModuleType

UNUSED = (
    "pygame.mixer",
    "pygame.mixer_music",
    "pygame._debug",
    "pygame._data_classes",
    "pygame.scrap",
    "pygame.typing",
    "pygame.pkgdata",
)


def import_pygame() -> ModuleType:
    """pygame, imported now without :data:`UNUSED`, unless something imported it already."""
    loaded = sys.modules.get("pygame")
    if loaded is not None:
        return loaded
    hidden = [name for name in UNUSED if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]  # `import` then raises ImportError
    try:
        import pygame
    finally:
        for name in hidden:
            if name in sys.modules and sys.modules[name] is None:
                del sys.modules[name]
    return pygame
