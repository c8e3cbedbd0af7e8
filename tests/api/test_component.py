"""ActivationScreen: fed by events, drawn into the host's own surface, only what changed."""

from __future__ import annotations

import pygame
import pytest

from device_app import ActivationScreen, Event
from device_app.ui import viewmodel as vm
from device_app.ui.messages import FlowUpdate

T = 100.0
CODE = {
    "user_code": "WDJB-MJHT",
    "verification_uri": "https://auth.example.com/device",
    "verification_uri_complete": "https://auth.example.com/device?user_code=WDJB-MJHT",
    "expires_in": 600,
    "interval": 5,
}


@pytest.fixture(autouse=True)
def fonts() -> None:
    pygame.font.init()


def waiting() -> ActivationScreen:
    screen = ActivationScreen((640, 360), theme="dark", locale="en", device_name="Game")
    screen.start(T)
    [login] = screen.commands()
    assert login.name == "login"
    screen.update(Event("code", dict(CODE)), T)
    assert screen.screen == vm.ACTIVATION
    return screen


def test_it_draws_into_an_area_of_the_hosts_surface() -> None:
    window = pygame.Surface((1000, 600))
    window.fill((1, 2, 3))
    screen = waiting()
    dirty = screen.draw(window, pos=(300, 200))
    assert dirty == [pygame.Rect(300, 200, 640, 360)]  # in window coordinates
    assert window.get_at((10, 10))[:3] == (1, 2, 3)  # outside the area: the host's pixels
    assert screen.draw(window, pos=(300, 200)) == []  # nothing changed, nothing drawn
    # One second later only the countdown changes: a small rectangle inside the area.
    [countdown] = screen.draw(window, pos=(300, 200), now=T + 1)
    assert pygame.Rect(300, 200, 640, 360).contains(countdown) and countdown.width < 640
    screen.invalidate()
    assert screen.draw(window, pos=(300, 200), now=T + 1) == [pygame.Rect(300, 200, 640, 360)]


def test_listeners_of_a_cancelled_login_change_nothing() -> None:
    screen = waiting()
    screen.handle("back", T)  # the user leaves the code screen: the login is cancelled
    assert [c.name for c in screen.commands()] == ["cancel"]
    assert screen.screen == vm.EXPIRED
    screen.handle("select", T + 1)  # asks for a new code
    [old_login] = [c for c in screen.commands() if c.name == "login"]
    stale = type(old_login)("login", old_login.gen - 2)
    screen.listener(stale)(Event("authorized", {}))
    screen.tick(T + 2)
    assert screen.screen == vm.STARTING
    screen.listener(old_login)(Event("code", dict(CODE)))
    screen.tick(T + 2)
    assert screen.screen == vm.ACTIVATION


def test_a_tap_on_a_button_selects_it() -> None:
    screen = waiting()
    screen.update(Event("denied", {"error": "access_denied"}), T)
    surface = pygame.Surface((640, 360))
    screen.draw(surface)
    assert screen.renderer is not None
    box = next(b for b in screen.renderer.boxes() if b.name == "button_try_again")
    x, y, w, h = box.rect
    assert not screen.tap((0, 0), T)
    assert screen.tap((x + w // 2, y + h // 2), T)
    assert [c.name for c in screen.commands()] == ["login"]


def test_a_view_model_can_be_shown_as_it_is() -> None:
    screen = waiting()
    screen.update(vm.ViewModel(screen=vm.ERROR, device_name="Game"), T)
    assert screen.screen == vm.ERROR and screen.next_wake(T) is None
    screen.update(FlowUpdate(screen.controller.gen, "pending", {}), T)
    assert screen.screen == vm.ACTIVATION  # back to the controller's own state
