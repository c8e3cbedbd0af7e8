"""sd_notify against a real AF_UNIX datagram socket, as systemd listens on one."""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from device_app.hardware import systemd_notify
from device_app.hardware.systemd_notify import Notifier


class Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def listener(tmp_path: Path) -> Iterator[tuple[socket.socket, str]]:
    path = tmp_path / "notify.sock"
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(str(path))
    s.settimeout(2.0)
    yield s, str(path)
    s.close()


def recv(s: socket.socket) -> str:
    return s.recv(4096).decode()


def nothing_waiting(s: socket.socket) -> bool:
    s.setblocking(False)
    try:
        s.recv(4096)
    except BlockingIOError:
        return True
    finally:
        s.settimeout(2.0)
    return False


def test_ready_status_stopping_over_a_path_socket(listener: tuple[socket.socket, str]) -> None:
    s, path = listener
    n = Notifier({"NOTIFY_SOCKET": path})
    assert n.enabled
    assert n.ready("Showing the code")
    assert recv(s) == "READY=1\nSTATUS=Showing the code"
    assert n.status("Waiting for\nthe user\x00 ")
    assert recv(s) == "STATUS=Waiting for the user"
    assert n.status("x\nWATCHDOG=1")  # no smuggled assignment
    assert recv(s) == "STATUS=x WATCHDOG=1"
    assert n.stopping()
    assert recv(s) == "STOPPING=1"
    n.close()


def test_abstract_socket_name() -> None:
    name = "device-app-test-" + uuid.uuid4().hex
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(b"\0" + name.encode())
    s.settimeout(2.0)
    try:
        n = Notifier({"NOTIFY_SOCKET": "@" + name})
        assert n.ready()
        assert recv(s) == "READY=1"
    finally:
        s.close()


def test_watchdog_is_rate_limited_to_half_the_timeout(listener: tuple[socket.socket, str]) -> None:
    s, path = listener
    clock = Clock()
    n = Notifier(
        {"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "30000000", "WATCHDOG_PID": str(os.getpid())},
        clock=clock,
    )
    assert n.watchdog_interval == 15.0
    assert n.watchdog()
    assert recv(s) == "WATCHDOG=1"
    clock.t = 14.9
    assert not n.watchdog()  # called every frame, sent at most every 15 s
    assert nothing_waiting(s)
    clock.t = 15.0
    assert n.watchdog()
    assert recv(s) == "WATCHDOG=1"


def test_watchdog_for_another_process_or_unset_is_off(listener: tuple[socket.socket, str]) -> None:
    s, path = listener
    assert (
        Notifier(
            {"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "1"}
        ).watchdog()
        is False
    )
    assert Notifier({"NOTIFY_SOCKET": path}).watchdog() is False
    assert Notifier({"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "x"}).watchdog() is False
    assert nothing_waiting(s)


def test_no_socket_means_no_op() -> None:
    n = Notifier({})
    assert not n.enabled
    assert n.ready() is False and n.status("x") is False and n.stopping() is False
    assert Notifier({"NOTIFY_SOCKET": "relative/name"}).enabled is False


def test_a_vanished_socket_is_logged_once_and_never_raises(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    n = Notifier({"NOTIFY_SOCKET": str(tmp_path / "gone.sock")})
    with caplog.at_level(logging.WARNING):
        assert n.ready() is False
        assert n.status("x") is False
    assert len(caplog.records) == 1 and "notify socket unusable" in caplog.records[0].message


def test_module_level_functions_use_the_environment(
    listener: tuple[socket.socket, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    s, path = listener
    monkeypatch.setenv("NOTIFY_SOCKET", path)
    monkeypatch.setenv("WATCHDOG_USEC", "2000000")
    monkeypatch.delenv("WATCHDOG_PID", raising=False)
    monkeypatch.setattr(systemd_notify, "_default", None)
    assert systemd_notify.ready()
    assert recv(s) == "READY=1"
    assert systemd_notify.watchdog()
    assert recv(s) == "WATCHDOG=1"
    assert systemd_notify.status("ok") and recv(s) == "STATUS=ok"
    assert systemd_notify.stopping() and recv(s) == "STOPPING=1"
