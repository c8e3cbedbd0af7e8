"""The X11 connection under an SDL window: the file descriptor its input arrives on.

With it the TV loop can sleep in ``select`` until the X server sends something, instead of
waking up every 50 ms to ask SDL whether a key was pressed.
"""

from __future__ import annotations

import pygame

LIBX11 = "libX11.so.6"  # already loaded by SDL's X11 driver; dlopen hands back the same copy


def connection_fd() -> int | None:
    """The X connection's descriptor when SDL draws in an X11 window; None otherwise."""
    if not pygame.display.get_init() or pygame.display.get_driver() != "x11":
        return None
    import ctypes

    capsule = pygame.display.get_wm_info().get("display")
    if capsule is None:
        return None
    try:
        get_pointer = ctypes.pythonapi.PyCapsule_GetPointer
        get_pointer.restype = ctypes.c_void_p
        get_pointer.argtypes = [ctypes.py_object, ctypes.c_char_p]
        display = get_pointer(capsule, b"display")
        xlib = ctypes.CDLL(LIBX11)
        xlib.XConnectionNumber.restype = ctypes.c_int
        xlib.XConnectionNumber.argtypes = [ctypes.c_void_p]
        fd = int(xlib.XConnectionNumber(display))
    except (OSError, ValueError, AttributeError):  # no libX11 by that name, not a capsule
        return None
    return fd if fd >= 0 else None
