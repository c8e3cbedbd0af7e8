"""Scripted replays with a fake clock, and the hub that starts a board's sources."""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path
from typing import Any

import pytest

from device_app.hardware.boards import Board, load_board
from device_app.hardware.input.evdev_source import EvdevSource
from device_app.hardware.input.scripted import (
    ScriptedSource,
    ScriptError,
    Step,
    load_script,
    parse_steps,
)
from device_app.tv.input_hub import InputHub

from .fakes import FakeClock, FakeDevice, press


class FakeTime:
    """A clock plus a wait() that moves it instead of sleeping."""

    def __init__(self) -> None:
        self.clock = FakeClock(50.0)
        self.waits: list[float] = []

    def wait(self, seconds: float) -> bool:
        self.waits.append(seconds)
        self.clock.advance(seconds)
        return False


def test_replay_posts_each_action_at_its_time() -> None:
    posted: list[tuple[float, str]] = []
    ft = FakeTime()
    steps = parse_steps([{"at": 0, "action": "down"}, (1.5, "down"), {"at": 4, "action": "select"}])
    src = ScriptedSource(
        steps, lambda a: posted.append((ft.clock(), a)), clock=ft.clock, wait=ft.wait
    )
    src.run()
    assert posted == [(50.0, "down"), (51.5, "down"), (54.0, "select")]
    assert ft.waits == [1.5, 2.5]  # waits only until the next step, never polls


def test_steps_are_accepted_as_steps_or_pairs() -> None:
    # A Step is a (at, action) pair itself (a NamedTuple): given back, it is read as one.
    steps = parse_steps([Step(0.5, "select"), (1, "down"), {"at": 2, "action": "up"}])
    assert steps == [Step(0.5, "select"), Step(1.0, "down"), Step(2.0, "up")]
    assert all(type(s) is Step for s in steps)


def test_pump_is_time_driven() -> None:
    posted: list[str] = []
    src = ScriptedSource(
        [Step(1.0, "up"), Step(1.0, "select"), Step(3.0, "back")],
        posted.append,
        clock=FakeClock(0.0),
    )
    src.begin(10.0)
    assert src.pump(10.5) == [] and src.due_in(10.5) == 0.5
    assert src.pump(11.0) == ["up", "select"]
    assert src.pump(20.0) == ["back"] and src.due_in(20.0) is None


def test_loop_starts_over() -> None:
    posted: list[str] = []
    src = ScriptedSource(
        [Step(0.0, "up"), Step(2.0, "down")], posted.append, loop=True, clock=FakeClock(0.0)
    )
    src.begin(0.0)
    src.pump(2.0)
    src.pump(10.0)
    assert posted[:4] == ["up", "down", "up", "down"]


def test_stop_ends_a_waiting_replay() -> None:
    src = ScriptedSource([Step(0.0, "up"), Step(3600.0, "down")], lambda a: None)
    src.start()
    src.stop()
    assert src.posted == 1 and src._thread is None


def test_script_files_toml_and_json(tmp_path: Path) -> None:
    t = tmp_path / "demo.toml"
    t.write_text(
        'loop = true\n[[step]]\nat = 0.5\naction = "select"\n[[step]]\nat = 2\naction = "digit_3"\n'
    )
    steps, loop = load_script(t)
    assert steps == [Step(0.5, "select"), Step(2.0, "digit_3")] and loop
    j = tmp_path / "demo.json"
    j.write_text(json.dumps([{"at": 1, "action": "back"}]))
    assert load_script(j) == ([Step(1.0, "back")], False)


@pytest.mark.parametrize(
    ("text", "suffix", "words"),
    [
        ('[[step]]\nat = 1\naction = "fire"\n', ".toml", "step 1: unknown action 'fire'"),
        ('[[step]]\nat = -1\naction = "up"\n', ".toml", "step 1: at must be a number"),
        (
            '[[step]]\nat = 2\naction = "up"\n[[step]]\nat = 1\naction = "up"\n',
            ".toml",
            "step 2: at = 1 is earlier",
        ),
        ('[[step]]\nwhen = 2\naction = "up"\n', ".toml", "unknown key 'when'"),
        ("speed = 2\n", ".toml", "unknown key 'speed'"),
        ('loop = "yes"\n', ".toml", "loop must be true or false"),
        ("[1, 2", ".json", "not valid JSON"),
        ('"up"', ".json", "expected a list of steps"),
        ('[["up"]]', ".json", "step 1: expected"),
    ],
)
def test_bad_scripts(tmp_path: Path, text: str, suffix: str, words: str) -> None:
    p = tmp_path / ("s" + suffix)
    p.write_text(text)
    with pytest.raises(ScriptError) as info:
        load_script(p)
    assert str(info.value).startswith(str(p)) and words in str(info.value)


def test_missing_script(tmp_path: Path) -> None:
    with pytest.raises(ScriptError, match="no such input script"):
        load_script(tmp_path / "gone.toml")


def board_with(tmp_path: Path, **changes: Any) -> Board:
    return load_board("pi-hdmi-1080p")._replace(**changes)


def test_hub_runs_evdev_and_scripted_sources_into_one_callback(tmp_path: Path) -> None:
    script = tmp_path / "s.toml"
    script.write_text('[[step]]\nat = 0\naction = "info"\n')
    inputs = tmp_path / "input"
    inputs.mkdir()
    (inputs / "event0").touch()
    dev = FakeDevice(str(inputs / "event0"), "vc4-hdmi-0", ["KEY_OK", "KEY_ENTER"])
    board = board_with(
        tmp_path, input_sources=("keyboard", "evdev", "scripted"), input_script=str(script)
    )
    got: list[str] = []
    two = threading.Event()

    def post(action: str) -> None:
        got.append(action)
        if len(got) >= 2:
            two.set()

    hub = InputHub(board, post, input_dir=str(inputs), open_device=lambda p: dev)
    assert len(hub.sources) == 2 and hub.problems == []
    hub.start()
    try:
        dev.push(press("KEY_ENTER", 1.0) + press("KEY_OK", 2.0))
        assert two.wait(2.0)
    finally:
        hub.stop()
    # KEY_ENTER reaches the UI through SDL on this board (keyboard source, no grab).
    assert sorted(got) == ["info", "select"]


def test_hub_grabbing_board_reads_every_key(tmp_path: Path) -> None:
    board = board_with(tmp_path, evdev_grab=True)
    hub = InputHub(board, lambda a: None, open_device=lambda p: pytest.fail("not started"))
    src = hub.sources[0]
    assert isinstance(src, EvdevSource) and src.grab
    assert 28 in src.actions  # KEY_ENTER: SDL will not see grabbed devices


def test_hub_framebuffer_board_reads_every_key() -> None:
    # With the framebuffer back end SDL reads no input at all.
    hub = InputHub(load_board("spi-480x320"), lambda a: None)
    src = hub.sources[0]
    assert isinstance(src, EvdevSource)
    assert src.patterns == ("gpio_keys*", "gpio_ir_recv") and 28 in src.actions


def test_hub_reports_problems_and_carries_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import device_app.tv.input_hub as hub_mod

    monkeypatch.setattr(hub_mod, "evdev_available", lambda: False)
    board = board_with(
        tmp_path,
        input_sources=("keyboard", "evdev", "scripted"),
        input_script=str(tmp_path / "missing.toml"),
    )
    with caplog.at_level(logging.WARNING):
        hub = InputHub(board, lambda a: None)
    hub.start()
    hub.stop()
    assert hub.sources == []
    assert any("python-evdev is not installed" in p for p in hub.problems)
    assert any("no such input script" in p for p in hub.problems)
    assert len(caplog.records) == 2


def test_keyboard_only_board_starts_nothing() -> None:
    hub = InputHub(load_board("desktop"), lambda a: None)
    assert hub.sources == []
