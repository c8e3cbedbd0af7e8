"""The evdev reader: mapping, IR repeat rules, unplug, hot-plug, grab, permissions."""

from __future__ import annotations

import errno
import logging
import os
import threading
from pathlib import Path

import pytest
from evdev import InputEvent, ecodes

from device_app.hardware.input.evdev_source import SDL_BLIND_KEYS, EvdevSource
from device_app.hardware.input.keymap import default_keymap

from .fakes import FakeClock, FakeDevice, RecordedDevice, key, press, record, syn


class Rig:
    """A fake /dev/input folder whose nodes open to fake devices."""

    def __init__(self, tmp_path: Path) -> None:
        self.dir = tmp_path / "input"
        self.dir.mkdir()
        self.devices: dict[str, FakeDevice | RecordedDevice] = {}
        self.denied: set[str] = set()
        self.posted: list[str] = []
        self.clock = FakeClock()
        self.opens = 0

    def plug(self, node: str, dev: FakeDevice | RecordedDevice) -> None:
        (self.dir / node).touch()
        self.devices[str(self.dir / node)] = dev

    def unplug_node(self, node: str) -> None:
        (self.dir / node).unlink()

    def open(self, path: str) -> FakeDevice | RecordedDevice:
        self.opens += 1
        if path in self.denied:
            raise PermissionError(errno.EACCES, "Permission denied")
        if path not in self.devices or not Path(path).exists():
            raise FileNotFoundError(errno.ENOENT, "No such file or directory")
        dev = self.devices[path]
        if isinstance(dev, FakeDevice):
            if dev.fail is not None:
                raise dev.fail  # the node lingers but the device behind it is gone
            return dev.reopen()
        return dev

    def source(self, **kw: object) -> EvdevSource:
        return EvdevSource(
            default_keymap(),
            self.posted.append,
            input_dir=str(self.dir),
            clock=self.clock,
            open_device=self.open,
            **kw,
        )  # type: ignore[arg-type]

    def path(self, node: str) -> str:
        return str(self.dir / node)


@pytest.fixture
def rig(tmp_path: Path) -> Rig:
    return Rig(tmp_path)


def ir(rig: Rig, node: str = "event0", name: str = "gpio_ir_recv") -> FakeDevice:
    dev = FakeDevice(
        rig.path(node), name, ["KEY_OK", "KEY_UP", "KEY_DOWN", "KEY_EXIT", "KEY_RED", "KEY_ENTER"]
    )
    rig.plug(node, dev)
    return dev


def test_keys_become_actions_releases_and_other_events_do_not(rig: Rig) -> None:
    dev = ir(rig)
    src = rig.source()
    dev.push(press("KEY_OK", 1.0) + press("KEY_EXIT", 2.0) + press("KEY_RED", 3.0))
    dev.push([InputEvent(4, 0, ecodes.EV_REL, ecodes.REL_X, 5), key("KEY_VOLUMEUP", 1, 5.0)])
    assert src.poll(0) == 3
    assert rig.posted == ["select", "back", "red"]


def test_ir_auto_repeat_is_dropped_and_close_presses_suppressed(rig: Rig) -> None:
    dev = ir(rig)
    src = rig.source()
    dev.push(
        [
            key("KEY_DOWN", 1, 10.000),
            key("KEY_DOWN", 2, 10.250),  # kernel auto-repeat while held: dropped
            key("KEY_DOWN", 2, 10.283),
            key("KEY_DOWN", 0, 10.300),
            key("KEY_DOWN", 1, 10.100),  # 100 ms after the last accepted press: suppressed
            key("KEY_UP", 1, 10.120),  # another key is independent
            key("KEY_DOWN", 1, 10.151),  # 151 ms: a new press
            key("KEY_DOWN", 1, 10.200),  # 49 ms after that one: suppressed
        ]
    )
    src.poll(0)
    assert rig.posted == ["down", "up", "down"]


def test_wall_clock_stepping_back_is_not_a_repeat(rig: Rig) -> None:
    dev = ir(rig)
    src = rig.source()
    dev.push([key("KEY_OK", 1, 1_700_000_000.0), key("KEY_OK", 1, 5.0)])  # NTP stepped back
    src.poll(0)
    assert rig.posted == ["select", "select"]


def test_repeat_window_comes_from_the_board(rig: Rig) -> None:
    dev = ir(rig)
    src = rig.source(repeat_suppress=0.0)
    dev.push([key("KEY_OK", 1, 1.0), key("KEY_OK", 1, 1.01)])
    src.poll(0)
    assert rig.posted == ["select", "select"]


def test_only_sdl_blind_keys_when_sdl_reads_the_device_too(rig: Rig) -> None:
    dev = ir(rig)
    src = rig.source(only_keys=SDL_BLIND_KEYS)
    dev.push(press("KEY_ENTER", 1.0) + press("KEY_OK", 2.0) + press("KEY_UP", 3.0))
    src.poll(0)
    assert rig.posted == ["select"]  # KEY_ENTER and KEY_UP reach the app through SDL


def test_unplug_is_logged_once_and_the_other_device_carries_on(
    rig: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    remote = ir(rig, "event0", "gpio_ir_recv")
    buttons = FakeDevice(rig.path("event1"), "gpio_keys", ["KEY_ENTER", "KEY_ESC"])
    rig.plug("event1", buttons)
    src = rig.source()
    src.poll(0)
    assert set(src.open) == {rig.path("event0"), rig.path("event1")}
    caplog.set_level(logging.INFO)
    remote.unplug()
    buttons.push(press("KEY_ESC", 1.0))
    src.poll(0)
    src.poll(0)
    assert rig.posted == ["back"]
    assert rig.path("event0") not in src.open and remote.closed
    # The node is still there (a flaky cable): the next scans retry quietly.
    for t in (7.0, 8.0, 9.0):
        rig.clock.advance(5)
        buttons.push(press("KEY_ENTER", t))
        src.poll(0)
    assert rig.posted == ["back", "select", "select", "select"]
    gone = [r for r in caplog.records if "unplugged" in r.getMessage()]
    assert len(gone) == 1 and "gpio_ir_recv" in gone[0].getMessage()
    assert rig.path("event0") not in src.open
    for _ in range(3):
        rig.clock.advance(5)
        src.poll(0)
    retries = [r for r in caplog.records if "cannot open" in r.getMessage()]
    assert len(retries) == 1 and "No such device" in retries[0].getMessage()


def test_hot_plug_is_picked_up_by_the_periodic_rescan(
    rig: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    src = rig.source(devices=["gpio_ir_recv"])
    src.poll(0)
    src.poll(0)
    assert src.open == {}
    missing = [r for r in caplog.records if "no input device matches" in r.getMessage()]
    assert len(missing) == 1
    dev = ir(rig, "event5")
    src.poll(0)  # the rescan is not due yet
    assert src.open == {}
    rig.clock.advance(src.rescan_interval)
    dev.push(press("KEY_OK", 3.0))
    src.poll(0)  # rescans, opens, then reads in the same turn
    assert rig.posted == ["select"]
    # Unplug for real (node gone), then plug back in: read again, warnings once each.
    dev.unplug()
    rig.unplug_node("event5")
    src.poll(0)
    rig.clock.advance(src.rescan_interval)
    src.poll(0)
    back = ir(rig, "event6")
    rig.clock.advance(src.rescan_interval)
    back.push(press("KEY_UP", 9.0))
    src.poll(0)
    assert rig.posted == ["select", "up"]
    msgs = [r.getMessage() for r in caplog.records]
    assert sum("no input device matches" in m for m in msgs) == 2  # before plug, after unplug
    assert sum("was unplugged" in m for m in msgs) == 1


def test_devices_are_chosen_by_name_pattern_or_path(rig: Rig) -> None:
    ir(rig, "event0", "gpio_ir_recv")
    cec = FakeDevice(rig.path("event1"), "vc4-hdmi-0", ["KEY_SELECT"])
    rig.plug("event1", cec)
    keyboard = FakeDevice(rig.path("event2"), "Logitech USB Keyboard", ["KEY_ENTER"])
    rig.plug("event2", keyboard)
    src = rig.source(devices=["vc4-hdmi*", rig.path("event0")])
    src.rescan()
    assert set(src.open) == {rig.path("event0"), rig.path("event1")}
    assert keyboard.closed  # opened to read its name, then let go
    opens = rig.opens
    src.rescan()
    src.rescan()
    assert rig.opens == opens  # not reopened on every rescan
    # Re-plugged: udev makes a new node (made while the old one still exists, so its inode
    # differs), which is looked at again.
    (rig.dir / "new").touch()
    os.replace(rig.dir / "new", rig.dir / "event2")
    src.rescan()
    assert rig.opens == opens + 1


def test_without_patterns_only_devices_with_mapped_keys(rig: Rig) -> None:
    ir(rig, "event0")
    mouse = FakeDevice(rig.path("event1"), "USB Mouse", ["BTN_LEFT", "BTN_RIGHT"])
    rig.plug("event1", mouse)
    src = rig.source()
    src.rescan()
    assert list(src.open) == [rig.path("event0")]


def test_grab_is_optional_and_a_failed_grab_is_not_fatal(
    rig: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    a = ir(rig, "event0")
    b = FakeDevice(rig.path("event1"), "gpio_keys", ["KEY_ENTER"])
    b.grab_error = OSError(errno.EBUSY, "Device or resource busy")
    rig.plug("event1", b)
    rig.source().rescan()
    assert not a.grabbed
    src = rig.source(grab=True)
    src.rescan()
    assert a.grabbed and not b.grabbed
    assert rig.path("event1") in src.open
    assert any("cannot grab" in r.getMessage() for r in caplog.records)


def test_permission_denied_is_logged_once_with_a_hint(
    rig: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    ir(rig, "event0")
    rig.denied.add(rig.path("event0"))
    src = rig.source()
    for _ in range(3):
        src.poll(0)
        rig.clock.advance(src.rescan_interval)
    denied = [r.getMessage() for r in caplog.records if "cannot open" in r.getMessage()]
    assert len(denied) == 1 and "input group" in denied[0]
    assert rig.opens == 3  # it keeps trying (group membership may be fixed), quietly


def test_missing_input_dir_is_not_fatal(tmp_path: Path) -> None:
    src = EvdevSource(
        default_keymap(),
        lambda a: None,
        input_dir=str(tmp_path / "nope"),
        clock=FakeClock(),
        open_device=lambda p: pytest.fail("no device"),
    )
    assert src.poll(0) == 0


def test_real_evdev_open_on_a_non_device_is_logged_not_raised(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    d = tmp_path / "input"
    d.mkdir()
    (d / "event0").write_bytes(b"not a device")
    src = EvdevSource(default_keymap(), lambda a: None, input_dir=str(d), clock=FakeClock())
    src.rescan()
    assert src.open == {}
    assert any("cannot open" in r.getMessage() for r in caplog.records)


def test_a_recorded_ir_session_replays(rig: Rig) -> None:
    # A capture as the kernel writes it: OK, then DOWN held (press + auto-repeats), then a
    # bounced second OK 80 ms later (suppressed), then RED.
    held_down = [
        key("KEY_DOWN", 1, 101.0),
        syn(101.0),
        key("KEY_DOWN", 2, 101.25),
        syn(101.25),
        key("KEY_DOWN", 2, 101.28),
        syn(101.28),
        key("KEY_DOWN", 0, 101.3),
        syn(101.3),
    ]
    capture = record(
        [
            *press("KEY_OK", 100.0),
            *held_down,
            *press("KEY_OK", 102.0),
            *press("KEY_OK", 102.08),
            *press("KEY_RED", 103.0),
        ]
    )
    dev = RecordedDevice(rig.path("event0"), "gpio_ir_recv", capture, ["KEY_OK", "KEY_DOWN"])
    rig.plug("event0", dev)
    src = rig.source()
    total = 0
    for _ in range(5):
        total += src.poll(0)
    assert rig.posted == ["select", "down", "select", "red"] and total == 4


def test_thread_start_and_stop(rig: Rig) -> None:
    dev = ir(rig)
    got = threading.Event()
    posted: list[str] = []

    def post(action: str) -> None:
        posted.append(action)
        got.set()

    src = EvdevSource(default_keymap(), post, input_dir=str(rig.dir), open_device=rig.open)
    src.start()
    try:
        dev.push(press("KEY_OK", 1.0))
        assert got.wait(2.0)
    finally:
        src.stop()
    assert posted == ["select"] and dev.closed and src.open == {}


def test_stop_wakes_a_reader_waiting_for_input(rig: Rig) -> None:
    # systemctl stop must not wait out the reader's poll: stop() wakes its select() at once.
    dev = ir(rig)
    got = threading.Event()

    class LongWait(EvdevSource):
        def run(self) -> None:
            while not self._stop.is_set():
                self.poll(3600.0)

    src = LongWait(
        default_keymap(), lambda _a: got.set(), input_dir=str(rig.dir), open_device=rig.open
    )
    src.start()
    thread = src._thread
    assert thread is not None
    dev.push(press("KEY_OK", 1.0))
    assert got.wait(10.0)  # the reader is in its loop, back in select() for an hour
    src.stop(timeout=60.0)
    assert not thread.is_alive() and dev.closed
