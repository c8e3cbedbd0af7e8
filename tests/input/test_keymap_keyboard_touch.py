"""Actions, keymaps, keyboard translation and touch targets."""

from __future__ import annotations

import os

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

import pygame
import pytest

from device_app.hardware.input import actions
from device_app.hardware.input.keyboard import KeyboardSource
from device_app.hardware.input.keymap import (
    KeymapError,
    check_entry,
    default_keymap,
    evdev_part,
    layer_keymap,
    sdl_part,
)
from device_app.hardware.input.touch import TouchTargets


def test_action_names() -> None:
    assert actions.SELECT == "select" and actions.DIGIT_7 == "digit_7"
    assert len(actions.ALL_ACTIONS) == 13 + 10
    assert actions.digit_value("digit_4") == 4 and actions.digit_value("select") is None


def test_default_keymap_covers_every_action_from_both_worlds() -> None:
    km = default_keymap()
    assert set(sdl_part(km).values()) == actions.ALL_ACTIONS
    assert set(evdev_part(km).values()) == actions.ALL_ACTIONS
    # The keys SDL cannot see (design-notes §6) are mapped for the evdev reader.
    for name, action in [
        ("KEY_OK", "select"),
        ("KEY_SELECT", "select"),
        ("KEY_EXIT", "back"),
        ("KEY_BACK", "back"),
        ("KEY_INFO", "info"),
        ("KEY_RED", "red"),
        ("KEY_BLUE", "blue"),
    ]:
        assert km[name] == action


def test_default_keymap_is_a_copy() -> None:
    default_keymap()["return"] = "back"
    assert default_keymap()["return"] == "select"


@pytest.mark.parametrize(
    ("key", "action", "words"),
    [
        ("return", "launch", "unknown action 'launch'"),
        ("return", "SELECT", "unknown action 'SELECT'"),
        ("retrun", "select", "unknown SDL key name 'retrun'"),
        ("", "select", "unknown SDL key name"),
        ("KEY_NOPE", "select", "unknown evdev key name"),
        ("Key_ok", "select", "write 'KEY_OK'"),
    ],
)
def test_bad_entries(key: str, action: str, words: str) -> None:
    with pytest.raises(KeymapError) as info:
        check_entry(key, action)
    assert words in str(info.value) and info.value.key == key


def test_layering_replaces_and_unbinds() -> None:
    km = layer_keymap({"F1": "menu", "KEY_INFO": "none", "KEY_PROGRAM": "info"})
    assert km["f1"] == "menu" and "KEY_INFO" not in km and km["KEY_PROGRAM"] == "info"


def keydown(k: int) -> pygame.event.Event:
    return pygame.event.Event(pygame.KEYDOWN, key=k, mod=0, unicode="", scancode=0)


def test_keyboard_translation_without_display() -> None:
    src = KeyboardSource(default_keymap())
    assert src.translate(keydown(pygame.K_RETURN)) == "select"
    assert src.translate(keydown(pygame.K_KP_ENTER)) == "select"
    assert src.translate(keydown(pygame.K_ESCAPE)) == "back"
    assert src.translate(keydown(pygame.K_AC_BACK)) == "back"
    assert src.translate(keydown(pygame.K_UP)) == "up"
    assert src.translate(keydown(pygame.K_i)) == "info"
    assert src.translate(keydown(pygame.K_F1)) == "info"
    assert src.translate(keydown(pygame.K_KP_7)) == "digit_7"
    assert src.translate(keydown(pygame.K_0)) == "digit_0"
    assert src.translate(keydown(pygame.K_F12)) is None
    assert src.translate(pygame.event.Event(pygame.KEYUP, key=pygame.K_RETURN)) is None
    assert src.translate(pygame.event.Event(pygame.MOUSEMOTION, pos=(1, 1))) is None


def test_keyboard_uses_the_board_keymap() -> None:
    src = KeyboardSource(layer_keymap({"q": "back", "return": "none"}))
    assert src.translate(keydown(pygame.K_q)) == "back"
    assert src.translate(keydown(pygame.K_RETURN)) is None
    assert "KEY_OK" not in src.keymap


def test_keyboard_from_real_sdl_events() -> None:
    pygame.display.init()
    try:
        pygame.display.set_mode((64, 64))
        pygame.event.clear()
        pygame.event.post(keydown(pygame.K_DOWN))
        pygame.event.post(keydown(pygame.K_m))
        src = KeyboardSource(default_keymap())
        got = [src.translate(e) for e in pygame.event.get()]
        assert [g for g in got if g] == ["down", "menu"]
    finally:
        pygame.display.quit()


def test_touch_hit_test_last_added_on_top() -> None:
    t = TouchTargets((800, 480))
    t.add((0, 0, 800, 480), "back")
    t.add(pygame.Rect(100, 100, 200, 80), "select")
    assert t.hit((150, 120)) == "select"
    assert t.hit((10, 10)) == "back"
    t.clear()
    assert t.hit((10, 10)) is None and len(t) == 0
    with pytest.raises(ValueError, match="unknown action"):
        t.add((0, 0, 1, 1), "press")


@pytest.mark.parametrize(
    ("rotation", "panel_point"),
    [
        (0, (110, 210)),
        (90, (480 - 1 - 210, 110)),  # the logical top edge is on the panel's right
        (180, (800 - 1 - 110, 480 - 1 - 210)),
        (270, (210, 800 - 1 - 110)),
    ],
)
def test_touch_is_rotation_aware(rotation: int, panel_point: tuple[int, int]) -> None:
    t = TouchTargets((800, 480), rotation)
    t.add((100, 200, 20, 20), "green")  # around logical (110, 210)
    assert t.hit_panel(panel_point) == "green"
    assert t.hit_panel((-1, 0)) is None


def test_touch_events_finger_and_mouse_without_double_taps() -> None:
    t = TouchTargets((800, 480), 90)  # panel is 480x800
    t.add((0, 0, 100, 100), "select")  # logical top-left = panel top-right
    finger = pygame.event.Event(pygame.FINGERDOWN, x=0.95, y=0.02, touch_id=1, finger_id=0)
    assert t.translate(finger) == "select"
    click = pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=(470, 10), button=1, touch=False)
    assert t.translate(click) == "select"
    synthetic = pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=(470, 10), button=1, touch=True)
    assert t.translate(synthetic) is None
    right = pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=(470, 10), button=3, touch=False)
    assert t.translate(right) is None
    assert t.translate(keydown(pygame.K_RETURN)) is None
