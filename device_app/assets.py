"""Where the files the app reads at run time live: fonts, themes, catalogues and board files.

One home for these locations, so that every layer finds them the same way.
"""

from __future__ import annotations

from pathlib import Path

_ROOT = Path(__file__).resolve().parent.parent

UI_ASSETS = _ROOT / "ui_assets"
FONT_DIR = UI_ASSETS / "fonts"
THEME_DIR = UI_ASSETS / "themes"
LOCALE_DIR = UI_ASSETS / "locale"
BOARD_DIR = _ROOT / "board_configs"
