"""The collector is held off while the TV app starts and always let go (tv/start_gc.py)."""

from __future__ import annotations

import argparse
import gc
import threading
from collections.abc import Iterator

import pytest

from device_app.cli import commands, tv_commands
from device_app.tv import start_gc


@pytest.fixture(autouse=True)
def collector_as_usual() -> Iterator[tuple[int, int, int]]:
    before = gc.get_threshold()
    assert gc.isenabled() and not start_gc.held()
    yield before
    start_gc.release()
    gc.enable()
    gc.set_threshold(*before)


def test_hold_raises_the_first_threshold_until_release(
    collector_as_usual: tuple[int, int, int],
) -> None:
    threads = threading.active_count()
    start_gc.hold()
    assert gc.get_threshold() == (start_gc.HOLD_ALLOCATIONS, *collector_as_usual[1:])
    assert start_gc.held() and gc.isenabled()
    assert threading.active_count() == threads  # the start-up helper forks only unthreaded
    start_gc.release()
    assert gc.get_threshold() == collector_as_usual and not start_gc.held()
    assert start_gc._on_collection not in gc.callbacks
    start_gc.release()  # twice: nothing more
    assert gc.get_threshold() == collector_as_usual


def test_the_first_collection_while_held_lets_go_by_itself(
    collector_as_usual: tuple[int, int, int],
) -> None:
    start_gc.hold(50_000)
    assert gc.get_threshold()[0] == 50_000
    gc.collect(0)  # what 50 000 new objects would set off
    assert gc.get_threshold() == collector_as_usual and not start_gc.held()
    gc.collect(0)  # the callback left behind does nothing more
    assert gc.get_threshold() == collector_as_usual


def test_a_collector_switched_off_by_someone_else_stays_theirs(
    collector_as_usual: tuple[int, int, int],
) -> None:
    gc.disable()
    start_gc.hold()
    assert not start_gc.held() and gc.get_threshold() == collector_as_usual
    start_gc.release()
    assert not gc.isenabled()


def test_a_second_hold_keeps_what_the_first_one_saved(
    collector_as_usual: tuple[int, int, int],
) -> None:
    start_gc.hold()
    start_gc.hold(7)
    assert gc.get_threshold()[0] == start_gc.HOLD_ALLOCATIONS
    start_gc.release()
    assert gc.get_threshold() == collector_as_usual


@pytest.mark.parametrize(("argv", "held"), [(["run"], True), (["providers"], False)])
def test_only_the_tv_app_starts_with_the_collector_held(
    argv: list[str],
    held: bool,
    monkeypatch: pytest.MonkeyPatch,
    collector_as_usual: tuple[int, int, int],
) -> None:
    seen: list[bool] = []

    def command(args: argparse.Namespace) -> int:
        seen.append(start_gc.held() and gc.get_threshold()[0] == start_gc.HOLD_ALLOCATIONS)
        return 0

    monkeypatch.setattr(tv_commands, "cmd_run", command)
    monkeypatch.setattr(commands, "cmd_providers", command)
    assert commands.main(argv) == 0
    assert seen == [held]
    assert gc.get_threshold() == collector_as_usual  # let go when the command ends
