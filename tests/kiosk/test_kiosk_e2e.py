"""The unattended kiosk against the simulator: two visitors in a row, nobody at a keyboard.

Each visitor's code is approved through the real verification page; after the configured
time the kiosk signs out by itself, revokes the tokens at the server and shows a fresh code.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import requests

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

from device_app.core import events as ev
from device_app.core.events import Event
from device_app.engine.session import Session
from device_app.engine.token_store import TokenStore
from device_app.engine.transport import HttpTransport
from device_app.hardware.boards import load_board
from device_app_simulator.config import SimulatorConfig
from device_app_simulator.demo import demo_profile
from device_app_simulator.phone import approve
from device_app_simulator.server import start_server


class Visitors(Session):
    """The real session; each new code is approved by the next visitor's phone."""

    def __init__(self, *args: Any, people: list[str], **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.people = list(people)
        self.codes: list[str] = []
        self.tokens_seen: list[str] = []
        self.finished = threading.Event()

    def login(self, on_event, cancel=None):  # type: ignore[no-untyped-def]
        def watch(event: Event) -> None:
            on_event(event)
            if event.kind == ev.CODE:
                self.codes.append(event.public()["user_code"])
            if event.kind == ev.CODE and self.people:
                who = self.people.pop(0)
                p = event.public()
                threading.Thread(
                    target=approve,
                    args=(p["verification_uri_complete"] or p["verification_uri"], p["user_code"]),
                    kwargs={"username": who, "password": who},
                    daemon=True,
                ).start()
            elif event.kind == ev.CODE:
                self.finished.set()  # the code for a third visitor is on screen

        final = super().login(watch, cancel)
        if final.kind == ev.AUTHORIZED:
            self.tokens_seen.append(final.data["tokens"]["access_token"])
        return final


@pytest.mark.timeout(120)
def test_two_visitors_in_a_row(tmp_path: Path) -> None:
    from device_app.tv.app import App
    from device_app.tv.eventlog import EventLog

    board = load_board("kiosk")
    assert board.kiosk.enabled
    board = board._replace(kiosk=board.kiosk._replace(sign_out_after=2.0))
    with start_server(
        SimulatorConfig(
            dialect="standard", port=0, interval=1, expires_in=120, db_path=tmp_path / "sim.db"
        )
    ) as srv:
        session = Visitors(
            demo_profile(srv),
            TokenStore(tmp_path / "tokens", "kiosk"),
            HttpTransport(),
            device_name="Lobby kiosk",
            people=["alice", "bob"],
        )
        log_path = tmp_path / "events.jsonl"
        app = App(board, session, events=EventLog(str(log_path), time.monotonic), offscreen=True)

        def stop_when_the_third_code_is_on_screen() -> None:
            session.finished.wait(90)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                if log_path.read_text().count('"activation"') >= 3:
                    break
                time.sleep(0.05)
            app.stop()

        stopper = threading.Thread(target=stop_when_the_third_code_is_on_screen, daemon=True)
        stopper.start()
        assert app.run(max_seconds=100) == 0
        assert session.finished.is_set(), "the kiosk never came back to a fresh code"
        assert len(session.codes) == 3 and len(set(session.codes)) == 3
        assert len(session.tokens_seen) == 2
        # Both visitors were signed out with revocation: their tokens are dead at the server.
        for token in session.tokens_seen:
            r = requests.get(
                srv.endpoints["userinfo"], headers={"Authorization": "Bearer " + token}, timeout=5
            )
            assert r.status_code == 401
        assert session.signed_in() is False
    screens = [line for line in log_path.read_text().splitlines() if '"screen"' in line]
    text = "\n".join(screens)
    assert text.count('"activation"') >= 3 and text.count('"signed_in"') >= 2
