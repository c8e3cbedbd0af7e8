"""The stop's one log line: from the signal to the loop's end, then each part of the shutdown."""

from __future__ import annotations

import logging

import pytest

from device_app.tv.stop_timing import StopTiming


def test_the_first_ask_counts_and_each_part_is_timed(caplog: pytest.LogCaptureFixture) -> None:
    now = [10.0]
    timing = StopTiming(clock=lambda: now[0])
    timing.ask()
    now[0] = 10.25
    timing.ask()  # SIGTERM and then SDL's QUIT for the same stop
    timing.mark("loop")
    now[0] = 10.75
    timing.mark("inputs")
    now[0] = 11.0
    timing.mark("display")
    with caplog.at_level(logging.INFO, logger="device_app.tv.stop_timing"):
        timing.report()
    assert timing.total() == pytest.approx(1.0)
    assert caplog.messages == ["stopped in 1.00 s (loop 0.25 s, inputs 0.50 s, display 0.25 s)"]


def test_a_loop_that_ended_by_itself_starts_the_count_at_its_end() -> None:
    now = [5.0]
    timing = StopTiming(clock=lambda: now[0])
    timing.mark("loop")
    now[0] = 5.5
    timing.mark("display")
    assert timing.total() == pytest.approx(0.5) and timing.parts[0] == ("loop", 0.0)
