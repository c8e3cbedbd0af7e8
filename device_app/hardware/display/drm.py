"""Pick the DRM card that drives a connected display, for SDL's kmsdrm driver.

SDL takes the first ``/dev/dri/cardN`` it can use, but on a Pi 5 the v3d, vc4 and RP1-DSI
devices are separate cards whose numbers change between boots (libsdl-org/SDL#13705, quoted
in design-notes §6). The connector folders ``/sys/class/drm/cardN-<connector>/status``
say which card has a screen plugged in; SDL reads ``SDL_KMSDRM_DEVICE_INDEX`` (the N) when the
video subsystem starts, so it has to be set in this process before ``pygame.display.init``.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import MutableMapping, Sequence
from pathlib import Path

log = logging.getLogger(__name__)

_CONNECTOR = re.compile(r"^card(\d+)-(.+)$")
ENV_INDEX = "SDL_KMSDRM_DEVICE_INDEX"


def connected_connectors(sysfs_root: Path = Path("/sys")) -> list[tuple[int, str]]:
    """(card number, connector name) for each connector whose status is ``connected``."""
    drm = sysfs_root / "class" / "drm"
    try:
        entries = sorted(os.listdir(drm))
    except OSError:
        return []
    found = []
    for name in entries:
        m = _CONNECTOR.match(name)
        if not m:
            continue
        try:
            status = (drm / name / "status").read_text(encoding="ascii").strip()
        except (OSError, UnicodeDecodeError):
            continue
        if status == "connected":
            found.append((int(m.group(1)), m.group(2)))
    found.sort()
    return found


def pick_card(sysfs_root: Path = Path("/sys"), prefer: Sequence[str] = ()) -> int | None:
    """The card number with a connected display, preferring connector prefixes in ``prefer``.

    ``prefer`` holds connector name prefixes such as ``"HDMI-A"`` or ``"DSI"``, best first.
    None when no connector reports ``connected`` (let SDL choose then).
    """
    found = connected_connectors(sysfs_root)
    for prefix in prefer:
        for card, connector in found:
            if connector.startswith(prefix):
                return card
    return found[0][0] if found else None


def select_kmsdrm_card(
    sysfs_root: Path = Path("/sys"),
    prefer: Sequence[str] = (),
    environ: MutableMapping[str, str] | None = None,
) -> int | None:
    """Set ``SDL_KMSDRM_DEVICE_INDEX`` to the connected card unless the user already set it.

    Returns the index in effect (None when neither the user nor sysfs gives one).
    """
    env = os.environ if environ is None else environ
    if env.get(ENV_INDEX, "").strip():
        try:
            return int(env[ENV_INDEX])
        except ValueError:
            log.warning("ignoring %s=%r: not a number", ENV_INDEX, env[ENV_INDEX])
            del env[ENV_INDEX]
    card = pick_card(sysfs_root, prefer)
    if card is None:
        log.info("no DRM connector reports a connected display; letting SDL choose the card")
        return None
    env[ENV_INDEX] = str(card)
    log.info("kmsdrm: using /dev/dri/card%d (a display is connected there)", card)
    return card


ENV_RENDERER = "SDL_FRAMEBUFFER_ACCELERATION"
# What SDL draws the window surface through under kmsdrm. Left unset, SDL takes its first
# hardware renderer, desktop "opengl" (over EGL/GBM), whose frames reached a virtio-gpu screen
# all black while the app reported ready (docs/vm.md, scenario 10). OpenGL ES 2 is the API
# SDL's KMSDRM back end and a Pi's vc4/v3d Mesa drivers are built around, and it drew there.
KMSDRM_RENDERER = "opengles2"


def select_framebuffer_renderer(environ: MutableMapping[str, str] | None = None) -> str:
    """Set ``SDL_FRAMEBUFFER_ACCELERATION`` to ``opengles2`` unless the user already set it.

    Returns the value in effect. Must run before the window is created.
    """
    env = os.environ if environ is None else environ
    value = env.get(ENV_RENDERER, "").strip()
    if value:
        log.info("kmsdrm: %s=%s, as set in the environment", ENV_RENDERER, value)
        return value
    env[ENV_RENDERER] = KMSDRM_RENDERER
    return KMSDRM_RENDERER
