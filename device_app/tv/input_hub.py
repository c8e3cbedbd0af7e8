"""Start a board's background input sources and funnel their actions into one callback.

Keyboard and touch events are read by the UI loop itself (they arrive as pygame events);
the hub runs the sources that need their own thread: evdev devices and scripted replays.
``post`` is called from those threads, so it should be thread-safe, e.g. a function that
does ``pygame.event.post(pygame.event.Event(ACTION_EVENT, action=action))``.
"""

from __future__ import annotations

import importlib.util
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from device_app.hardware.boards import Board

# Each source's module is imported when a board lists it: most boards have no script, and
# a TV without python-evdev has no use for its reader (~0.3 ms each at the TV's start).
if TYPE_CHECKING:
    from device_app.hardware.input.evdev_source import DeviceLike

log = logging.getLogger(__name__)


class _Source(Protocol):
    def start(self) -> None: ...
    def stop(self, timeout: float = 2.0) -> None: ...


def evdev_available() -> bool:
    """True when python-evdev is installed (found, not imported: it is imported in the
    input thread when a device is opened, after the first frame)."""
    try:
        return importlib.util.find_spec("evdev") is not None
    except (ImportError, ValueError):
        return False


class InputHub:
    """The board's threaded input sources; ``start()`` / ``stop()``; actions go to ``post``."""

    def __init__(
        self,
        board: Board,
        post: Callable[[str], None],
        *,
        input_dir: str = "/dev/input",
        open_device: Callable[[str], DeviceLike] | None = None,
    ) -> None:
        self.board = board
        self.post = post
        self.sources: list[_Source] = []
        self.problems: list[str] = []  # one line per source that could not start
        if "evdev" in board.input_sources:
            self._add_evdev(input_dir, open_device)
        if "scripted" in board.input_sources:
            self._add_scripted()

    def _add_evdev(self, input_dir: str, open_device: Callable[[str], DeviceLike] | None) -> None:
        if open_device is None and not evdev_available():
            self._problem(
                "python-evdev is not installed, so IR, CEC and GPIO keys are off "
                "(install it with: pip install evdev, or apt install python3-evdev)"
            )
            return
        from device_app.hardware.input.evdev_source import SDL_BLIND_KEYS, EvdevSource

        # SDL reads the same devices for the keyboard source unless we grab them, and it
        # already maps the ordinary keys; then evdev only adds the keys SDL cannot see.
        sdl_reads_input = self.board.display in ("window", "kmsdrm")
        shared = "keyboard" in self.board.input_sources and sdl_reads_input
        only = SDL_BLIND_KEYS if shared and not self.board.evdev_grab else None
        self.sources.append(
            EvdevSource(
                self.board.keymap,
                self.post,
                devices=self.board.evdev_devices,
                grab=self.board.evdev_grab,
                only_keys=only,
                repeat_suppress=self.board.repeat_suppress_ms / 1000.0,
                input_dir=input_dir,
                open_device=open_device,
            )
        )

    def _add_scripted(self) -> None:
        from device_app.hardware.input.scripted import ScriptedSource, ScriptError, load_script

        try:
            steps, loop = load_script(self.board.input_script)
        except ScriptError as e:
            self._problem(str(e))
            return
        self.sources.append(ScriptedSource(steps, self.post, loop=loop))

    def _problem(self, text: str) -> None:
        log.warning("input: %s", text)
        self.problems.append(text)

    def start(self) -> None:
        """Start every source in its own thread."""
        for s in self.sources:
            s.start()

    def stop(self) -> None:
        """Stop every source; safe to call twice."""
        for s in self.sources:
            s.stop()
