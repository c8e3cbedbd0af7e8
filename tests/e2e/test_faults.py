"""Every fault the simulator can inject, against the real engine.

The faults are switched on at the moment that matters (usually when the code is on screen,
so the device authorization itself succeeds) and off again from the event the engine
emits, so each test reads as a story: what broke, what the engine did, how it recovered.
Backoff delays are exact because the session runs without jitter (harness.make_session),
so the tests check the rule itself: after a failure the next poll waits longer than the
interval (RFC 8628 §3.5: "reduce their polling frequency"), each further failure doubles
the wait, and the poll leaves when the announced delay is over.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from device_app.core.events import Event
from device_app.engine.transport import DEFAULT_MAX_BODY, HttpTransport
from device_app_simulator.server import SimulatorServer

from .conftest import SimFactory
from .harness import (
    INTERVAL,
    SLACK,
    Exchange,
    Phone,
    Recorder,
    Seen,
    ServerLog,
    assert_demo_user,
    faults_at_code,
    gaps,
    kinds,
    make_session,
    sign_in,
    spacing,
    story,
)

pytestmark = pytest.mark.timeout(60)


def retry_delays(seen: list[Seen]) -> list[float]:
    return [s.event.public()["delay"] for s in seen if s.kind == "retrying"]


def assert_backs_off(delays: list[float]) -> None:
    """Slower than the interval from the first failure on, then doubling (no jitter here)."""
    assert delays and delays[0] > INTERVAL, delays
    assert all(b == 2 * a for a, b in itertools.pairwise(delays)), delays


def assert_waited(polls: list[Exchange], delays: list[float]) -> None:
    """Each retry left when its announced delay was over: not before, not much after."""
    for gap, delay in zip(gaps(polls), delays, strict=True):
        assert delay <= gap <= delay + SLACK, (gaps(polls), delays)


def retry_reasons(seen: list[Seen]) -> list[str]:
    return [s.event.public()["reason"] for s in seen if s.kind == "retrying"]


class Script:
    """Reacts to the engine's events: faults on at the code, off (and approve) later.

    With ``clear_after_retries=N`` the faults are cleared at the N-th ``retrying`` event and
    the person approves then (or when the code arrives, if it was not there yet); without
    it the person approves as soon as the code is shown.
    """

    def __init__(
        self,
        srv: SimulatorServer,
        phone: Phone,
        *,
        at_code: dict[str, object] | None = None,
        clear_after_retries: int | None = None,
    ) -> None:
        self.srv = srv
        self.phone = phone
        self.at_code = at_code
        self.clear_after_retries = clear_after_retries
        self.code: Event | None = None
        self.retries = 0
        self.approved = False

    def _approve(self) -> None:
        if self.code is not None and not self.approved:
            self.approved = True
            self.phone.answer(self.code)

    def __call__(self, event: Event) -> None:
        if event.kind == "code":
            self.code = event
            if self.at_code is not None:
                self.srv.set_faults(self.at_code)
            if self.clear_after_retries is None or self.retries >= self.clear_after_retries:
                self._approve()
        elif event.kind == "retrying":
            self.retries += 1
            if self.retries == self.clear_after_retries:
                self.srv.set_faults({})
                self._approve()


# --------------------------------------------------------------------------- latency
def test_latency_slows_every_answer_but_not_the_poll_schedule(
    sim: SimFactory, phone: Phone, tmp_path: Path
) -> None:
    latency = 0.4
    srv = sim("standard", faults={"latency": latency})
    transport = Recorder(srv)
    session = make_session(srv, tmp_path, transport)

    final, seen = sign_in(session, Script(srv, phone))

    assert phone.outcomes() == ["approved"]
    assert final.kind == "authorized" and story(seen) == ["code", "authorized"]
    assert all(x.ended - x.sent >= latency for x in transport.log)
    # The wait is counted from the end of the slow answer (design-notes §2).
    code, poll = transport.to("device_authorization")[-1], transport.to("token")[0]
    assert INTERVAL <= poll.sent - code.ended <= INTERVAL + SLACK


def test_latency_beyond_the_transport_deadline_is_a_timeout_then_a_retry(
    sim: SimFactory, phone: Phone, tmp_path: Path
) -> None:
    """A device-code answer slower than the transport's total deadline is given up, retried."""
    deadline = 0.5
    srv = sim("standard", faults={"latency": 1.5, "only": ["device_authorization"]})
    transport = Recorder(srv, HttpTransport(total_timeout=deadline))
    session = make_session(srv, tmp_path, transport)
    script = Script(srv, phone, clear_after_retries=1)

    final, seen = sign_in(session, script)

    assert final.kind == "authorized", final.public()
    assert story(seen) == ["retrying", "code", "authorized"]
    assert retry_reasons(seen) == ["timeout"]
    slow, ok = transport.to("device_authorization")
    assert slow.error == "timeout" and deadline <= slow.ended - slow.sent <= deadline + SLACK
    assert ok.status == 200 and INTERVAL <= ok.sent - slow.ended <= INTERVAL + SLACK


# --------------------------------------------------------------------------- refused / reset
def test_refused_connections_back_off_then_succeed_when_the_server_returns(
    sim: SimFactory, phone: Phone, tmp_path: Path
) -> None:
    srv = sim("standard")
    transport = Recorder(srv)
    session = make_session(srv, tmp_path, transport)
    script = Script(srv, phone, at_code={"refuse": True}, clear_after_retries=1)

    final, seen = sign_in(session, script)

    assert phone.outcomes() == ["approved"]
    assert final.kind == "authorized", final.public()
    assert story(seen) == ["code", "retrying", "authorized"]
    assert retry_reasons(seen) == ["connect"]
    assert_backs_off(retry_delays(seen))
    polls = transport.to("token")
    assert polls[0].error == "connect" and polls[-1].status == 200
    assert_waited(polls[:2], retry_delays(seen))
    assert session.signed_in()


def test_refused_until_the_deadline_ends_as_expired_not_as_an_error(
    sim: SimFactory, tmp_path: Path
) -> None:
    """The flow keeps trying, ever slower, and stops only at the code's deadline."""
    expires_in = 5
    srv = sim("standard", expires_in=expires_in)
    transport = Recorder(srv)
    session = make_session(srv, tmp_path, transport)

    final, seen = sign_in(session, faults_at_code(srv, {"refuse": True}))

    assert final.public() == {"event": "expired", "reason": "deadline"}
    assert kinds(seen)[0] == "code" and kinds(seen)[-1] == "expired"
    assert set(kinds(seen)[1:-1]) == {"retrying"}  # never an error: it kept trying
    delays = retry_delays(seen)
    assert len(delays) >= 2
    assert_backs_off(delays)
    polls = transport.to("token")
    assert all(p.error == "connect" for p in polls)
    assert_waited(polls, delays[: len(polls) - 1])
    code_at = transport.to("device_authorization")[-1].ended
    assert expires_in <= seen[-1].at - code_at <= expires_in + SLACK


def test_refused_device_authorization_gives_a_network_error_after_three_tries(
    sim: SimFactory, tmp_path: Path
) -> None:
    srv = sim("standard", faults={"refuse": True})
    transport = Recorder(srv)
    session = make_session(srv, tmp_path, transport)

    final, seen = sign_in(session)

    assert kinds(seen) == ["retrying", "retrying", "error"]
    assert final.public()["category"] == "network"
    assert [x.error for x in transport.log] == ["connect"] * 3
    assert not session.signed_in()


def test_a_connection_reset_mid_answer_is_retried(
    sim: SimFactory, phone: Phone, tmp_path: Path
) -> None:
    """The reset cuts a 200 that began '{"access_token": "': nothing of it may be used."""
    srv = sim("standard")
    transport = Recorder(srv)
    session = make_session(srv, tmp_path, transport)
    script = Script(srv, phone, at_code={"reset": 1}, clear_after_retries=1)

    final, seen = sign_in(session, script)

    assert final.kind == "authorized", final.public()
    assert story(seen) == ["code", "retrying", "authorized"]
    assert retry_reasons(seen) == ["connect"]
    polls = transport.to("token")
    assert polls[0].error == "connect" and polls[-1].status == 200
    assert_demo_user(session.userinfo())  # the stored token is a whole, working one


# --------------------------------------------------------------------------- 5xx
def test_5xx_bursts_back_off_and_doubling(sim: SimFactory, phone: Phone, tmp_path: Path) -> None:
    srv = sim("standard")
    transport = Recorder(srv)
    session = make_session(srv, tmp_path, transport)

    final, seen = sign_in(session, Script(srv, phone, at_code={"5xx": 2}))

    assert phone.outcomes() == ["approved"]
    assert final.kind == "authorized", final.public()
    assert story(seen) == ["code", "retrying", "retrying", "authorized"]
    assert retry_reasons(seen) == ["HTTP 503", "HTTP 503"]
    assert_backs_off(retry_delays(seen))
    polls = transport.to("token")
    assert [p.status for p in polls[:2]] == [503, 503] and polls[-1].status == 200
    assert_waited(polls[:3], retry_delays(seen))


def test_5xx_with_retry_after_waits_as_long_as_the_server_asks(
    sim: SimFactory, phone: Phone, server_log: ServerLog, tmp_path: Path
) -> None:
    retry_after = 3
    srv = sim("standard")
    transport = Recorder(srv)
    session = make_session(srv, tmp_path, transport)
    script = Script(srv, phone, at_code={"5xx": 1, "retry_after": retry_after})

    final, seen = sign_in(session, script)

    assert final.kind == "authorized", final.public()
    assert story(seen) == ["code", "retrying", "authorized"]
    # Backoff alone would wait two intervals; the server asked for more, and got it.
    assert retry_after > 2 * INTERVAL
    assert retry_delays(seen) == [retry_after]
    polls = transport.to("token")
    assert polls[0].status == 503 and polls[-1].status == 200
    assert retry_after <= gaps(polls)[0] <= retry_after + SLACK
    assert spacing(server_log.served(srv, "token"))[0] >= retry_after


# --------------------------------------------------------------------------- lost answer
def test_a_lost_token_response_ends_with_a_bad_code_error_and_no_loop(
    sim: SimFactory, phone: Phone, server_log: ServerLog, tmp_path: Path
) -> None:
    """Tokens issued, answer lost: the next poll gets invalid_grant and the flow stops.

    Auth0, because its profile reads invalid_grant as "expired" near the deadline; mid-flow
    it must stay a bad-code error (design-notes §2). test_cli.py does the same on
    Keycloak through the command line.
    """
    srv = sim("auth0", faults={"lose_token_response": 1})
    transport = Recorder(srv)
    session = make_session(srv, tmp_path, transport)

    final, seen = sign_in(session, Script(srv, phone))

    assert phone.outcomes() == ["approved"]
    assert story(seen) == ["code", "retrying", "error"]
    shown = final.public()
    assert shown["category"] == "bad_code" and shown["error"] == "invalid_grant", shown
    # Exactly one poll after the lost answer, refused: no loop.
    polls = transport.to("token")
    assert [p.error for p in polls[-2:]] == ["connect", None] and polls[-1].status == 403
    assert all(p.error is None for p in polls[:-2])  # pending polls, if the phone was slow
    assert len(server_log.served(srv, "token")) == len(polls) - 1  # the lost one never ended
    assert not session.signed_in()


# --------------------------------------------------------------------------- bad bodies
def test_a_malformed_body_is_retried_without_a_crash(
    sim: SimFactory, phone: Phone, tmp_path: Path
) -> None:
    """An answer whose body is broken JSON: unreadable, so try again.

    design-notes §2: truncated JSON is transient. The simulator garbles the reply
    before its OAuth logic runs (so no code is used up). The person approves after the retry.
    """
    srv = sim("standard")
    transport = Recorder(srv)
    session = make_session(srv, tmp_path, transport)
    script = Script(srv, phone, at_code={"malformed": 1}, clear_after_retries=1)

    final, seen = sign_in(session, script)

    first = transport.to("token")[0]
    assert first.status == 200 and first.error is None  # the garbled answer
    assert final.kind == "authorized", final.public()
    assert story(seen) == ["code", "retrying", "authorized"]
    assert transport.to("token")[-1].status == 200
    assert_demo_user(session.userinfo())


def test_an_oversized_body_is_cut_by_the_transport_cap_and_retried(
    sim: SimFactory, phone: Phone, tmp_path: Path
) -> None:
    srv = sim("standard")
    transport = Recorder(srv)
    session = make_session(srv, tmp_path, transport)
    script = Script(srv, phone, at_code={"oversized": 1}, clear_after_retries=1)

    final, seen = sign_in(session, script)

    assert final.kind == "authorized", final.public()
    assert story(seen) == ["code", "retrying", "authorized"]
    assert retry_reasons(seen) == ["too_large"]
    first, second = transport.to("token")[0], transport.to("token")[-1]
    # 5 MB announced, more than the 1 MiB cap: refused without being read into memory.
    assert first.error == "too_large" and first.size == 0
    assert second.status == 200 and second.size < DEFAULT_MAX_BODY
    assert_demo_user(session.userinfo())


def test_a_captive_portal_page_is_retried_not_terminal(
    sim: SimFactory, phone: Phone, tmp_path: Path
) -> None:
    srv = sim("standard")
    transport = Recorder(srv)
    session = make_session(srv, tmp_path, transport)
    script = Script(srv, phone, at_code={"captive_portal": True}, clear_after_retries=1)

    final, seen = sign_in(session, script)

    assert final.kind == "authorized", final.public()
    assert story(seen) == ["code", "retrying", "authorized"]
    assert retry_reasons(seen) == ["not an OAuth answer"]
    polls = transport.to("token")
    assert all(p.status == 200 for p in polls)  # the portal says 200 too
    assert_waited(polls[:2], retry_delays(seen))


# --------------------------------------------------------------------------- nobody answers
def test_a_user_who_never_answers_expires_at_the_clients_deadline(
    sim: SimFactory, phone: Phone, tmp_path: Path
) -> None:
    expires_in = 3
    srv = sim("standard", expires_in=expires_in, faults={"never_answer": True})
    transport = Recorder(srv)
    session = make_session(srv, tmp_path, transport)

    final, seen = sign_in(session, Script(srv, phone))

    assert phone.outcomes() == ["ignored"]
    assert final.public() == {"event": "expired", "reason": "deadline"}
    assert kinds(seen)[0] == "code" and set(kinds(seen)[1:-1]) == {"pending"}
    code_at = transport.to("device_authorization")[-1].ended
    assert expires_in <= seen[-1].at - code_at <= expires_in + SLACK
    assert all(p.sent < code_at + expires_in for p in transport.to("token"))
    assert not session.signed_in()
    stored = session.store.load()
    assert stored is None or stored.get("pending") is None
