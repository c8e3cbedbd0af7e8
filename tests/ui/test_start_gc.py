"""The collector is paused while the TV app starts and always resumed (tv/start_gc.py)."""

from __future__ import annotations

import argparse
import gc
from collections.abc import Callable, Iterator
from typing import ClassVar

import pytest

from device_app.cli import commands, tv_commands
from device_app.tv import start_gc


class FakeTimer:
    """threading.Timer's surface; fires only when the test says so."""

    made: ClassVar[list[FakeTimer]] = []

    def __init__(self, interval: float, function: Callable[[], None]) -> None:
        self.interval = interval
        self.function = function
        self.daemon = False
        self.started = self.cancelled = False
        FakeTimer.made.append(self)

    def start(self) -> None:
        self.started = True

    def cancel(self) -> None:
        self.cancelled = True


@pytest.fixture(autouse=True)
def collector_on() -> Iterator[None]:
    FakeTimer.made.clear()
    assert gc.isenabled() and not start_gc.held()
    yield
    start_gc.release()
    gc.enable()


def test_hold_pauses_the_collector_until_release() -> None:
    start_gc.hold(timer=FakeTimer)
    (timer,) = FakeTimer.made
    assert not gc.isenabled() and start_gc.held()
    assert timer.started and timer.daemon and timer.interval == start_gc.HOLD_LIMIT_S
    start_gc.release()
    assert gc.isenabled() and not start_gc.held() and timer.cancelled
    start_gc.release()  # twice: nothing more
    assert gc.isenabled()


def test_the_time_limit_resumes_the_collector_when_nobody_does() -> None:
    start_gc.hold(2.5, timer=FakeTimer)
    (timer,) = FakeTimer.made
    assert timer.interval == 2.5 and not gc.isenabled()
    timer.function()  # what threading.Timer calls after 2.5 s
    assert gc.isenabled() and not start_gc.held()


def test_a_collector_paused_by_someone_else_stays_theirs() -> None:
    gc.disable()
    start_gc.hold(timer=FakeTimer)
    assert FakeTimer.made == [] and not start_gc.held()
    start_gc.release()
    assert not gc.isenabled()


def test_a_second_hold_keeps_the_first_one() -> None:
    start_gc.hold(timer=FakeTimer)
    start_gc.hold(timer=FakeTimer)
    assert len(FakeTimer.made) == 1


@pytest.mark.parametrize(("argv", "paused"), [(["run"], True), (["providers"], False)])
def test_only_the_tv_app_starts_with_the_collector_paused(
    argv: list[str], paused: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[bool] = []

    def command(args: argparse.Namespace) -> int:
        seen.append(gc.isenabled())
        return 0

    monkeypatch.setattr(tv_commands, "cmd_run", command)
    monkeypatch.setattr(commands, "cmd_providers", command)
    assert commands.main(argv) == 0
    assert seen == [not paused]
    assert gc.isenabled() and not start_gc.held()  # resumed when the command ends
