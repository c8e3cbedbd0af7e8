"""pygame as the TV app imports it (hardware/pygame_import.py): without sound, the debug
report, the clipboard, the typing aliases and the resource finder, in a fresh interpreter
as ``device-app run`` starts; what the app draws with works, and a module left out still
imports when asked for by name."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.timeout(60)

CHECK = r"""
import json, sys
from device_app.hardware.pygame_import import UNUSED, import_pygame

pygame = import_pygame()
loaded = sorted(n for n in UNUSED if n in sys.modules)
heavy = sorted(n for n in ("dataclasses", "inspect", "importlib.resources") if n in sys.modules)
again = import_pygame() is pygame

from device_app.hardware.display.base import start_video
driver, screen = start_video(["dummy"], (320, 180), 0)
after_screen = sorted(n for n in ("pygame.pkgdata", "importlib.resources") if n in sys.modules)
screen.fill((16, 20, 28))
small = pygame.image.frombytes(bytes(3 * 4), (2, 2), "RGB")
pygame.transform.scale(small.convert(screen), (8, 8), screen.subsurface((0, 0, 8, 8)))
pygame.font.init()
font = pygame.font.Font("%(font)s", 24)
text = font.render("WDJB-MJHT", True, (255, 255, 255), (16, 20, 28))
screen.blit(text, (10, 10))
pygame.display.flip()

import pygame.mixer  # left out at first: loads as usual when asked for by name
print(json.dumps({
    "loaded": loaded, "heavy": heavy, "again": again, "driver": driver,
    "after_screen": after_screen, "text": list(text.get_size()),
    "mixer": type(pygame.mixer).__name__, "mixer_init": hasattr(pygame.mixer, "init"),
}))
"""


def run_fresh(code: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy")
    env.pop("PYGAME_HIDE_SUPPORT_PROMPT", None)
    return subprocess.run(
        [sys.executable, "-W", "error::RuntimeWarning", "-c", code],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


def test_the_tv_imports_pygame_without_what_it_never_uses() -> None:
    from device_app.assets import FONT_DIR, file_path

    font = file_path(FONT_DIR / "DejaVuSans.ttf")
    r = run_fresh(CHECK % {"font": font})
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout.splitlines()[-1])
    assert out["loaded"] == [] and out["heavy"] == []
    assert out["again"] and out["driver"] == "dummy"
    # The window icon is set before the screen opens: pygame looks for no icon file of its own.
    assert out["after_screen"] == []
    assert out["text"][0] > 0
    assert out["mixer"] == "module" and out["mixer_init"]
    assert "Warning" not in r.stderr  # pygame says nothing of the modules it went without


def test_pygame_imported_whole_elsewhere_is_left_alone() -> None:
    """A program that imported pygame itself keeps it as it is."""
    r = run_fresh(
        "import sys, pygame\n"
        "from device_app.hardware.pygame_import import UNUSED, import_pygame\n"
        "assert import_pygame() is pygame\n"
        "print(sorted(n for n in UNUSED if n in sys.modules and sys.modules[n] is not None))"
    )
    assert r.returncode == 0, r.stderr
    assert "pygame.mixer" in r.stdout and "pygame._debug" in r.stdout
