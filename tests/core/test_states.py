"""The transition table: what is allowed is exactly what TRANSITIONS lists."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from device_app.core import events, outcomes, states
from device_app.core.errors import UsageError
from device_app.core.events import Event
from device_app.core.flow import DeviceFlow

from .fakes import standard

ALL_STATES = [
    states.IDLE,
    states.REQUESTING,
    states.BACKING_OFF,
    states.WAITING,
    states.POLLING,
    states.AUTHORIZED,
    states.DENIED,
    states.EXPIRED,
    states.FAILED,
    states.CANCELLED,
]
ALL_INPUTS = [
    states.START,
    states.GOT_CODE,
    states.CODE_RETRY,
    states.RETRY_DUE,
    states.POLL,
    states.PENDING,
    states.SLOW_DOWN,
    states.TRANSIENT,
    outcomes.AUTHORIZED,
    outcomes.DENIED,
    outcomes.EXPIRED,
    outcomes.FAILED,
    outcomes.CANCELLED,
]


def test_the_lists_above_are_complete() -> None:
    # Every state and input named in the module appears in the lists the tests iterate over.
    names = {
        getattr(states, n)
        for n in dir(states)
        if n.isupper() and isinstance(getattr(states, n), str)
    }
    assert names == set(ALL_STATES) | set(ALL_INPUTS)
    for (s, i), t in states.TRANSITIONS.items():
        assert s in ALL_STATES and i in ALL_INPUTS and t in ALL_STATES


@pytest.mark.parametrize(("state", "what"), list(itertools.product(ALL_STATES, ALL_INPUTS)))
def test_every_pair_outside_the_table_is_a_usage_error(state: Any, what: Any) -> None:
    flow = DeviceFlow(standard())
    flow.state = state
    expected = states.TRANSITIONS.get((state, what))
    assert states.next_state(state, what) == expected
    if expected is None:
        with pytest.raises(UsageError, match="not allowed in state"):
            flow._go(what)
        assert flow.state == state
    else:
        flow._go(what)
        assert flow.state == expected


def test_final_states_have_no_way_out() -> None:
    for s in states.FINAL:
        assert not [k for k in states.TRANSITIONS if k[0] == s]
    live = [s for s in ALL_STATES if s not in states.FINAL]
    for s in live:
        assert states.TRANSITIONS[(s, outcomes.CANCELLED)] == states.CANCELLED


def test_every_state_is_reachable_from_idle() -> None:
    seen = {states.IDLE}
    frontier = [states.IDLE]
    while frontier:
        s = frontier.pop()
        for (a, _i), b in states.TRANSITIONS.items():
            if a == s and b not in seen:
                seen.add(b)
                frontier.append(b)
    assert seen == set(ALL_STATES)


def test_mermaid_lists_every_transition() -> None:
    text = states.mermaid()
    lines = text.splitlines()
    assert lines[0] == "stateDiagram-v2"
    assert "    [*] --> idle" in lines
    for (s, i), t in states.TRANSITIONS.items():
        assert "    %s --> %s: %s" % (s, t, i) in lines, (s, i, t)
    for s in states.FINAL:
        assert "    %s --> [*]" % s in lines
    arrows = [ln for ln in lines if "-->" in ln and "[*]" not in ln]
    assert len(arrows) == len(states.TRANSITIONS)


def test_event_public_views() -> None:
    ev = Event(
        events.CODE,
        {
            "user_code": "A",
            "verification_uri": "https://x",
            "expires_in": 5,
            "interval": 5,
            "expires_at": 123.0,
            "device_code": "secret",
        },
    )
    assert ev.public() == {
        "event": "code",
        "user_code": "A",
        "verification_uri": "https://x",
        "verification_uri_complete": None,
        "expires_in": 5,
        "interval": 5,
        "message": None,
    }
    assert not ev.terminal and repr(ev) == "Event(code)"
    assert Event("unknown").public() == {"event": "unknown"}
    assert Event(events.EXPIRED, {"reason": "deadline"}) == Event("expired", {"reason": "deadline"})
    assert Event(events.EXPIRED) != "expired"
    assert all(Event(k).terminal for k in events.TERMINAL)
