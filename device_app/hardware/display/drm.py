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


def device_problem(dev_root: Path = Path("/dev")) -> str | None:
    """Why kmsdrm cannot have started, said plainly; None when the DRM nodes look usable.

    Asked only after SDL's kmsdrm failed: its own message is about its internals (a udev
    symbol it could not load when there is no device at all). Opening a node briefly makes
    this process DRM master if nobody is, which is harmless once SDL has given up.
    """
    dri = dev_root / "dri"
    try:
        cards = sorted(n for n in os.listdir(dri) if re.fullmatch(r"card\d+", n))
    except OSError:
        cards = []
    if not cards:
        return (
            f"no DRM device ({dri} has no card*): the kernel's KMS driver is not loaded (on a "
            "Raspberry Pi: dtoverlay=vc4-kms-v3d in config.txt) or no display hardware is there"
        )
    denied = []
    for name in cards:
        try:
            os.close(os.open(dri / name, os.O_RDWR | os.O_CLOEXEC))
            return None
        except PermissionError:
            denied.append(name)
        except OSError:
            continue
    if denied and len(denied) == len(cards):
        return (
            f"permission denied on {dri / denied[0]}: add the user to the video and render "
            "groups (the installer's unit does: SupplementaryGroups=video render input)"
        )
    return None
