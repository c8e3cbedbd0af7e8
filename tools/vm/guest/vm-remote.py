#!/opt/vm/venv/bin/python
"""Test-only: an IR remote receiver made with uinput, present from boot like a gpio-ir one.

Key names written to the FIFO /run/vm-remote (one per line, e.g. KEY_OK, KEY_EXIT, KEY_RED)
are pressed and released on a uinput device named "vm-ir-remote". These are keys SDL does not
know, so only device-app's evdev source can read them.
"""

import os
import time

import evdev
from evdev import ecodes

FIFO = "/run/vm-remote"
KEYS = [
    "KEY_OK",
    "KEY_SELECT",
    "KEY_EXIT",
    "KEY_BACK",
    "KEY_HOME",
    "KEY_MENU",
    "KEY_INFO",
    "KEY_RED",
    "KEY_GREEN",
    "KEY_YELLOW",
    "KEY_BLUE",
    "KEY_UP",
    "KEY_DOWN",
    "KEY_LEFT",
    "KEY_RIGHT",
]


def main():
    codes = [ecodes.ecodes[name] for name in KEYS]
    device = evdev.UInput({ecodes.EV_KEY: codes}, name="vm-ir-remote")
    if not os.path.exists(FIFO):
        os.mkfifo(FIFO, 0o600)
    while True:
        with open(FIFO) as f:  # blocks until a writer comes; EOF when it goes
            for line in f:
                name = line.strip()
                if name in ecodes.ecodes:
                    code = ecodes.ecodes[name]
                    device.write(ecodes.EV_KEY, code, 1)
                    device.syn()
                    time.sleep(0.05)
                    device.write(ecodes.EV_KEY, code, 0)
                    device.syn()


if __name__ == "__main__":
    main()
