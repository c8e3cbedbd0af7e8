"""Which SDL renderer draws the window surface: asked of SDL itself, for the log.

pygame-ce has no call for it, so this asks the SDL library pygame already loaded (through
ctypes, ``SDL_GetRenderer`` and ``SDL_GetRendererInfo``). It only informs: any failure
answers None, and nothing depends on the answer.
"""

from __future__ import annotations

import ctypes
import logging

log = logging.getLogger(__name__)


class _RendererInfo(ctypes.Structure):
    _fields_ = [
        ("name", ctypes.c_char_p),
        ("flags", ctypes.c_uint32),
        ("num_texture_formats", ctypes.c_uint32),
        ("texture_formats", ctypes.c_uint32 * 16),
        ("max_texture_width", ctypes.c_int),
        ("max_texture_height", ctypes.c_int),
    ]


def _loaded_sdl() -> ctypes.CDLL | None:
    """The SDL2 library already mapped into this process (pygame's own copy), or None."""
    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:
            paths = {line.split()[-1] for line in maps if "libSDL2-2" in line}
    except OSError:
        return None
    for path in sorted(paths):
        if path.startswith("/"):
            try:
                return ctypes.CDLL(path)
            except OSError:
                continue
    return None


def window_renderer(window_id: int) -> str | None:
    """The name of the renderer behind SDL window ``window_id`` (e.g. ``opengles2``).

    None when SDL draws the window without one (a driver's own framebuffer) or cannot say.
    """
    sdl = _loaded_sdl()
    if sdl is None:
        return None
    sdl.SDL_GetWindowFromID.restype = ctypes.c_void_p
    sdl.SDL_GetWindowFromID.argtypes = [ctypes.c_uint32]
    sdl.SDL_GetRenderer.restype = ctypes.c_void_p
    sdl.SDL_GetRenderer.argtypes = [ctypes.c_void_p]
    sdl.SDL_GetRendererInfo.argtypes = [ctypes.c_void_p, ctypes.POINTER(_RendererInfo)]
    window = sdl.SDL_GetWindowFromID(window_id)
    renderer = sdl.SDL_GetRenderer(window) if window else None
    if not renderer:
        return None
    info = _RendererInfo()
    if sdl.SDL_GetRendererInfo(renderer, ctypes.byref(info)) != 0 or not info.name:
        return None
    name: bytes = info.name
    return name.decode("ascii", "replace")
