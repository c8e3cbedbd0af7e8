"""Fault injection: the schema, and every fault against a real server."""

from __future__ import annotations

import json
import time

import pytest
import requests

from device_app_simulator.faults import FaultBoard, FaultError, parse_fault_args, validate_faults
from device_app_simulator.phone import approve

from .conftest import StartFn, device_authorize, poll, verification_url


def test_schema_accepts_and_normalises() -> None:
    got = parse_fault_args(["latency=0.5", "5xx=2", "retry_after=3", "reset", "only=token"])
    assert got == {"latency": 0.5, "5xx": 2, "retry_after": 3, "reset": True, "only": ("token",)}
    assert validate_faults({"captive_portal": False, "latency": 0}) == {}


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"lag": 1}, "unknown fault 'lag'"),
        ({"latency": "soon"}, "expected seconds"),
        ({"latency": 600}, "0-60"),
        ({"5xx": None}, "needs a value"),
        ({"5xx": -1}, "whole number"),
        ({"reset": 0}, "whole number"),
        ({"retry_after": 3}, "only applies together with 5xx"),
        ({"only": "tokens"}, "choose from"),
        ({"captive_portal": "maybe"}, "switch"),
    ],
)
def test_schema_rejects_with_a_clear_message(raw: dict[str, object], message: str) -> None:
    with pytest.raises(FaultError, match=message):
        validate_faults(raw)


def test_counted_faults_are_consumed() -> None:
    board = FaultBoard({"5xx": 2, "retry_after": 1, "reset": True})
    assert board.take("5xx") and board.get("retry_after") == 1
    assert board.take("5xx") and not board.take("5xx")
    assert "retry_after" not in board.snapshot()
    assert all(board.take("reset") for _ in range(3))


def test_admin_api_switches_faults(start: StartFn) -> None:
    srv = start()
    url = f"{srv.base_url}/admin/api/faults"
    assert requests.get(url, timeout=5).json() == {}
    bad = requests.put(url, json={"latency": "x"}, timeout=5)
    assert bad.status_code == 400 and "expected seconds" in bad.json()["error"]
    assert requests.put(url, data="{}", timeout=5).status_code == 415
    ok = requests.put(url, json={"5xx": 1, "only": ["token"]}, timeout=5)
    assert ok.json() == {"5xx": 1, "only": ["token"]}
    assert srv.faults == {"5xx": 1, "only": ["token"]}
    with pytest.raises(FaultError):
        srv.set_faults({"nonsense": True})
    srv.set_faults({})
    assert requests.get(url, timeout=5).json() == {}


def test_admin_page_fault_form(start: StartFn) -> None:
    srv = start()
    s = requests.Session()
    page = s.get(f"{srv.base_url}/admin", timeout=5).text
    csrf = page.split('name="csrf_token"', 1)[1].split('value="', 1)[1].split('"', 1)[0]
    resp = s.post(
        f"{srv.base_url}/admin/faults",
        timeout=5,
        data={"csrf_token": csrf, "action": "apply", "faults": '{"latency": 0.1}'},
    )
    assert resp.status_code == 200 and srv.faults == {"latency": 0.1}
    bad = s.post(
        f"{srv.base_url}/admin/faults",
        timeout=5,
        data={"csrf_token": csrf, "action": "apply", "faults": "{oops"},
    )
    assert bad.status_code == 400 and "Faults not changed" in bad.text
    s.post(f"{srv.base_url}/admin/faults", data={"csrf_token": csrf, "action": "clear"}, timeout=5)
    assert srv.faults == {}


def test_latency(start: StartFn) -> None:
    srv = start(faults={"latency": 0.3})
    t0 = time.monotonic()
    device_authorize(srv)
    assert time.monotonic() - t0 >= 0.3
    t0 = time.monotonic()
    requests.get(f"{srv.base_url}/admin/api/faults", timeout=5)
    assert time.monotonic() - t0 < 0.3  # admin and pages are never faulted


def test_refuse(start: StartFn) -> None:
    srv = start(faults={"refuse": 2})
    for _ in range(2):
        with pytest.raises(requests.ConnectionError):
            requests.get(srv.endpoints["discovery"] or "", timeout=5)
    assert requests.get(srv.endpoints["discovery"] or "", timeout=5).status_code == 200


def test_reset_mid_response(start: StartFn) -> None:
    srv = start(faults={"reset": 1})
    with pytest.raises(requests.RequestException):
        requests.get(srv.endpoints["discovery"] or "", timeout=5)
    assert requests.get(srv.endpoints["discovery"] or "", timeout=5).status_code == 200


def test_5xx_with_retry_after_hits_token_endpoint_only(start: StartFn) -> None:
    srv = start(faults={"5xx": 2, "retry_after": 3})
    body = device_authorize(srv)  # not the token endpoint: unaffected
    for _ in range(2):
        resp = poll(srv, body["device_code"])
        assert resp.status_code == 503 and resp.headers["Retry-After"] == "3"
        assert resp.headers["Content-Type"].startswith("text/html")
    assert poll(srv, body["device_code"]).json()["error"] == "authorization_pending"


def test_slow_down_storm(start: StartFn) -> None:
    srv = start(faults={"slow_down_storm": 2})
    dc = device_authorize(srv)["device_code"]
    assert [poll(srv, dc).json()["error"] for _ in range(2)] == ["slow_down", "slow_down"]
    row = srv.store.device_by_code(dc)
    assert row is not None and row["interval"] == 10  # each storm reply counts, as RFC 8628
    srv.store.raise_interval(row["id"], -10)  # back to 0 s so the next poll is not too fast
    assert poll(srv, dc).json()["error"] == "authorization_pending"


def test_lose_token_response(start: StartFn) -> None:
    srv = start(faults={"lose_token_response": 1})
    body = device_authorize(srv)
    approve(verification_url(body), body["user_code"])
    with pytest.raises(requests.ConnectionError):
        poll(srv, body["device_code"])
    assert len(srv.store.list_grants()) == 1  # tokens were issued, the answer was lost
    replay = poll(srv, body["device_code"])
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"


def test_malformed_only_for_chosen_endpoint(start: StartFn) -> None:
    srv = start(faults={"malformed": True, "only": "userinfo"})
    body = device_authorize(srv)  # valid JSON: not in "only"
    approve(verification_url(body), body["user_code"])
    tokens = poll(srv, body["device_code"]).json()
    resp = requests.get(
        srv.endpoints["userinfo"] or "",
        timeout=5,
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
    )
    assert resp.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(resp.content)


def test_oversized(start: StartFn) -> None:
    srv = start(faults={"oversized": 1})
    resp = requests.post(
        srv.endpoints["device_authorization"] or "", timeout=10, data={"client_id": "tv-demo"}
    )
    assert len(resp.content) == 5 * 1024 * 1024
    assert int(resp.headers["Content-Length"]) == 5 * 1024 * 1024
    assert set(json.loads(resp.content)) == {"padding"}
    assert "device_code" in device_authorize(srv)


def test_captive_portal(start: StartFn) -> None:
    srv = start(faults={"captive_portal": True})
    for url in (srv.endpoints["device_authorization"], srv.endpoints["token"]):
        resp = requests.post(url or "", data={"client_id": "tv-demo"}, timeout=5)
        assert resp.status_code == 200
        assert resp.headers["Content-Type"].startswith("text/html")
        assert "Hotel Wi-Fi" in resp.text
    assert "Connect a device" in requests.get(srv.endpoints["verification"] or "", timeout=5).text
