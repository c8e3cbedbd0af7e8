"""Board configurations: one TOML file per board in ``board_configs/``, validated once.

Loading is strict. An unknown key, a wrong type or a missing file raises
:class:`BoardError`, whose message names the file, the key and what was expected.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

BOARD_DIR = Path(__file__).resolve().parent.parent / "board_configs"

ROTATIONS = (0, 90, 180, 270)
DISPLAYS = ("window", "kmsdrm", "framebuffer", "offscreen")
INPUT_SOURCES = ("keyboard", "evdev", "touch", "scripted")


class BoardError(ValueError):
    """A board file is missing or wrong; the message says where and what to fix."""


@dataclass(frozen=True)
class SafeArea:
    """Title-safe insets, as fractions of the screen's width (left/right) and height (top/bottom)."""

    top: float = 0.05
    right: float = 0.05
    bottom: float = 0.05
    left: float = 0.05


@dataclass(frozen=True)
class Kiosk:
    """Unattended behaviour: nobody is there to press OK."""

    enabled: bool = False
    sign_out_after: float = 60.0  # seconds signed in before the next visitor gets a fresh code
    renew_expired_code: bool = True  # get a new code by itself when one expires
    retry_backoff_max: float = 60.0  # cap of the backoff between automatic recoveries


@dataclass(frozen=True)
class Board:
    """Everything the app needs to know about where it runs."""

    name: str
    description: str
    width: int
    height: int
    display: str = "window"  # one of DISPLAYS
    video_driver: str = ""  # SDL_VIDEODRIVER to try first ("" lets SDL choose)
    video_fallbacks: tuple[str, ...] = ()
    fullscreen: bool = False
    rotation: int = 0  # degrees, done in software
    framebuffer: str = ""  # e.g. /dev/fb1 for display = "framebuffer"
    safe_area: SafeArea = field(default_factory=SafeArea)
    theme: str = "dark"
    locale: str = ""  # "" = from the environment (LANGUAGE, LC_ALL, LC_MESSAGES, LANG)
    device_name: str = "Living-room TV"
    keymap: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    input_sources: tuple[str, ...] = ("keyboard",)
    evdev_devices: tuple[str, ...] = ()  # device names or paths to read; empty = all with keys
    touch: bool = False
    token_store: str = "~/.local/state/device-app"
    kiosk: Kiosk = field(default_factory=Kiosk)
    source: str = ""  # the file it was loaded from


_SPEC: dict[str, Any] = {
    "name": str,
    "description": str,
    "width": int,
    "height": int,
    "display": str,
    "video_driver": str,
    "video_fallbacks": [str],
    "fullscreen": bool,
    "rotation": int,
    "framebuffer": str,
    "safe_area": {"top": float, "right": float, "bottom": float, "left": float},
    "theme": str,
    "locale": str,
    "device_name": str,
    "keymap": {str: str},
    "input_sources": [str],
    "evdev_devices": [str],
    "touch": bool,
    "token_store": str,
    "kiosk": {
        "enabled": bool,
        "sign_out_after": float,
        "renew_expired_code": bool,
        "retry_backoff_max": float,
    },
}
_REQUIRED = ("name", "description", "width", "height")


def _type_name(t: Any) -> str:
    if isinstance(t, list):
        return "a list of %ss" % _type_name(t[0])
    if isinstance(t, dict):
        return "a table"
    return {str: "a string", int: "an integer", float: "a number", bool: "true or false"}[t]


def _check(src: str, key: str, value: Any, spec: Any) -> Any:
    if isinstance(spec, list):
        if not isinstance(value, list):
            raise BoardError("%s: %s must be %s" % (src, key, _type_name(spec)))
        return tuple(_check(src, "%s[%d]" % (key, i), v, spec[0]) for i, v in enumerate(value))
    if isinstance(spec, dict):
        if not isinstance(value, dict):
            raise BoardError("%s: [%s] must be a table" % (src, key))
        if str in spec:  # a free-form mapping
            return {k: _check(src, "%s.%s" % (key, k), v, spec[str]) for k, v in value.items()}
        out = {}
        for k, v in value.items():
            if k not in spec:
                raise BoardError(
                    "%s: unknown key %s.%s (expected one of: %s)"
                    % (src, key, k, ", ".join(sorted(spec)))
                )
            out[k] = _check(src, "%s.%s" % (key, k), v, spec[k])
        return out
    if spec is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if spec is int and isinstance(value, bool):
        raise BoardError("%s: %s must be %s, not %r" % (src, key, _type_name(spec), value))
    if not isinstance(value, spec):
        raise BoardError("%s: %s must be %s, not %r" % (src, key, _type_name(spec), value))
    return value


def parse_board(data: Mapping[str, Any], source: str) -> Board:
    """Validate a decoded board table and build a :class:`Board`."""
    for key in data:
        if key not in _SPEC:
            raise BoardError(
                "%s: unknown key %r (expected one of: %s)" % (source, key, ", ".join(sorted(_SPEC)))
            )
    for key in _REQUIRED:
        if key not in data:
            raise BoardError("%s: missing key %r (%s)" % (source, key, _type_name(_SPEC[key])))
    v = {k: _check(source, k, data[k], _SPEC[k]) for k in data}
    if not (64 <= v["width"] <= 7680 and 64 <= v["height"] <= 4320):
        raise BoardError("%s: width and height must be between 64x64 and 7680x4320" % source)
    if v.get("rotation", 0) not in ROTATIONS:
        raise BoardError("%s: rotation must be one of 0, 90, 180, 270" % source)
    if v.get("display", "window") not in DISPLAYS:
        raise BoardError("%s: display must be one of: %s" % (source, ", ".join(DISPLAYS)))
    for s in v.get("input_sources", ()):
        if s not in INPUT_SOURCES:
            raise BoardError(
                "%s: input_sources: unknown source %r (expected: %s)"
                % (source, s, ", ".join(INPUT_SOURCES))
            )
    if v.get("display") == "framebuffer" and not v.get("framebuffer"):
        raise BoardError("%s: display = \"framebuffer\" needs framebuffer = \"/dev/fbN\"" % source)
    if "safe_area" in v:
        for side, frac in v["safe_area"].items():
            if not 0.0 <= frac < 0.4:
                raise BoardError("%s: safe_area.%s must be between 0 and 0.4" % (source, side))
        v["safe_area"] = SafeArea(**v["safe_area"])
    if "kiosk" in v:
        v["kiosk"] = Kiosk(**v["kiosk"])
    if "keymap" in v:
        v["keymap"] = MappingProxyType(dict(v["keymap"]))
    return Board(source=source, **v)


def board_path(name_or_path: str) -> Path:
    """A board name (``desktop``) or a path to a TOML file."""
    p = Path(name_or_path)
    if p.suffix == ".toml" or "/" in name_or_path:
        return p
    return BOARD_DIR / (name_or_path + ".toml")


def load_board(name_or_path: str) -> Board:
    """Load and validate one board by name or path."""
    path = board_path(name_or_path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        known = ", ".join(b.stem for b in sorted(BOARD_DIR.glob("*.toml")))
        raise BoardError("%s: no such board file (known boards: %s)" % (path, known)) from None
    except OSError as e:
        raise BoardError("%s: cannot read: %s" % (path, e.strerror)) from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise BoardError("%s: not UTF-8 text" % path) from None
    except tomllib.TOMLDecodeError as e:
        raise BoardError("%s: not valid TOML: %s" % (path, e)) from None
    return parse_board(data, str(path))


def list_boards() -> list[Board]:
    """Every board shipped in ``board_configs/``."""
    return [load_board(str(p)) for p in sorted(BOARD_DIR.glob("*.toml"))]
