"""Persisting a pending flow across a power cut, and refusing snapshots that cannot be trusted."""

from __future__ import annotations

import json
from typing import Any

import pytest

from device_app.core import states
from device_app.core.flow import DeviceFlow
from device_app.core.formenc import decode_form

from .fakes import (
    DEVICE_CODE,
    ISSUER,
    T0,
    FakeClock,
    FakeServer,
    error_reply,
    kinds,
    pending,
    slow_down,
    standard,
    token_reply,
    waiting_flow,
)

WALL = 1_700_000_000.0  # wall-clock seconds when the code arrived


def saved(**code: Any) -> dict[str, Any]:
    """A snapshot taken 100 s after the code arrived (expires_in 600 unless given)."""
    flow = waiting_flow(**code)
    snap = flow.snapshot(T0 + 100, WALL + 100)
    back: dict[str, Any] = json.loads(json.dumps(snap))  # as it comes back from the store
    return back


def test_snapshot_holds_what_a_resume_needs() -> None:
    snap = saved()
    assert snap["v"] == 1 and snap["device_code"] == DEVICE_CODE
    assert snap["user_code"] == "WDJB-MJHT"
    assert snap["expires_at_wall"] == WALL + 600 and snap["saved_at"] == WALL + 100
    assert snap["interval"] == 5 and snap["expires_in"] == 600


@pytest.mark.parametrize("after", [0, 50, 400])
def test_resume_within_validity_waits_with_the_remaining_time(after: Any) -> None:
    snap = saved()
    now = 7.5  # the monotonic clock restarted after the reboot
    flow = DeviceFlow.resume(standard(), snap, now, WALL + 100 + after)
    assert flow is not None and flow.state == states.WAITING and not flow.done
    remaining = 500 - after
    pub = flow.code_event(now).public()
    assert pub["expires_in"] == remaining
    assert pub["user_code"] == "WDJB-MJHT" and pub["verification_uri"] == ISSUER + "/device"
    assert pub["verification_uri_complete"] == ISSUER + "/device?user_code=WDJB-MJHT"
    assert flow.wake_at() == now + 5
    assert flow.next_request(now + 4.9) is None
    req = flow.next_request(now + 5)
    assert decode_form(req.body)["device_code"] == DEVICE_CODE
    assert kinds(flow.check(now + remaining)) == ["expired"]


def test_a_resumed_flow_runs_to_tokens() -> None:
    clock = FakeClock(3.0)
    flow = DeviceFlow.resume(standard(), saved(), clock(), WALL + 130)
    server = FakeServer([pending(), token_reply()], clock)
    evs = []
    for _ in range(2):
        clock.to(flow.wake_at())
        evs += flow.receive(server(flow.next_request(clock())), clock())
    assert kinds(evs) == ["pending", "authorized"]
    assert [t - 3.0 for t in server.times] == [5, 10]


def test_a_slowed_interval_survives_the_resume() -> None:
    flow = waiting_flow(expires_in=3600)
    now = T0
    for _ in range(24):  # 5 + 24 * 5 = 125 s, above any cap applied to server values
        now = flow.next_due
        flow.next_request(now)
        flow.receive(slow_down(), now)
    snap = json.loads(json.dumps(flow.snapshot(now, WALL + now - T0)))
    again = DeviceFlow.resume(standard(), snap, 0.0, WALL + now - T0 + 1)
    assert again is not None and again.interval == 125


def test_snapshot_while_polling_and_not_otherwise() -> None:
    flow = waiting_flow()
    flow.next_request(T0 + 5)
    assert flow.state == states.POLLING and flow.snapshot(T0 + 5, WALL + 5) is not None
    assert DeviceFlow(standard()).snapshot(T0, WALL) is None
    requesting = DeviceFlow(standard())
    requesting.start(T0)
    assert requesting.snapshot(T0, WALL) is None
    flow.receive(error_reply(400, "access_denied"), T0 + 5)
    assert flow.snapshot(T0 + 6, WALL + 6) is None


@pytest.mark.parametrize(
    ("wall", "why"),
    [
        (WALL + 99, "clock earlier than saved_at (no RTC, time passed unknown)"),
        (WALL - 365 * 86400, "clock a year back"),
        (WALL + 600, "past expiry"),
        (WALL + 10_000, "long past expiry"),
        (WALL + 596, "less than one interval left"),
    ],
)
def test_resume_refuses_an_untrustworthy_time(wall: Any, why: Any) -> None:
    assert DeviceFlow.resume(standard(), saved(), 1.0, wall) is None, why


def _broken(**changes: Any) -> dict[str, Any]:
    snap = saved()
    for k, v in changes.items():
        if v is KeyError:
            del snap[k]
        else:
            snap[k] = v
    return snap


GARBAGE: list[Any] = [
    None,
    [],
    "snapshot",
    42,
    {},
    _broken(v=2),
    _broken(v=KeyError),
    _broken(device_code=KeyError),
    _broken(device_code=""),
    _broken(device_code=123),
    _broken(saved_at="yesterday"),
    _broken(saved_at=None),
    _broken(expires_at_wall=[1]),
    _broken(interval="fast"),
    _broken(expires_in=KeyError),
    _broken(user_code="\x1b[2JPWNED"),
    _broken(user_code=None),
    _broken(user_code="X" * 100),
    _broken(verification_uri="javascript:alert(1)"),
    _broken(verification_uri="http://evil.com/"),
    _broken(verification_uri=KeyError),
    # an expiry the flow would never have granted: not a snapshot we wrote
    _broken(expires_in=1e12, expires_at_wall=WALL + 1e12),
    # more time left than the code ever had
    _broken(expires_at_wall=WALL + 5000),
]


@pytest.mark.parametrize("snap", GARBAGE, ids=range(len(GARBAGE)))
def test_garbage_snapshot_gives_none(snap: Any) -> None:
    assert DeviceFlow.resume(standard(), snap, 1.0, WALL + 150) is None


def test_resume_rechecks_the_strings_it_shows() -> None:
    snap = saved()
    snap["verification_uri_complete"] = "https://evil.example/device?user_code=WDJB-MJHT"
    snap["message"] = "hello\x1b[2J\u202e"
    flow = DeviceFlow.resume(standard(), snap, 1.0, WALL + 150)
    assert flow is not None
    pub = flow.code_event(1.0).public()
    assert pub["verification_uri_complete"] is None  # the QR code falls back to the plain URI
    assert pub["message"] == "hello [2J"
    snap["verification_uri_complete"] = ISSUER + "/device?device_code=" + DEVICE_CODE
    flow = DeviceFlow.resume(standard(), snap, 1.0, WALL + 150)
    assert flow.code_event(1.0).public()["verification_uri_complete"] is None


def test_resume_uses_the_profile_it_is_given() -> None:
    snap = saved()
    assert (
        DeviceFlow.resume(standard(allowed_hosts=("other.example",)), snap, 1.0, WALL + 150) is None
    )
