"""Colour themes as data: ui_assets/themes/<name>.toml, validated once."""

# No ``from __future__ import annotations``: typing.NamedTuple compiles every string
# annotation when the class is made (issue 14: ~2.5 ms of the TV's start over its modules).

import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:  # no importlib.resources at run time (assets.py)
    from importlib.resources.abc import Traversable

from device_app.assets import THEME_DIR, file_path, stem, toml_files
from device_app.core.errors import ConfigurationError

Colour = tuple[int, int, int]


class ThemeError(ConfigurationError, ValueError):
    """A theme file is missing or wrong; the message names the file and the key."""

    def __init__(self, message: str) -> None:
        ConfigurationError.__init__(self, message)


# The user code and the address are read from the sofa and typed on a phone: WCAG 2's
# level AAA for text (7:1, success criterion 1.4.6) is the least a theme may give them.
MIN_CODE_CONTRAST = 7.0
LOGO_TYPES = (".png", ".svg")  # what SDL_image in pygame-ce's wheels decodes for us
MAX_LOGO_BYTES = 2 * 1024 * 1024  # a logo, not a photograph: the TV keeps it in memory


class Theme(NamedTuple):
    """Every colour a screen uses, as (r, g, b), and the operator's logo (a file) if any."""

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
    logo: str = ""  # a PNG or SVG file, shown at the top of every screen


# The names of a theme's colours: what a theme file must set and a screen element may name.
COLOUR_KEYS = tuple(f for f in Theme._fields if f not in ("name", "logo"))


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
    unknown = sorted(set(data) - set(COLOUR_KEYS) - {"name", "logo"})
    if unknown:
        raise ThemeError(
            "%s: unknown key %s (expected: %s)" % (path, unknown[0], ", ".join(COLOUR_KEYS))
        )
    missing = [k for k in COLOUR_KEYS if k not in data]
    if missing:
        raise ThemeError("%s: missing colour %s" % (path, missing[0]))
    colours = {k: parse_colour(data[k], "%s: %s" % (path, k)) for k in COLOUR_KEYS}
    for key, what in (("code", "the user code"), ("accent", "the address (accent)")):
        ratio = contrast_ratio(colours[key], colours["background"])
        if ratio < MIN_CODE_CONTRAST:
            raise ThemeError(
                '%s: %s in %s = "%s" on background = "%s" has a contrast of %.1f:1; it must be '
                "at least %g:1 to be read across a room: make one of them lighter or darker"
                % (
                    path,
                    what,
                    key,
                    hex_colour(colours[key]),
                    hex_colour(colours["background"]),
                    ratio,
                    MIN_CODE_CONTRAST,
                )
            )
    logo = _logo(path, data["logo"]) if "logo" in data else ""
    return Theme(name=str(data.get("name", stem(path))), logo=logo, **colours)


def hex_colour(colour: Colour) -> str:
    """(r, g, b) -> '#RRGGBB', as theme files write colours."""
    return "#%02X%02X%02X" % colour


def _logo(theme_path: "Traversable", value: object) -> str:
    """The logo's file (relative to the theme's folder), checked to be a PNG or SVG that
    decodes; its path as a string."""
    if not isinstance(value, str) or not value.lower().endswith(LOGO_TYPES):
        raise ThemeError(
            "%s: logo must name a .png or .svg file beside the theme, not %r" % (theme_path, value)
        )
    logo = theme_path.parent / value if isinstance(theme_path, Path) else THEME_DIR / value
    try:
        size = len(logo.read_bytes())
        real = file_path(logo)
    except OSError as e:
        raise ThemeError("%s: cannot read the logo %s: %s" % (theme_path, logo, e)) from None
    if size > MAX_LOGO_BYTES:
        raise ThemeError(
            "%s: the logo %s is %d bytes; keep it under %d (a TV holds it in memory)"
            % (theme_path, logo, size, MAX_LOGO_BYTES)
        )
    import pygame  # only here: reading a theme's colours needs no display library

    try:
        pygame.image.load(str(real))
    except (pygame.error, OSError, ValueError) as e:
        raise ThemeError("%s: the logo %s cannot be decoded: %s" % (theme_path, logo, e)) from None
    return str(real)


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
