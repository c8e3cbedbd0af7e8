"""When the engine polls, measured on both sides of the wire.

RFC 8628 §3.5: the client MUST wait at least ``interval`` seconds between polls, and after
``slow_down`` the interval grows by 5 seconds "for this and all subsequent requests". The
project adds (docs/design-notes.md §2): the first poll also waits one interval, and each
wait starts when the previous answer ended.

Client side: :class:`Recorder` notes when each request left and when its answer came back
(monotonic clock). Server side: the simulator's request log notes when it handled each poll
(its own clock). A poll may come a little late (SLACK, scheduling on a busy machine), never
early.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from device_app.core.events import Event

from .conftest import SimFactory
from .harness import (
    INTERVAL,
    SLACK,
    SLOW_DOWN_STEP,
    Phone,
    Recorder,
    ServerLog,
    faults_at_code,
    gaps,
    kinds,
    make_session,
    sign_in,
    spacing,
    story,
)

pytestmark = pytest.mark.timeout(60)


def test_polls_are_one_interval_apart_and_the_first_waits_too(
    sim: SimFactory, phone: Phone, server_log: ServerLog, tmp_path: Path
) -> None:
    """GitHub's dialect: its pending answers come with HTTP 200."""
    srv = sim("github")
    transport = Recorder(srv)
    session = make_session(srv, tmp_path, transport)
    code: list[Event] = []
    pending: list[Event] = []

    def react(event: Event) -> None:
        if event.kind == "code":
            code.append(event)
        elif event.kind == "pending":
            pending.append(event)
            if len(pending) == 3:
                phone.answer(code[0])

    final, seen = sign_in(session, react)

    assert phone.outcomes() == ["approved"]
    assert final.kind == "authorized"
    # The server never had to say slow_down: it never saw a poll too early.
    assert story(seen) == ["code", "authorized"]
    assert kinds(seen).count("pending") >= 3  # more if the phone was slow: fine

    polls = transport.to("token")
    assert len(polls) == kinds(seen).count("pending") + 1
    first = polls[0].sent - transport.to("device_authorization")[-1].ended
    assert INTERVAL <= first <= INTERVAL + SLACK, first
    for gap in gaps(polls):
        assert INTERVAL <= gap <= INTERVAL + SLACK, gaps(polls)

    served_code = server_log.served(srv, "device_authorization")
    served_polls = server_log.served(srv, "token")
    assert len(served_code) == 1 and len(served_polls) == len(polls)
    assert served_polls[0] - served_code[0] >= INTERVAL
    assert all(g >= INTERVAL for g in spacing(served_polls)), spacing(served_polls)


def test_slow_down_storm_adds_up_and_the_flow_ends_at_its_deadline(
    sim: SimFactory, server_log: ServerLog, tmp_path: Path
) -> None:
    """Every poll gets slow_down: waits of 1 s, then 6 s, then 11 s (past the 8 s deadline).

    The standard dialect's slow_down carries no interval, so the +5 s is the client's own
    rule, applied again on the second slow_down (cumulative).
    """
    expires_in = 8
    srv = sim("standard", expires_in=expires_in)
    transport = Recorder(srv)
    session = make_session(srv, tmp_path, transport)

    final, seen = sign_in(session, faults_at_code(srv, {"slow_down_storm": 100}))

    assert kinds(seen) == ["code", "slow_down", "slow_down", "expired"]
    once, twice = INTERVAL + SLOW_DOWN_STEP, INTERVAL + 2 * SLOW_DOWN_STEP
    assert [s.event.public()["interval"] for s in seen[1:3]] == [once, twice]
    assert final.public() == {"event": "expired", "reason": "deadline"}
    # The third poll would be due 11 s after the second, past the deadline: none was sent.
    polls = transport.to("token")
    assert len(polls) == 2
    assert once <= gaps(polls)[0] <= once + SLACK
    assert spacing(server_log.served(srv, "token"))[0] >= once
    # The flow ended at its own deadline, counted from the code's arrival, not before.
    code_at = transport.to("device_authorization")[-1].ended
    assert expires_in <= seen[-1].at - code_at <= expires_in + SLACK
