"""One vocabulary of outcomes, the core's driver loop, and the shared rules it relies on."""

from __future__ import annotations

import json
from typing import Any

import pytest

from device_app.core import jsonparse, outcomes, sanitize, states, tokens
from device_app.core.driver import drive
from device_app.core.errors import ProtocolError, TransportError
from device_app.core.events import Event
from device_app.core.flow import DeviceFlow
from device_app.core.profile import issuer_matches

from .fakes import T0, FakeClock, FakeServer, code_reply, kinds, pending, standard, token_reply

MS = "https://login.microsoftonline.com"


def test_every_outcome_is_a_final_state_reached_by_its_own_name() -> None:
    assert set(outcomes.FINAL) == set(states.FINAL)
    for outcome in outcomes.FINAL:
        ends = {t for (_s, i), t in states.TRANSITIONS.items() if i == outcome}
        assert ends == {outcome}


def test_category_and_key() -> None:
    assert [outcomes.category(c) for c in outcomes.CATEGORIES] == list(outcomes.CATEGORIES)
    assert outcomes.category("weird") == outcomes.category(None) == outcomes.PROTOCOL
    assert outcomes.key(outcomes.DENIED) == outcomes.DENIED
    assert outcomes.key(outcomes.FAILED, {"category": "network"}) == outcomes.NETWORK
    assert outcomes.key(outcomes.FAILED) == outcomes.PROTOCOL


def run(script: list[Any], cancel_after: int | None = None) -> tuple[Event, list[Event], Any]:
    clock = FakeClock()
    server = FakeServer(script, clock)
    flow = DeviceFlow(standard())
    seen: list[Event] = []
    waits: list[float] = []

    def wait(seconds: float) -> bool:
        waits.append(seconds)
        if cancel_after is not None and len(waits) > cancel_after:
            return True
        clock.advance(seconds)
        return False

    final = drive(flow, server, clock, wait, seen.append, flow.start(clock()))
    return final, seen, (server, waits)


def test_drive_runs_to_the_outcome_without_sleeping() -> None:
    final, seen, (server, waits) = run(
        [TransportError("down", reason="connect"), code_reply(), pending(), token_reply()]
    )
    assert final.kind == outcomes.AUTHORIZED and seen[-1] is final
    assert kinds(seen) == ["retrying", "code", "pending", "authorized"]
    assert len(server.log) == 4 and all(w > 0 for w in waits)


def test_drive_cancel_is_an_outcome_event() -> None:
    final, seen, (server, _waits) = run([code_reply()], cancel_after=0)
    assert final.kind == outcomes.CANCELLED and kinds(seen) == ["code", "cancelled"]
    assert len(server.log) == 1  # nothing polled after the cancel


def test_drive_reports_the_local_deadline() -> None:
    clock = FakeClock()
    server = FakeServer([code_reply(expires_in=12, interval=5)], clock, then=pending())
    flow = DeviceFlow(standard())
    seen: list[Event] = []

    def wait(seconds: float) -> bool:
        clock.advance(seconds)
        return False

    final = drive(flow, server, clock, wait, seen.append, flow.start(clock()))
    assert final.kind == outcomes.EXPIRED and final.data == {"reason": "deadline"}
    assert kinds(seen) == ["code", "pending", "pending", "expired"]


def test_cancel_after_the_end_says_nothing() -> None:
    flow = DeviceFlow(standard())
    flow.start(T0)
    assert kinds(flow.cancel()) == ["cancelled"] and flow.cancel() == []


def test_json_object_and_its_hook() -> None:
    assert jsonparse.json_object(b' {"a": 1} ') == {"a": 1}
    assert jsonparse.json_object(b"") is None and jsonparse.json_object(b"[1]") is None

    def refuse(text: str) -> Any:
        if text.count('"a"') > 1:
            raise ProtocolError("duplicate")
        return json.loads(text)

    assert jsonparse.json_object('{"a": 1}', refuse) == {"a": 1}
    with pytest.raises(ProtocolError):
        jsonparse.json_object('{"a": 1, "a": 2}', refuse)


def test_endpoint_policy() -> None:
    long = "https://x.example/" + "a" * 1000
    assert sanitize.check_uri(long, endpoint=True) == long
    with pytest.raises(ValueError, match="longer"):
        sanitize.check_uri(long)
    with pytest.raises(ValueError, match="fragment"):
        sanitize.check_uri("https://x.example/t#f", endpoint=True)
    assert sanitize.check_uri("https://x.example/t#f")


def test_bearer_request_hides_the_token() -> None:
    req = tokens.bearer_request("GET", "https://api.example/me", "at-SECRET")
    assert req.headers["Authorization"] == "Bearer at-SECRET"
    assert "SECRET" not in str(req.redacted())


@pytest.mark.parametrize(
    ("expected", "got", "check", "ok"),
    [
        ("https://a.example/o", "https://a.example/o/", "exact", True),
        ("https://a.example/o", "https://b.example/o", "exact", False),
        (MS + "/common/v2.0", MS + "/{tenantid}/v2.0", "exact", False),
        (MS + "/common/v2.0", MS + "/{tenantid}/v2.0", "lenient", True),
        (MS + "/organizations/v2.0/", MS + "/{tenantid}/v2.0", "lenient", True),
        (MS + "/v2.0", MS + "/{tenantid}/v2.0", "lenient", False),  # no tenant segment
        (MS + "/a/b/v2.0", MS + "/{tenantid}/v2.0", "lenient", False),  # two segments
        ("https://evil.example/common/v2.0", MS + "/{tenantid}/v2.0", "lenient", False),
        (MS + "/common/v1.0", MS + "/{tenantid}/v2.0", "lenient", False),
        ("https://a.example/o", "https://b.example/o", "lenient", False),  # not templated
    ],
)
def test_issuer_matches(expected: str, got: str, check: str, ok: bool) -> None:
    assert issuer_matches(expected, got, check) is ok
