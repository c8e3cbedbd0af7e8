"""Colour themes as data: ui_assets/themes/<name>.toml, validated once."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields
from importlib.resources.abc import Traversable
from pathlib import Path

from device_app.assets import THEME_DIR, stem, toml_files
from device_app.core.errors import ConfigurationError

Colour = tuple[int, int, int]


class ThemeError(ConfigurationError, ValueError):
    """A theme file is missing or wrong; the message names the file and the key."""

    def __init__(self, message: str) -> None:
        ConfigurationError.__init__(self, message)


@dataclass(frozen=True)
class Theme:
    """Every colour a screen uses, as (r, g, b)."""

    name: str
    background: Colour
    text: Colour
    muted: Colour
    accent: Colour
    code: Colour
    warning: Colour
    error: Colour
    success: Colour
    card: Colour
    qr_dark: Colour
    button: Colour
    button_text: Colour
    focus: Colour
    focus_text: Colour


_COLOUR_KEYS = tuple(f.name for f in fields(Theme) if f.name != "name")


def parse_colour(value: object, where: str) -> Colour:
    """'#RRGGBB' -> (r, g, b)."""
    if not isinstance(value, str) or len(value) != 7 or not value.startswith("#"):
        raise ThemeError('%s must be a colour like "#1A2B3C", not %r' % (where, value))
    try:
        return (int(value[1:3], 16), int(value[3:5], 16), int(value[5:7], 16))
    except ValueError:
        raise ThemeError('%s must be a colour like "#1A2B3C", not %r' % (where, value)) from None


def available_themes() -> list[str]:
    """Names of the bundled themes."""
    return [stem(f) for f in toml_files(THEME_DIR)]


def load_theme(name: str) -> Theme:
    """Load a bundled theme by name (or a path to a .toml file)."""
    path: Traversable = Path(name) if name.endswith(".toml") else THEME_DIR / (name + ".toml")
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise ThemeError(
            "%s: no such theme (known themes: %s)" % (path, ", ".join(available_themes()))
        ) from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise ThemeError("%s: cannot read theme: %s" % (path, e)) from None
    unknown = sorted(set(data) - set(_COLOUR_KEYS) - {"name"})
    if unknown:
        raise ThemeError(
            "%s: unknown key %s (expected: %s)" % (path, unknown[0], ", ".join(_COLOUR_KEYS))
        )
    missing = [k for k in _COLOUR_KEYS if k not in data]
    if missing:
        raise ThemeError("%s: missing colour %s" % (path, missing[0]))
    colours = {k: parse_colour(data[k], "%s: %s" % (path, k)) for k in _COLOUR_KEYS}
    return Theme(name=str(data.get("name", stem(path))), **colours)


def _linear(channel: int) -> float:
    c = channel / 255.0
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def luminance(colour: Colour) -> float:
    """WCAG 2.x relative luminance."""
    r, g, b = (_linear(c) for c in colour)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: Colour, b: Colour) -> float:
    """WCAG 2.x contrast ratio, 1.0 .. 21.0."""
    la, lb = luminance(a), luminance(b)
    hi, lo = max(la, lb), min(la, lb)
    return (hi + 0.05) / (lo + 0.05)
