"""The TV loop's one way to wait: for a message from another thread, an input event, or time.

Workers and input threads append to a deque and write one byte to a socket pair; the loop
sleeps in ``select`` on the other end. A message wakes it at once. In an X11 window it also
sleeps on the X connection, so a key wakes it at once too and nothing polls; under kmsdrm
and wayland it pumps SDL's input every ``INPUT_POLL`` s. SDL's dummy and offscreen drivers
(the off-screen boards, and the SPI panel's framebuffer, whose keys come from evdev threads
through :meth:`Inbox.post`) have no input at all: nothing is pumped but once a second.

Why not something else (measured with benchmarks/bench_budget.py and a bare loop, pygame-ce
2.5.8 / SDL 2.32, SDL dummy driver, per second of waiting):

* ``pygame.event.wait(timeout)``: pygame-ce wakes every millisecond inside it, 1.7 % of a
  core (3.6 % under X11/Xvfb) against about 0.05 % for ``select`` + a pump every 50 ms;
* ``queue.Queue.get(timeout)`` (the previous wait): 0.13 %, since each timed get builds a
  new lock and condition; ``select`` on a socket is one system call.
"""

from __future__ import annotations

import collections
import select
import socket
import weakref
from collections.abc import Callable
from typing import Any

import pygame

# s between SDL input pumps: 50 ms feels instant; 100 ms saved only 0.2 % CPU (measured).
INPUT_POLL = 0.05
# s between SDL pumps when the X11 connection wakes us: SDL keeps the screensaver off from
# its pump, and events that other threads push with pygame.event.post wake nothing (use
# App.post for those); once a second is what the countdown costs anyway.
SDL_HOUSEKEEPING = 1.0


class Inbox:
    """A thread-safe inbox of messages for the loop, and the wait that also pumps SDL."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self._messages: collections.deque[Any] = collections.deque()
        self._wake_r, self._wake_w = socket.socketpair()
        for s in (self._wake_r, self._wake_w):
            s.setblocking(False)
        self._input_fd: int | None = None
        self._sdl_input = True
        self._closer = weakref.finalize(self, _close, self._wake_r, self._wake_w)

    def post(self, message: Any) -> None:
        """Hand a message to the loop from any thread."""
        self._messages.append(message)  # before the byte: a woken loop always finds it
        try:
            self._wake_w.send(b"\0")
        except (BlockingIOError, OSError):
            pass  # buffer full (the loop has bytes to read already) or closed at shutdown

    def watch(self, input_fd: int | None, sdl_input: bool = True) -> None:
        """Sleep on ``input_fd`` (the X11 connection) instead of polling SDL every 50 ms;
        ``sdl_input`` False: SDL has no input devices (dummy, offscreen), never poll it."""
        self._input_fd = input_fd
        self._sdl_input = sdl_input

    def wait(self, timeout: float) -> tuple[list[pygame.event.Event], list[Any]]:
        """Sleep until a message, an input event or ``timeout`` s; (SDL events, messages)."""
        deadline = self.clock() + timeout
        events = self._sdl_events()  # what arrived while the frame was drawn
        watched: list[int] = [self._wake_r.fileno()]
        if self._input_fd is not None:
            watched.append(self._input_fd)
        polled = self._input_fd is None and self._sdl_input
        poll = INPUT_POLL if polled else SDL_HOUSEKEEPING
        while not events and not self._messages:
            left = deadline - self.clock()
            if left <= 0:
                break
            if watched[0] in select.select(watched, [], [], min(poll, left))[0]:
                self._drain()  # only when woken: a recv that raises costs more than the wait
            events = self._sdl_events()
        messages = []
        while self._messages:
            messages.append(self._messages.popleft())
        return events, messages

    def _sdl_events(self) -> list[pygame.event.Event]:
        return pygame.event.get() if pygame.display.get_init() else []

    def close(self) -> None:
        """Close the wake-up sockets (messages posted later are kept, never woken for)."""
        self._closer()

    def _drain(self) -> None:
        try:
            while self._wake_r.recv(4096):
                pass
        except (BlockingIOError, OSError):
            pass


def _close(*sockets: socket.socket) -> None:
    for s in sockets:
        s.close()
