"""Keyboard input (desktop simulator, USB remotes, air-mice): pygame KEYDOWN -> action."""

from __future__ import annotations

from collections.abc import Mapping

import pygame

from device_app.hardware.input.keymap import sdl_key_code, sdl_part


class KeyboardSource:
    """Translate pygame key events into actions with the SDL half of a keymap.

    The keymap is resolved to pygame key codes once, so ``translate`` is a dict lookup
    and does not need the display initialised.
    """

    def __init__(self, keymap: Mapping[str, str]) -> None:
        self._by_name = sdl_part(keymap)
        self._by_code: dict[int, str] = {}
        for name, action in self._by_name.items():
            code = sdl_key_code(name)
            if code is not None:
                self._by_code[code] = action

    def translate(self, event: pygame.event.Event) -> str | None:
        """The action for a KEYDOWN event, or None (other event types, unmapped keys)."""
        if event.type != pygame.KEYDOWN:
            return None
        key = getattr(event, "key", None)
        if not isinstance(key, int):
            return None
        action = self._by_code.get(key)
        if action is None and pygame.display.get_init():
            # Fall back to the name for keys whose code differs between SDL builds.
            action = self._by_name.get(pygame.key.name(key, use_compat=False).lower())
        return action

    @property
    def keymap(self) -> Mapping[str, str]:
        """The SDL key name -> action table this source uses."""
        return dict(self._by_name)
