"""The TV app's loop: event-driven, one thread for the screen, workers for the network.

Each turn: carry out the controller's commands (workers for login/userinfo/logout), let
time pass (``tick``), draw the view-model (only dirty rectangles reach the display), then
sleep until the next countdown second, a worker's message or a key. Nothing polls the
network from this thread and nothing redraws an unchanged picture, so waiting costs
close to no CPU.

Workers and input threads talk to the loop through a queue, and the loop sleeps on that
queue, pumping SDL's input every ``INPUT_POLL`` seconds. ``pygame.event.wait(timeout)``
would be the obvious call, but pygame-ce 2.5.8 / SDL 2.32 wake up every millisecond
inside it: measured with benchmarks/bench_screen.py on a waiting activation screen, 3.6 %
of a core under X11 (Xvfb) against 1.0 % for the queue sleep; with the dummy driver
2.5 % against 0.2 %.
"""

from __future__ import annotations

import logging
import os
import queue
import signal
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

import pygame

from device_app.tv.eventlog import EventLog
from device_app.tv.speech import Speaker, spoken_text
from device_app.ui import controller as ctl
from device_app.ui import i18n, themes
from device_app.ui.render import Insets, Renderer

if TYPE_CHECKING:
    from device_app.hardware.boards import Board

log = logging.getLogger(__name__)

# s between SDL input pumps: 50 ms feels instant; 100 ms saved only 0.2 % CPU (measured).
INPUT_POLL = 0.05
IDLE_WAIT = 3600.0  # s to sleep when nothing is scheduled (only input can change the screen)


class FlowEventLike(Protocol):
    """What the app needs of ``device_app.core.events.Event``."""

    kind: str

    def public(self) -> dict[str, Any]: ...


class SessionLike(Protocol):
    """The session the CLI builds (``device_app.engine.session.Session``)."""

    device_name: str

    def signed_in(self) -> bool: ...

    def login(self, on_event: Callable[[Any], None], cancel: threading.Event) -> Any: ...

    def userinfo(self) -> dict[str, Any]: ...

    def logout(self) -> bool: ...


class DisplayLike(Protocol):
    """What the app needs of ``device_app.hardware.display.Display``."""

    surface: pygame.Surface

    def present(self, dirty_rects: list[pygame.Rect]) -> None: ...

    def close(self) -> None: ...


def error_category(exc: BaseException) -> tuple[str, str]:
    """(category, error name) for an exception from the session, for the error screen."""
    from device_app.core import outcomes
    from device_app.engine.errors import outcome_of

    failure = outcome_of(exc)
    if failure is None or failure.kind != outcomes.FAILED:
        return outcomes.PROTOCOL, ""
    return failure.data["category"], str(failure.data["error"] or "")


def _log_failure(what: str, exc: BaseException) -> None:
    """Our own errors in one line; anything else with its traceback, in the log only."""
    from device_app.core.errors import DeviceAppError

    if isinstance(exc, DeviceAppError):
        log.warning("%s failed: %s", what, exc)
    else:
        log.error("%s failed unexpectedly", what, exc_info=exc)


def _reauth_class() -> type[BaseException]:
    try:
        from device_app.engine.session import ReauthRequired
    except ImportError:  # pragma: no cover - the session module ships with the package

        class ReauthRequired(Exception):  # type: ignore[no-redef]
            """Never raised: stands in when the session module is missing."""

    return ReauthRequired


class _FallbackDisplay:
    """pygame.display directly, for when device_app.hardware.display is not available."""

    def __init__(self, board: Board) -> None:
        pygame.display.init()
        flags = pygame.FULLSCREEN if board.fullscreen else 0
        self.surface = pygame.display.set_mode((board.width, board.height), flags)
        pygame.display.set_caption("device-app: " + board.name)

    def present(self, dirty_rects: list[pygame.Rect]) -> None:
        pygame.display.update(dirty_rects)

    def close(self) -> None:
        pygame.display.quit()


def open_display(board: Board, offscreen: bool = False) -> DisplayLike:
    """The board's display (hardware.display), or plain pygame.display if that is missing."""
    try:
        from device_app.hardware.display import open_display as open_board_display
    except ImportError:
        log.warning("device_app.hardware.display is not available; using a plain pygame window")
        return _FallbackDisplay(board)
    display: DisplayLike = open_board_display(board, offscreen=offscreen)
    return display


class App:
    """The activation-screen app for one board and one session."""

    def __init__(
        self,
        board: Board,
        session: SessionLike,
        *,
        events: EventLog | None = None,
        theme: str | None = None,
        language: str | None = None,
        clock: Callable[[], float] = time.monotonic,
        display: DisplayLike | None = None,
        offscreen: bool = False,
    ) -> None:
        self.board = board
        self.session = session
        self.events = events
        self.clock = clock
        self.language = (
            i18n.choose_language(language, environ={})
            if language
            else i18n.choose_language(board.locale)
        )
        self.tr = i18n.translator(self.language)
        self.theme = themes.load_theme(theme or board.theme)
        k = board.kiosk
        self.controller = ctl.Controller(
            getattr(session, "device_name", "") or board.device_name,
            ctl.KioskSettings(
                k.enabled, k.sign_out_after, k.renew_expired_code, k.retry_backoff_max
            ),
        )
        self._display = display
        self._offscreen = offscreen
        self._inbox: queue.Queue[tuple[Any, ...]] = queue.Queue()
        self._running = False
        self._cancels: dict[int, threading.Event] = {}
        self.speaker = Speaker(self.language)
        self.renderer: Renderer | None = None
        self.frames = 0
        self._shown = ""
        self._notifier: Any = None

    # -- messages from other threads -------------------------------------------------------

    def post(self, *message: Any) -> None:
        """Hand a message to the loop from any thread."""
        self._inbox.put(message)

    def post_action(self, action: str) -> None:
        """For input sources running in threads (evdev, scripted)."""
        self.post("action", action)

    def stop(self) -> None:
        """Ask the loop to end (from any thread or a signal handler)."""
        self.post("quit")

    # -- workers ---------------------------------------------------------------------------

    def _spawn(self, name: str, target: Callable[[], None]) -> None:
        threading.Thread(target=target, name="ui-" + name, daemon=True).start()

    def _run_command(self, cmd: ctl.Command) -> None:
        gen = cmd.gen
        if cmd.name == "login":
            cancel = threading.Event()
            self._cancels[gen] = cancel
            self._spawn("login", lambda: self._login_worker(gen, cancel))
        elif cmd.name == "cancel":
            c = self._cancels.pop(gen, None)
            if c is not None:
                c.set()
        elif cmd.name == "userinfo":
            self._spawn("userinfo", lambda: self._userinfo_worker(gen))
        elif cmd.name == "logout":
            self._spawn("logout", lambda: self._logout_worker(gen))
        elif cmd.name == "speak" and len(cmd.args) == 2:
            self.speaker.say(spoken_text(cmd.args[0], cmd.args[1], self.tr))

    def _login_worker(self, gen: int, cancel: threading.Event) -> None:
        seen: list[object] = []

        def on_event(event: Any) -> None:
            seen.append(event)
            public = dict(event.public())
            if self.events is not None:
                self.events.flow_event(event.kind, public)
            self.post("flow", gen, event.kind, public, False)

        try:
            final = self.session.login(on_event, cancel)
            if final is not None and not any(e is final for e in seen):
                on_event_public = dict(final.public())
                if self.events is not None and not cancel.is_set():
                    self.events.flow_event(final.kind, on_event_public)
                self.post("flow", gen, final.kind, on_event_public, True)
            else:
                self.post("flow", gen, "", {}, True)
        except Exception as e:  # shown as an error screen; details go to the log only
            _log_failure("login", e)
            category, name = error_category(e)
            self.post("login_failed", gen, category, name)
        finally:
            self._cancels.pop(gen, None)

    def _userinfo_worker(self, gen: int) -> None:
        reauth = _reauth_class()
        try:
            info = self.session.userinfo()
            self.post("userinfo", gen, dict(info) if isinstance(info, dict) else {})
        except reauth:
            self.post("userinfo_failed", gen, True, "", "")
        except Exception as e:
            _log_failure("userinfo", e)
            category, name = error_category(e)
            self.post("userinfo_failed", gen, False, category, name)

    def _logout_worker(self, gen: int) -> None:
        try:
            self.session.logout()
        except Exception as e:  # tokens may be gone locally even if revocation failed
            log.warning("sign-out: %s", e)
        self.post("signed_out", gen)

    # -- the loop --------------------------------------------------------------------------

    def _handle(self, msg: tuple[Any, ...], now: float) -> None:
        c = self.controller
        what = msg[0]
        if what == "flow":
            _, gen, kind, public, final = msg
            c.on_flow_event(gen, kind, public, now, final=final)
        elif what == "login_failed":
            c.on_login_failed(msg[1], msg[2], msg[3], now)
        elif what == "userinfo":
            c.on_userinfo(msg[1], msg[2], now)
        elif what == "userinfo_failed":
            c.on_userinfo_failed(msg[1], msg[2], msg[3], msg[4], now)
        elif what == "signed_out":
            c.on_signed_out(msg[1], now)
        elif what == "action":
            c.on_action(msg[1], now)
        elif what == "quit":
            self._running = False

    def _sdl_event(self, ev: pygame.event.Event, keyboard: Any, now: float) -> None:
        if ev.type == pygame.QUIT:
            self._running = False
        elif ev.type == pygame.KEYDOWN and keyboard is not None:
            action = keyboard.translate(ev)
            if action:
                self.controller.on_action(action, now)
        elif ev.type == pygame.MOUSEBUTTONUP and self.board.touch:
            self._tap(ev.pos, now)

    def _tap(self, pos: tuple[int, int], now: float) -> None:
        display = self._display
        to_logical = getattr(display, "panel_to_logical", None)
        x, y = to_logical(pos) if callable(to_logical) else pos
        if self.renderer is None:
            return
        buttons = list(self.controller.state.buttons)
        for box in self.renderer.boxes():
            if box.name.startswith("button_") and pygame.Rect(box.rect).collidepoint(x, y):
                name = box.name[len("button_") :]
                if name in buttons:
                    self.controller.state.focus = buttons.index(name)
                    self.controller.on_action("select", now)
                return

    def _draw(self, display: DisplayLike, now: float) -> None:
        assert self.renderer is not None
        view = self.controller.view(now)
        dirty = self.renderer.render(view)
        if dirty:
            display.present(dirty)
            self.frames += 1
            if self.events is not None:
                self.events.screen(view.screen)
            if view.screen != self._shown:
                self._shown = view.screen
                if self._notifier is not None:
                    self._notifier.status("screen: %s" % view.screen)

    def _systemd(self) -> Any:
        try:
            from device_app.hardware.systemd_notify import Notifier
        except ImportError:  # pragma: no cover - ships with the package
            return None
        return Notifier()

    def _keyboard(self) -> Any:
        if "keyboard" not in self.board.input_sources:
            return None
        try:
            from device_app.hardware.input.keyboard import KeyboardSource
        except ImportError:
            log.warning("device_app.hardware.input.keyboard is missing: keys are ignored")
            return None
        return KeyboardSource(self.board.keymap)

    def _hub(self) -> Any:
        if not any(s in self.board.input_sources for s in ("evdev", "scripted")):
            return None
        try:
            from device_app.tv.input_hub import InputHub
        except ImportError:
            log.warning("device_app.tv.input_hub is missing: remote keys are ignored")
            return None
        return InputHub(self.board, self.post_action)

    def run(self, max_seconds: float | None = None) -> int:
        """Show the screens until the window is closed or SIGTERM/SIGINT; returns 0."""
        os.environ.setdefault("SDL_AUDIODRIVER", "dummy")  # no ALSA noise (TV_UX.md §3.1)
        display = self._display or open_display(self.board, self._offscreen)
        self._display = display
        insets = Insets(
            self.board.safe_area.top,
            self.board.safe_area.right,
            self.board.safe_area.bottom,
            self.board.safe_area.left,
        )
        self.renderer = Renderer(display.surface, self.theme, self.tr, insets)
        self._running = True
        started = self.clock()
        self._draw(display, started)  # the starting screen at once: never a blank TV
        self._notifier = self._systemd()
        if self._notifier is not None:
            self._notifier.ready("screen: %s" % self._shown)  # READY=1 after the first frame
        old_handlers = self._install_signals()
        keyboard = self._keyboard()
        hub = self._hub()
        if hub is not None:
            hub.start()
        c = self.controller
        try:
            c.start(self.clock(), self.session.signed_in())
            while self._running:
                now = self.clock()
                c.tick(now)
                for cmd in c.take_commands():
                    self._run_command(cmd)
                self._draw(display, now)
                if max_seconds is not None and now - started >= max_seconds:
                    break
                wake = c.next_wake(now)
                timeout = IDLE_WAIT if wake is None else max(0.0, wake - now)
                if self._notifier is not None:
                    self._notifier.watchdog()  # rate-limited to half of WatchdogSec inside
                    interval = self._notifier.watchdog_interval
                    if interval:
                        timeout = min(timeout, float(interval))
                if max_seconds is not None:
                    timeout = min(timeout, max(0.0, started + max_seconds - now))
                self._wait(timeout + (0.002 if wake is not None else 0.0), keyboard)
        finally:
            self._shutdown(hub, old_handlers)
        return 0

    def _wait(self, timeout: float, keyboard: Any) -> None:
        """Sleep until a message, an input event or ``timeout`` seconds; handle them in order."""
        messages: list[tuple[Any, ...]] = []
        deadline = self.clock() + timeout
        events: list[pygame.event.Event] = []
        while True:
            left = deadline - self.clock()
            try:
                messages.append(self._inbox.get(timeout=max(0.0, min(INPUT_POLL, left))))
            except queue.Empty:
                pass
            events = pygame.event.get() if pygame.display.get_init() else []
            if messages or events or left <= INPUT_POLL:
                break
        while True:
            try:
                messages.append(self._inbox.get_nowait())
            except queue.Empty:
                break
        now = self.clock()
        for ev in events:
            self._sdl_event(ev, keyboard, now)
        for msg in messages:
            self._handle(msg, now)

    def _install_signals(self) -> dict[int, Any]:
        if threading.current_thread() is not threading.main_thread():
            return {}
        old: dict[int, Any] = {}
        for sig in (signal.SIGTERM, signal.SIGINT):
            old[sig] = signal.signal(sig, lambda *_: self.stop())
        return old

    def _shutdown(self, hub: Any, old_handlers: dict[int, Any]) -> None:
        if self._notifier is not None:
            self._notifier.stopping()
            self._notifier.close()
        for cancel in list(self._cancels.values()):
            cancel.set()
        if hub is not None:
            hub.stop()
        self.speaker.stop()
        for sig, handler in old_handlers.items():
            signal.signal(sig, handler)
        if self._display is not None:
            self._display.close()
        if self.events is not None:
            self.events.close()
