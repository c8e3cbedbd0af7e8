"""Replay timed actions, for demos, kiosk show-reels and tests.

A script is a list of steps ``{at = seconds from start, action = "select"}``, in a TOML file
(``[[step]]`` tables), a JSON file (a list of objects, or ``{"steps": [...]}``) or a Python
list. ``loop = true`` at the top of a file starts again after the last step.
"""

# No ``from __future__ import annotations``: typing.NamedTuple compiles every string
# annotation when the class is made (issue 14: ~2.5 ms of the TV's start over its modules).

import json
import math
import time
import tomllib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from device_app.core.errors import ConfigurationError
from device_app.hardware.input.actions import ALL_ACTIONS
from device_app.hardware.input.threaded import ThreadedSource


class ScriptError(ConfigurationError, ValueError):
    """A script file is wrong; the message names the file, the step and what to fix."""

    def __init__(self, message: str) -> None:
        ConfigurationError.__init__(self, message)


class Step(NamedTuple):
    """One action at a time offset (seconds since the script started)."""

    at: float
    action: str


def parse_steps(raw: Sequence[Any], source: str = "<script>") -> list[Step]:
    """Validate steps given as dicts ``{"at", "action"}`` or pairs ``(at, action)``."""
    steps: list[Step] = []
    for i, item in enumerate(raw):
        where = f"{source}: step {i + 1}"
        if isinstance(item, dict):
            unknown = sorted(set(item) - {"at", "action"})
            if unknown:
                raise ScriptError(f"{where}: unknown key {unknown[0]!r} (expected at, action)")
            at, action = item.get("at"), item.get("action")
        elif isinstance(item, (list, tuple)) and len(item) == 2:
            at, action = item
        else:
            raise ScriptError(f'{where}: expected {{at = seconds, action = "..."}}')
        if (
            isinstance(at, bool)
            or not isinstance(at, (int, float))
            or not math.isfinite(at)
            or at < 0
        ):
            raise ScriptError(f"{where}: at must be a number of seconds >= 0, not {at!r}")
        if action not in ALL_ACTIONS:
            raise ScriptError(
                f"{where}: unknown action {action!r} (expected one of: "
                f"{', '.join(sorted(ALL_ACTIONS))})"
            )
        if steps and at < steps[-1].at:
            raise ScriptError(
                f"{where}: at = {at} is earlier than the step before "
                f"({steps[-1].at}); steps must be in time order"
            )
        steps.append(Step(float(at), str(action)))
    return steps


def load_script(path: str | Path) -> tuple[list[Step], bool]:
    """Read a TOML or JSON script file; returns (steps, loop)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScriptError(f"{p}: no such input script") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ScriptError(f"{p}: cannot read: {e}") from None
    data: Any
    try:
        data = json.loads(text) if p.suffix == ".json" else tomllib.loads(text)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as e:
        raise ScriptError(
            f"{p}: not valid {'JSON' if p.suffix == '.json' else 'TOML'}: {e}"
        ) from None
    loop = False
    if isinstance(data, dict):
        unknown = sorted(set(data) - {"step", "steps", "loop"})
        if unknown:
            raise ScriptError(f"{p}: unknown key {unknown[0]!r} (expected step, loop)")
        loop = data.get("loop", False)
        if not isinstance(loop, bool):
            raise ScriptError(f"{p}: loop must be true or false")
        data = data.get("step", data.get("steps", []))
    if not isinstance(data, list):
        raise ScriptError(f"{p}: expected a list of steps")
    return parse_steps(data, str(p)), loop


class ScriptedSource(ThreadedSource):
    """Post each step's action when its time comes; ``clock`` and ``wait`` are injectable.

    ``wait(seconds)`` must return True when the source should stop (``threading.Event.wait``
    semantics); tests pass one that advances a fake clock instead of sleeping.
    """

    thread_name = "scripted-input"

    def __init__(
        self,
        steps: Sequence[Step],
        post: Callable[[str], None],
        *,
        loop: bool = False,
        clock: Callable[[], float] = time.monotonic,
        wait: Callable[[float], bool] | None = None,
    ) -> None:
        self.steps = list(steps)
        self.post = post
        self.loop = loop and bool(self.steps)
        self.clock = clock
        ThreadedSource.__init__(self)
        self.wait = wait or self._stop.wait
        self._start = 0.0
        self._next = 0
        self.posted = 0

    def begin(self, now: float | None = None) -> None:
        """Start (or restart) the script's time at ``now``."""
        self._start = self.clock() if now is None else now
        self._next = 0

    def pump(self, now: float) -> list[str]:
        """Post every step due by ``now``; returns their actions."""
        out = []
        while self._next < len(self.steps):
            step = self.steps[self._next]
            if self._start + step.at > now:
                break
            self._next += 1
            self.post(step.action)
            self.posted += 1
            out.append(step.action)
            if self._next == len(self.steps) and self.loop:
                # Start the next round one step after the last one (not in the same instant).
                self._start += step.at + max(1.0, step.at / max(1, len(self.steps)))
                self._next = 0
        return out

    def due_in(self, now: float) -> float | None:
        """Seconds until the next step, or None when the script is over."""
        if self._next >= len(self.steps):
            return None
        return max(0.0, self._start + self.steps[self._next].at - now)

    def run(self) -> None:
        """Replay until the script ends or :meth:`stop` is called."""
        self.begin()
        while not self._stop.is_set():
            now = self.clock()
            self.pump(now)
            delay = self.due_in(now)
            if delay is None:
                return
            if self.wait(delay):
                return
