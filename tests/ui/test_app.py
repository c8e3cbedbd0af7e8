"""The real loop on SDL's dummy driver with a fake session (each test runs ~0.5 s)."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import pygame
import pytest

from device_app.core.errors import TransportError
from device_app.hardware.boards import load_board
from device_app.tv.app import App
from device_app.tv.eventlog import EventLog
from device_app.ui import viewmodel as vm

from .fakes import CODE, FakeEvent, FakeSession


def run_app(
    session: FakeSession,
    tmp_path: Path,
    seconds: float = 0.6,
    board: str = "desktop",
    during: Any = None,
) -> tuple[App, list[dict[str, Any]]]:
    log_path = tmp_path / "events.jsonl"
    app = App(load_board(board), session, events=EventLog(log_path, time.monotonic), offscreen=True)
    if during is not None:
        threading.Thread(target=during, args=(app,), daemon=True).start()
    assert app.run(max_seconds=seconds) == 0
    lines = [json.loads(x) for x in log_path.read_text().splitlines()]
    return app, lines


def wait_for(predicate: Any, timeout: float = 2.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.01)
    return False


def test_code_reaches_the_screen_and_the_event_log(tmp_path: Path) -> None:
    session = FakeSession()
    app, lines = run_app(session, tmp_path)
    assert app.controller.screen == vm.ACTIVATION
    screens = [x["screen"] for x in lines if x["event"] == "screen"]
    assert screens == ["starting", "activation"]
    code = next(x for x in lines if x["event"] == "code")
    assert code["user_code"] == CODE["user_code"]
    times = [x["t"] for x in lines]
    assert times == sorted(times)
    assert session.cancelled.wait(2)  # the login worker was cancelled on exit
    # An idle activation screen redraws only once a second (countdown), not in a busy loop.
    assert app.frames <= 4


def test_authorized_greets_the_user_by_name(tmp_path: Path) -> None:
    session = FakeSession(
        [
            FakeEvent("code", **CODE),
            FakeEvent("authorized", token_type="Bearer", scope="", expires_in=60),
        ],
        hold=False,
        user={"login": "octocat"},
    )
    app, lines = run_app(session, tmp_path)
    assert app.controller.screen == vm.SIGNED_IN
    user = app.controller.state.user
    assert user is not None and user.name == "octocat"
    text = json.dumps(lines)
    assert "SECRET" not in text and "access_token" not in text


def test_a_transport_failure_becomes_the_network_error_screen(tmp_path: Path) -> None:
    session = FakeSession(login_raises=TransportError("refused", reason="connect"))
    app, _ = run_app(session, tmp_path)
    assert app.controller.screen == vm.ERROR
    assert app.controller.state.error == vm.ErrorInfo("network", "connect")


def test_an_unexpected_exception_is_logged_not_shown(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    session = FakeSession(login_raises=ZeroDivisionError("boom"))
    app, _ = run_app(session, tmp_path)
    assert app.controller.screen == vm.ERROR
    assert app.controller.state.error == vm.ErrorInfo("protocol", "")
    assert any("Traceback" in (r.exc_text or "") or r.exc_info for r in caplog.records)


def test_ok_on_the_expired_screen_gets_a_new_code(tmp_path: Path) -> None:
    session = FakeSession(
        [FakeEvent("code", **CODE), FakeEvent("expired", reason="server")], hold=False
    )

    def press_ok(app: App) -> None:
        if wait_for(lambda: app.controller.screen == vm.EXPIRED and session.logins == 1):
            app.post_event(
                pygame.event.Event(
                    pygame.KEYDOWN, key=pygame.K_RETURN, mod=0, unicode="\r", scancode=40
                )
            )

    run_app(session, tmp_path, seconds=1.0, during=press_ok)
    assert session.logins == 2


def test_actions_from_input_threads_are_handled(tmp_path: Path) -> None:
    session = FakeSession(signed_in=True)

    def sign_out(app: App) -> None:
        if wait_for(lambda: app.controller.screen == vm.HOME):
            for a in ("select", "right", "select"):
                app.post_action(a)

    app, lines = run_app(session, tmp_path, seconds=1.0, during=sign_out)
    assert session.logouts == 1
    screens = [x["screen"] for x in lines if x["event"] == "screen"]
    # Actions that arrive together are handled together; only the result is drawn.
    assert screens[:2] == ["starting", "home"] and screens[-1] == "activation"
    assert session.logins == 1 and app.controller.screen == vm.ACTIVATION


def test_tells_systemd_it_is_ready_after_the_first_frame(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket

    path = tmp_path / "notify.sock"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    sock.settimeout(2)
    monkeypatch.setenv("NOTIFY_SOCKET", str(path))
    monkeypatch.setenv("WATCHDOG_USEC", "400000")
    monkeypatch.delenv("WATCHDOG_PID", raising=False)
    try:
        run_app(FakeSession(), tmp_path, seconds=0.8)
        got = []
        sock.settimeout(0.2)
        while True:
            try:
                got.append(sock.recv(4096).decode())
            except TimeoutError:
                break
    finally:
        sock.close()
    assert "READY=1" in got[0] and "STATUS=screen: starting" in got[0]
    assert any("STATUS=screen: activation" in g for g in got)
    assert sum("WATCHDOG=1" in g for g in got) >= 2  # pinged while the screen just waited
    assert "STOPPING=1" in got[-1]


@pytest.mark.parametrize(
    "name",
    [
        p.stem
        for p in sorted((Path(__file__).resolve().parents[2] / "board_configs").glob("*.toml"))
    ],
)
def test_every_board_runs_and_shows_the_code(name: str, tmp_path: Path) -> None:
    board = load_board(name)._replace(input_sources=("keyboard",))
    log_path = tmp_path / "events.jsonl"
    app = App(board, FakeSession(), events=EventLog(log_path, time.monotonic), offscreen=True)
    assert app.run(max_seconds=0.4) == 0
    assert app.controller.screen == vm.ACTIVATION
    lo = app.renderer.layout if app.renderer else None
    assert lo is not None and (lo.width, lo.height) == board.size and lo.qr is not None


def test_tapping_buttons_signs_out(tmp_path: Path) -> None:
    board = load_board("desktop")._replace(touch=True, rotation=0)
    session = FakeSession(signed_in=True)
    app = App(board, session, offscreen=True)

    def tap(name: str) -> bool:
        r = app.renderer
        box = next((b for b in (r.boxes() if r else []) if b.name == name), None)
        if box is None:
            return False
        x, y, w, h = box.rect
        app.post_event(
            pygame.event.Event(pygame.MOUSEBUTTONUP, pos=(x + w // 2, y + h // 2), button=1)
        )
        return True

    def user(app: App) -> None:
        assert wait_for(lambda: app.controller.screen == vm.HOME and tap("button_sign_out"))
        assert wait_for(
            lambda: app.controller.screen == vm.CONFIRM_SIGN_OUT and tap("button_sign_out")
        )

    threading.Thread(target=user, args=(app,), daemon=True).start()
    app.run(max_seconds=1.2)
    assert session.logouts == 1


def test_the_language_chosen_with_the_remote_is_shown_and_kept(tmp_path: Path) -> None:
    """Home -> Language -> 日本語 -> OK: the screens turn Japanese, the choice is saved
    (owner-only, outside the token store) and the next start is in Japanese."""
    settings = tmp_path / "tv-settings"
    session = FakeSession(signed_in=True)
    app = App(load_board("desktop"), session, offscreen=True, settings_dir=settings)
    assert app.language == "en"

    def user(app: App) -> None:
        assert wait_for(lambda: app.controller.screen == vm.HOME)
        app.post_action("right")
        app.post_action("select")
        assert wait_for(lambda: app.controller.screen == vm.LANGUAGE)
        for _ in app.controller.state.buttons[app.controller.state.focus + 1 :]:
            if app.controller.state.buttons[app.controller.state.focus] == "ja":
                break
            app.post_action("down")
            time.sleep(0.02)
        app.post_action("select")

    threading.Thread(target=user, args=(app,), daemon=True).start()
    app.run(max_seconds=1.5)
    assert app.language == "ja" and app.screen.tr.language == "ja"
    title = app.renderer.layout.box("title") if app.renderer and app.renderer.layout else None
    assert title is not None and "ログイン" in "".join(title.lines)
    saved = settings / "settings.json"
    assert json.loads(saved.read_text()) == {"language": "ja"}
    assert saved.stat().st_mode & 0o777 == 0o600 and settings.stat().st_mode & 0o777 == 0o700
    again = App(load_board("desktop"), FakeSession(), offscreen=True, settings_dir=settings)
    assert again.language == "ja" and again.speaker.language == "ja"
    # The command line still wins over the saved choice.
    flag = App(
        load_board("desktop"), FakeSession(), offscreen=True, settings_dir=settings, language="it"
    )
    assert flag.language == "it"


def test_a_damaged_settings_file_is_named_and_ignored(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = tmp_path / "tv-settings"
    settings.mkdir(mode=0o700)
    (settings / "settings.json").write_text("{not json")
    (settings / "settings.json").chmod(0o600)
    app = App(load_board("desktop"), FakeSession(), offscreen=True, settings_dir=settings)
    assert app.language == "en"
    assert str(settings / "settings.json") in caplog.text


def test_start_up_ends_with_the_first_screen_after_the_starting_one(tmp_path: Path) -> None:
    """The collector held for the start (tv/start_gc.py) runs as usual once the code is up."""
    from device_app.tv import start_gc

    start_gc.hold()
    seen: list[bool] = []

    def watch(app: App) -> None:
        assert wait_for(lambda: app.controller.screen == vm.ACTIVATION and app.frames >= 2)
        seen.append(start_gc.held())

    try:
        run_app(FakeSession(), tmp_path, during=watch)
    finally:
        start_gc.release()
    assert seen == [False]
