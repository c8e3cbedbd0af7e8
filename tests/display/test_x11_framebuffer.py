"""In an X11 window SDL is asked for X11's own images (only changed rectangles are sent),
not a GL texture re-uploaded whole on every update; other drivers are left alone."""

from __future__ import annotations

import os

import pygame
import pytest

from device_app.hardware.display import base


@pytest.fixture
def sdl(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """pygame.display stand-ins: which driver SDL reports, and what the env said at set_mode."""
    seen: list[str] = []
    monkeypatch.setattr(pygame.display, "init", lambda: None)
    monkeypatch.setattr(pygame.display, "get_driver", lambda: "x11")
    monkeypatch.setattr(pygame.display, "set_caption", lambda caption: None)
    monkeypatch.setattr(pygame.display, "set_icon", lambda icon: None)

    def set_mode(size: tuple[int, int], flags: int = 0) -> pygame.Surface:
        seen.append(os.environ.get("SDL_FRAMEBUFFER_ACCELERATION", "<unset>"))
        return pygame.Surface(size)

    monkeypatch.setattr(pygame.display, "set_mode", set_mode)
    # start_video sets SDL_VIDEODRIVER: recorded here, so later tests get theirs back.
    monkeypatch.setenv("SDL_VIDEODRIVER", os.environ.get("SDL_VIDEODRIVER", "dummy"))
    monkeypatch.setenv("SDL_FRAMEBUFFER_ACCELERATION", "")  # recorded, so restored afterwards
    monkeypatch.delenv("SDL_FRAMEBUFFER_ACCELERATION")
    return seen


def test_x11_windows_use_x11_images(sdl: list[str]) -> None:
    name, _ = base.start_video(["x11"], (64, 48), 0)
    assert name == "x11"
    assert sdl[-1] == "0"


def test_the_users_own_setting_wins(sdl: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SDL_FRAMEBUFFER_ACCELERATION", "opengl")
    base.start_video(["x11"], (64, 48), 0)
    assert sdl[-1] == "opengl"


def test_kmsdrm_is_left_alone(sdl: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pygame.display, "get_driver", lambda: "kmsdrm")
    base.start_video(["kmsdrm"], (64, 48), 0)
    assert sdl[-1] == "<unset>"
