"""The TV loop's wait: it sleeps until something can change, and never spins (fake clock)."""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

import pygame
import pytest

from device_app.hardware.display import x11
from device_app.tv import inbox as inbox_mod
from device_app.tv.inbox import INPUT_POLL, SDL_HOUSEKEEPING, Inbox


class FakeSelect:
    """Stands in for select.select: records each sleep and advances the fake clock by it."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[tuple[int, float]] = []

    def clock(self) -> float:
        return self.now

    def __call__(self, r: list[Any], w: list[Any], x: list[Any], timeout: float) -> Any:
        self.sleeps.append((len(r), timeout))
        self.now += timeout
        return [], [], []


@pytest.fixture
def fake_select(monkeypatch: pytest.MonkeyPatch) -> FakeSelect:
    fake = FakeSelect()
    monkeypatch.setattr(inbox_mod.select, "select", fake)
    return fake


def test_without_an_input_descriptor_sdl_is_pumped_every_input_poll(
    fake_select: FakeSelect,
) -> None:
    box = Inbox(fake_select.clock)
    assert box.wait(4 * INPUT_POLL) == ([], [])
    assert [t for _, t in fake_select.sleeps] == pytest.approx([INPUT_POLL] * 4)
    box.close()


def test_on_the_x11_connection_it_sleeps_until_housekeeping_or_the_deadline(
    fake_select: FakeSelect,
) -> None:
    box = Inbox(fake_select.clock)
    a, b = socket.socketpair()
    box.watch(a.fileno())
    box.wait(2 * SDL_HOUSEKEEPING + 0.25)
    # Two sockets watched (wake-up and X11), three sleeps for 2.25 s: no 50 ms polling.
    assert fake_select.sleeps == [
        (2, SDL_HOUSEKEEPING),
        (2, SDL_HOUSEKEEPING),
        (2, pytest.approx(0.25)),
    ]
    box.close()
    a.close()
    b.close()


def test_without_sdl_input_it_sleeps_until_housekeeping_or_the_deadline(
    fake_select: FakeSelect,
) -> None:
    # SDL's dummy and offscreen drivers (off-screen boards, the SPI panel's framebuffer) have
    # no input devices: only the wake-up socket is watched, and SDL is never polled for keys.
    box = Inbox(fake_select.clock)
    box.watch(None, sdl_input=False)
    box.wait(SDL_HOUSEKEEPING + 0.5)
    assert fake_select.sleeps == [(1, SDL_HOUSEKEEPING), (1, pytest.approx(0.5))]
    box.close()


def test_a_message_posted_before_the_wait_returns_without_sleeping(
    fake_select: FakeSelect,
) -> None:
    box = Inbox(fake_select.clock)
    box.post("hello")
    assert box.wait(3600.0) == ([], ["hello"])
    assert fake_select.sleeps == []
    box.close()


def test_a_message_from_another_thread_wakes_a_long_wait_at_once() -> None:
    box = Inbox(time.monotonic)
    box.watch(None)
    threading.Timer(0.05, box.post, args=("from a worker",)).start()
    started = time.monotonic()
    _, messages = box.wait(3600.0)
    assert messages == ["from a worker"]
    assert time.monotonic() - started < 30  # woken, not timed out (generous: shared machine)
    box.close()


def test_posting_after_close_is_harmless() -> None:
    box = Inbox(time.monotonic)
    box.close()
    box.post("late")  # a worker finishing after the loop ended must not raise


def test_no_x11_descriptor_without_an_x11_window() -> None:
    pygame.display.init()  # the dummy driver in tests
    try:
        pygame.display.set_mode((64, 64))
        assert pygame.display.get_driver() != "x11"
        assert x11.connection_fd() is None
    finally:
        pygame.display.quit()
    assert x11.connection_fd() is None
