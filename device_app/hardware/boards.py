"""Board configurations: one TOML file per board in ``board_configs/``, validated once.

Loading is strict. An unknown key, a wrong type or a missing file raises
:class:`BoardError`, whose message names the file, the key and what was expected.
"""

# No ``from __future__ import annotations``: typing.NamedTuple compiles every string
# annotation when the class is made (issue 14: ~2.5 ms of the TV's start over its modules).

import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:  # no importlib.resources at run time (assets.py)
    from importlib.resources.abc import Traversable

from device_app.assets import BOARD_DIR, THEME_DIR, stem, toml_files
from device_app.core.errors import ConfigurationError
from device_app.hardware.input.keymap import KeymapError, layer_keymap

_LOCALE = re.compile(r"^([a-z]{2,3}([_-][A-Za-z]{2,4})?)?$")  # "", "it", "pt_BR", "zh-Hant"

ROTATIONS = (0, 90, 180, 270)
DISPLAYS = ("window", "kmsdrm", "framebuffer", "offscreen")
INPUT_SOURCES = ("keyboard", "evdev", "touch", "scripted")
FRAMEBUFFER_FORMATS = ("", "rgb565", "xrgb8888")  # "" = from the device's bits_per_pixel
# SDL2 video drivers a board may name (SDL 2.32 src/video/SDL_video.c bootstrap list, the ones
# that can exist on Linux, Windows and macOS).
VIDEO_DRIVERS = (
    "x11",
    "wayland",
    "kmsdrm",
    "offscreen",
    "dummy",
    "evdev",
    "rpi",
    "vivante",
    "windows",
    "cocoa",
)

# SDL drivers that draw in memory only: nothing reaches a screen.
OFFSCREEN_DRIVERS = ("offscreen", "dummy")


def needs_real_screen(display: str, fullscreen: bool) -> bool:
    """A full-screen board: falling back to off-screen drawing would leave the TV black."""
    return display == "kmsdrm" or (display == "window" and fullscreen)


class BoardError(ConfigurationError, ValueError):
    """A board file is missing or wrong; the message says where and what to fix."""

    def __init__(self, message: str) -> None:
        ConfigurationError.__init__(self, message)


class SafeArea(NamedTuple):
    """Title-safe insets: fractions of the screen's width (left/right) and height (top/bottom)."""

    top: float = 0.05
    right: float = 0.05
    bottom: float = 0.05
    left: float = 0.05


class Kiosk(NamedTuple):
    """Unattended behaviour: nobody is there to press OK."""

    enabled: bool = False
    sign_out_after: float = 60.0  # seconds signed in before the next visitor gets a fresh code
    renew_expired_code: bool = True  # get a new code by itself when one expires
    retry_backoff_max: float = 60.0  # cap of the backoff between automatic recoveries


class Board(NamedTuple):
    """Everything the app needs to know about where it runs."""

    name: str
    description: str
    width: int
    height: int
    # The effective keymap: the default keymap (hardware/input/default_keymap.toml) with the
    # board's [keymap] table layered on top. Key name (SDL or evdev) -> action id.
    # No default: parse_board always builds it, so no board is left without keys.
    keymap: Mapping[str, str]
    display: str = "window"  # one of DISPLAYS
    video_driver: str = ""  # SDL_VIDEODRIVER to try first ("" lets SDL choose)
    video_fallbacks: tuple[str, ...] = ()
    fullscreen: bool = False
    rotation: int = 0  # degrees, done in software
    framebuffer: str = ""  # e.g. /dev/fb1 for display = "framebuffer"
    safe_area: SafeArea = SafeArea()
    theme: str = "dark"
    locale: str = ""  # "" = from the environment (LANGUAGE, LC_ALL, LC_MESSAGES, LANG)
    device_name: str = "Living-room TV"
    input_sources: tuple[str, ...] = ("keyboard",)
    evdev_devices: tuple[str, ...] = ()  # device names or paths to read; empty = all with keys
    touch: bool = False
    token_store: str = ""  # "" = the user's default (engine/locations.py: XDG_STATE_HOME)
    kiosk: Kiosk = Kiosk()
    framebuffer_format: str = ""  # one of FRAMEBUFFER_FORMATS
    evdev_grab: bool = False  # EVIOCGRAB the evdev devices so the console and SDL don't see keys
    # IR remotes auto-repeat; presses of the same key closer than this are one press
    # (design-notes §6: suppress IR auto-repeat for about 150 ms).
    repeat_suppress_ms: int = 150
    input_script: str = ""  # timed actions for the "scripted" input source (TOML or JSON)
    drm_connectors: tuple[str, ...] = ()  # preferred DRM connector prefixes, e.g. "HDMI-A"
    source: str = ""  # the file it was loaded from

    @property
    def size(self) -> tuple[int, int]:
        """The logical (drawing) size, before rotation."""
        return (self.width, self.height)

    @property
    def panel_size(self) -> tuple[int, int]:
        """The physical output size: width and height swap for 90 and 270 degrees."""
        if self.rotation in (90, 270):
            return (self.height, self.width)
        return (self.width, self.height)


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
    "framebuffer_format": str,
    "evdev_grab": bool,
    "repeat_suppress_ms": int,
    "input_script": str,
    "drm_connectors": [str],
}
_REQUIRED = ("name", "description", "width", "height")


def _type_name(t: Any) -> str:
    if isinstance(t, list):
        return "a list of " + {str: "strings", int: "integers", float: "numbers"}[t[0]]
    if isinstance(t, dict):
        return "a table"
    return {str: "a string", int: "an integer", float: "a number", bool: "true or false"}[t]


def _check(src: str, key: str, value: Any, spec: Any) -> Any:
    if isinstance(spec, list):
        if not isinstance(value, list):
            raise BoardError(f"{src}: {key} must be {_type_name(spec)}")
        return tuple(_check(src, f"{key}[{i}]", v, spec[0]) for i, v in enumerate(value))
    if isinstance(spec, dict):
        if not isinstance(value, dict):
            raise BoardError(f"{src}: [{key}] must be a table")
        if str in spec:  # a free-form mapping
            return {k: _check(src, f"{key}.{k}", v, spec[str]) for k, v in value.items()}
        out = {}
        for k, v in value.items():
            if k not in spec:
                expected = ", ".join(sorted(spec))
                raise BoardError(f"{src}: unknown key {key}.{k} (expected one of: {expected})")
            out[k] = _check(src, f"{key}.{k}", v, spec[k])
        return out
    if spec is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if spec is int and isinstance(value, bool):
        raise BoardError(f"{src}: {key} must be {_type_name(spec)}, not {value!r}")
    if not isinstance(value, spec):
        raise BoardError(f"{src}: {key} must be {_type_name(spec)}, not {value!r}")
    return value


def _one_of(source: str, key: str, value: Any, allowed: tuple[Any, ...]) -> None:
    if value not in allowed:
        shown = ", ".join(repr(a) if isinstance(a, str) else str(a) for a in allowed)
        raise BoardError(f"{source}: {key} must be one of {shown}, not {value!r}")


def _check_values(v: dict[str, Any], source: str) -> None:
    """Range and cross-field checks after the types are known to be right."""
    if not (64 <= v["width"] <= 7680 and 64 <= v["height"] <= 4320):
        raise BoardError(f"{source}: width and height must be between 64x64 and 7680x4320")
    _one_of(source, "rotation", v.get("rotation", 0), ROTATIONS)
    _one_of(source, "display", v.get("display", "window"), DISPLAYS)
    _one_of(source, "framebuffer_format", v.get("framebuffer_format", ""), FRAMEBUFFER_FORMATS)
    for i, s in enumerate(v.get("input_sources", ())):
        _one_of(source, f"input_sources[{i}]", s, INPUT_SOURCES)
    drivers = [("video_driver", v.get("video_driver", ""))]
    drivers += [(f"video_fallbacks[{i}]", d) for i, d in enumerate(v.get("video_fallbacks", ()))]
    for key, drv in drivers:
        if drv:
            _one_of(source, key, drv, VIDEO_DRIVERS)
        if drv in OFFSCREEN_DRIVERS and needs_real_screen(
            v.get("display", "window"), v.get("fullscreen", False)
        ):
            raise BoardError(
                f"{source}: {key} = {drv!r} on a full-screen board would draw nothing while "
                "the app reports it is ready; remove it (a failing screen must stop the app)"
            )
    if v.get("display") == "framebuffer" and not v.get("framebuffer"):
        raise BoardError(f'{source}: display = "framebuffer" needs framebuffer = "/dev/fbN"')
    for side, frac in v.get("safe_area", {}).items():
        if not 0.0 <= frac < 0.4:
            raise BoardError(f"{source}: safe_area.{side} must be between 0 and 0.4, not {frac}")
    if not 0 <= v.get("repeat_suppress_ms", 150) <= 2000:
        raise BoardError(f"{source}: repeat_suppress_ms must be between 0 and 2000")
    if "scripted" in v.get("input_sources", ()) and not v.get("input_script"):
        raise BoardError(f'{source}: input_sources has "scripted" but input_script is not set')
    theme = v.get("theme", "dark")
    if not theme.endswith(".toml") and not (THEME_DIR / f"{theme}.toml").is_file():
        known = ", ".join(stem(f) for f in toml_files(THEME_DIR))
        if not known:  # nothing to check against: say so rather than pass
            raise BoardError(
                f"{source}: cannot check theme {theme!r}: no bundled themes in {THEME_DIR} "
                "(this installation of device-app is incomplete; reinstall it)"
            )
        raise BoardError(
            f"{source}: theme {theme!r} is not a bundled theme (expected one of: "
            f"{known}, or a path to a theme .toml file)"
        )
    if not _LOCALE.match(v.get("locale", "")):
        raise BoardError(
            f'{source}: locale must be a language code such as "en", "it" or '
            f'"pt_BR" (or "" for the environment), not {v["locale"]!r}'
        )
    if not v.get("token_store", "x").strip():
        raise BoardError(f"{source}: token_store must be a folder path, not empty")


def parse_board(data: Mapping[str, Any], source: str) -> Board:
    """Validate a decoded board table and build a :class:`Board`."""
    for key in data:
        if key not in _SPEC:
            expected = ", ".join(sorted(_SPEC))
            raise BoardError(f"{source}: unknown key {key!r} (expected one of: {expected})")
    for key in _REQUIRED:
        if key not in data:
            raise BoardError(f"{source}: missing key {key!r} ({_type_name(_SPEC[key])})")
    v = {k: _check(source, k, data[k], _SPEC[k]) for k in data}
    _check_values(v, source)
    if "safe_area" in v:
        v["safe_area"] = SafeArea(**v["safe_area"])
    if "kiosk" in v:
        v["kiosk"] = Kiosk(**v["kiosk"])
    if v.get("input_script"):
        # A relative script path is relative to the board file, not to the working directory.
        script = Path(v["input_script"]).expanduser()
        if not script.is_absolute() and source:
            script = Path(source).parent / script
        v["input_script"] = str(script)
    try:
        v["keymap"] = MappingProxyType(layer_keymap(v.get("keymap", {})))
    except KeymapError as e:
        raise BoardError(f"{source}: keymap.{e.key}: {e}") from None
    return Board(source=source, **v)


def board_path(name_or_path: str) -> "Traversable":
    """A board name (``desktop``) or a path to a TOML file."""
    p = Path(name_or_path)
    if p.suffix == ".toml" or "/" in name_or_path:
        return p
    return BOARD_DIR / (name_or_path + ".toml")


def load_board(name_or_path: str) -> Board:
    """Load and validate one board by name or path."""
    return read_board(board_path(name_or_path))


def read_board(path: "Traversable") -> Board:
    """Load and validate one board file (a shipped one or a path)."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        known = ", ".join(stem(b) for b in toml_files(BOARD_DIR))
        raise BoardError(f"{path}: no such board file (known boards: {known})") from None
    except OSError as e:
        raise BoardError(f"{path}: cannot read: {e.strerror}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise BoardError(f"{path}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as e:
        raise BoardError(f"{path}: not valid TOML: {e}") from None
    return parse_board(data, str(path))


def list_boards() -> list[Board]:
    """Every board shipped in ``board_configs/``."""
    return [read_board(p) for p in toml_files(BOARD_DIR)]
