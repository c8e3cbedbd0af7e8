"""The TV app's loop: event-driven, one thread for the screen, workers for the network.

Each turn: carry out the screen's commands (workers for login/userinfo/logout), let time
pass (``tick``), draw the activation screen (only dirty rectangles reach the display), then
sleep until the next countdown second, a worker's message or a key (``Inbox.wait``).
Nothing polls the network from this thread and nothing redraws an unchanged picture, so
waiting costs close to no CPU. The screen is the same :class:`ActivationScreen` component
that other pygame programs embed.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import pygame

from device_app.core.errors import ConfigurationError
from device_app.engine import token_store
from device_app.hardware.boards import OFFSCREEN_DRIVERS, Board
from device_app.hardware.display import open_display, x11
from device_app.hardware.input.keyboard import KeyboardSource
from device_app.hardware.systemd_notify import Notifier
from device_app.tv import settings_file, start_gc, stop_signals
from device_app.tv.eventlog import EventLog
from device_app.tv.inbox import Inbox
from device_app.tv.input_hub import InputHub
from device_app.tv.inputs import hub_for, keyboard_for
from device_app.tv.speech import Speaker, spoken_text
from device_app.tv.startup_helper import StartupHelper
from device_app.tv.stop_timing import StopTiming
from device_app.tv.workers import SessionLike, Workers, accounts_message
from device_app.ui import i18n, themes
from device_app.ui.component import ActivationScreen
from device_app.ui.controller import Command, Controller, KioskSettings
from device_app.ui.messages import Action
from device_app.ui.render import Insets, Renderer
from device_app.ui.viewmodel import STARTING

log = logging.getLogger(__name__)

IDLE_WAIT = 3600.0  # s to sleep when nothing is scheduled (only input can change the screen)
WAKE_LATE = 0.002  # s past a scheduled change, so the countdown has ticked when we draw


class Quit:
    """The message that ends the loop (window closed elsewhere, SIGTERM, SIGINT)."""


class Wake:
    """The message that only wakes the loop (to read pygame events posted meanwhile)."""


class DisplayLike(Protocol):
    """What the app needs of ``device_app.hardware.display.Display``."""

    surface: pygame.Surface

    def present(self, dirty_rects: list[pygame.Rect]) -> None: ...

    def close(self) -> None: ...


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
        settings_dir: Path | None = None,
        startup_helper: StartupHelper | None = None,
    ) -> None:
        self.board = board
        self.session = session
        self.events = events
        self.clock = clock
        # Where the language chosen with the remote is kept (None: it is not kept).
        self.settings_dir = settings_dir
        self.language = self._first_language(language)
        k, safe = board.kiosk, board.safe_area
        self.screen = ActivationScreen(
            board.size,
            theme=themes.load_theme(theme or board.theme),
            locale=self.language,
            device_name=getattr(session, "device_name", "") or board.device_name,
            kiosk=KioskSettings(
                k.enabled, k.sign_out_after, k.renew_expired_code, k.retry_backoff_max
            ),
            insets=Insets(safe.top, safe.right, safe.bottom, safe.left),
        )
        self.speaker = Speaker(self.language)
        self._display = display
        self._offscreen = offscreen
        self._inbox = Inbox(clock)
        self.stop_timing = StopTiming()
        self._workers = Workers(session, self._inbox.post, events)
        self._handlers: dict[str, Callable[..., None]] = {
            "login": self._workers.login,
            "cancel": self._workers.cancel,
            "userinfo": self._workers.userinfo,
            "switch": self._workers.switch,
            "logout": self._workers.logout,
        }
        self._running = False
        self._notifier: Notifier | None = None
        self._shown = ""
        self.frames = 0
        # Released once a screen other than the starting one is up (start-up is over).
        self._helper = startup_helper
        self._starting = True

    def _first_language(self, flag: str | None) -> str:
        """The command line's language, else the one chosen with the remote last time,
        else the board's, else the system's."""
        if flag:
            return i18n.choose_language(flag, environ={})
        saved = settings_file.load(self.settings_dir) if self.settings_dir else {}
        chosen = i18n.find_language(str(saved.get("language", "")))
        return chosen or i18n.choose_language(self.board.locale)

    def _set_language(self, language: str) -> None:
        """The remote chose ``language`` (already on screen): speak it and keep it."""
        self.language = language
        self.speaker.language = language
        if self.settings_dir is not None:
            try:
                settings_file.save(self.settings_dir, language=language)
            except (OSError, ConfigurationError) as e:
                log.warning("cannot keep the language in %s: %s", self.settings_dir, e)

    @property
    def controller(self) -> Controller:
        """The screen logic (tests assert on its state)."""
        return self.screen.controller

    @property
    def renderer(self) -> Renderer | None:
        """The renderer once the display is open (its layout and boxes)."""
        return self.screen.renderer

    # -- from other threads ------------------------------------------------------------------

    def post(self, message: Any) -> None:
        """Hand a message (device_app.ui.messages, or :class:`Quit`) to the loop."""
        self._inbox.post(message)

    def post_event(self, event: pygame.event.Event) -> None:
        """A pygame event from another thread: posted to SDL's queue, and the loop woken."""
        pygame.event.post(event)
        self.post(Wake())

    def post_action(self, action: str) -> None:
        """For input sources running in threads (evdev, scripted)."""
        self.post(Action(action))

    def stop(self) -> None:
        """Ask the loop to end (from any thread or a signal handler)."""
        self.stop_timing.ask()
        self.post(Quit())

    # -- the loop ----------------------------------------------------------------------------

    def run(self, max_seconds: float | None = None) -> int:
        """Show the screens until the window is closed or SIGTERM/SIGINT; returns 0."""
        os.environ.setdefault("SDL_AUDIODRIVER", "dummy")  # no ALSA noise on a TV
        display = self._display or open_display(self.board, offscreen=self._offscreen)
        self._display = display
        self.screen.resize(display.surface.get_size())
        self._running = True
        started = self.clock()
        old_handlers = stop_signals.install(self.stop)
        hub: InputHub | None = None
        try:
            accounts = None if self.board.kiosk.enabled else accounts_message(self.session)
            if accounts is not None:  # several accounts: Home lists them (never on a kiosk)
                self.screen.update(accounts, self.clock())
            self.screen.start(self.clock(), self.session.signed_in())
            # The first request leaves now that the display works (a TV whose screen fails
            # asks the server for nothing), and the server answers while the starting
            # screen is drawn.
            login = "login" in self._run_commands()
            self._draw(display, started)  # the starting screen at once: never a blank TV
            self._notifier = Notifier()
            self._notifier.ready("screen: %s" % self._shown)  # READY=1 after the first frame
            if login:  # what the code and its screen need loads while the request is out
                token_store.prepare_checksums()
                self.screen.prepare()
            # What wakes the loop: SDL's off-screen drivers have no input devices, nothing to
            # pump them for; in an X11 window, its connection (ctypes: after the first frame).
            sdl_input = pygame.display.get_driver() not in OFFSCREEN_DRIVERS
            self._inbox.watch(x11.connection_fd(), sdl_input)
            keyboard = keyboard_for(self.board)
            hub = hub_for(self.board, self.post_action)
            if hub is not None:
                hub.start()
            while self._running:
                now = self.clock()
                self.screen.tick(now)
                self._run_commands()
                self._draw(display, now)
                if max_seconds is not None and now - started >= max_seconds:
                    break
                self._wait(self._timeout(now, started, max_seconds), keyboard)
        finally:
            self._shutdown(hub, old_handlers)
        return 0

    def _timeout(self, now: float, started: float, max_seconds: float | None) -> float:
        """How long to sleep: to the next change, the watchdog, or the end of the run."""
        wake = self.screen.next_wake(now)
        timeout = IDLE_WAIT if wake is None else max(0.0, wake - now)
        if self._notifier is not None:
            self._notifier.watchdog()  # rate-limited to half of WatchdogSec inside
            interval = self._notifier.watchdog_interval
            if interval:
                timeout = min(timeout, float(interval))
        if max_seconds is not None:
            timeout = min(timeout, max(0.0, started + max_seconds - now))
        return timeout + (WAKE_LATE if wake is not None else 0.0)

    def _run_commands(self) -> list[str]:
        """Run what the screen asks for; the names of the commands run."""
        commands = self.screen.commands()
        for cmd in commands:
            self._run_command(cmd)
        return [cmd.name for cmd in commands]

    def _run_command(self, cmd: Command) -> None:
        if cmd.name == "speak" and len(cmd.args) == 2:
            self.speaker.say(spoken_text(cmd.args[0], cmd.args[1], self.screen.tr))
            return
        if cmd.name == "set_language" and cmd.args:
            self._set_language(cmd.args[0])
            return
        handler = self._handlers.get(cmd.name)
        if handler is not None:
            handler(cmd.gen, *cmd.args)

    def _draw(self, display: DisplayLike, now: float) -> None:
        dirty = self.screen.draw(display.surface, now=now)
        if not dirty:
            return
        display.present(dirty)
        self.frames += 1
        screen = self.screen.screen
        if self.events is not None:
            self.events.screen(screen)
        if screen != self._shown:
            self._shown = screen
            if self._notifier is not None:
                self._notifier.status("screen: %s" % screen)
            if self._starting and screen != STARTING:
                self._end_start_up(warm=True)

    def _end_start_up(self, warm: bool) -> None:
        """A screen other than the starting one is up (or the app stops): the start-up
        helper goes, and the garbage collector runs as usual again (tv/start_gc.py)."""
        self._starting = False
        start_gc.release()
        if self._helper is not None:
            self._helper.release(warm)
            self._helper = None

    def _wait(self, timeout: float, keyboard: KeyboardSource | None) -> None:
        """Sleep until a message, an input event or ``timeout`` seconds; handle them in order."""
        sdl_events, messages = self._inbox.wait(timeout)
        now = self.clock()
        for ev in sdl_events:
            self._sdl_event(ev, keyboard, now)
        for message in messages:
            if isinstance(message, Quit):
                self._running = False
            elif not isinstance(message, Wake):
                self.screen.update(message, now)

    def _sdl_event(
        self, ev: pygame.event.Event, keyboard: KeyboardSource | None, now: float
    ) -> None:
        if ev.type == pygame.QUIT:
            self.stop_timing.ask()
            self._running = False
        elif ev.type == pygame.KEYDOWN and keyboard is not None:
            action = keyboard.translate(ev)
            if action:
                self.screen.handle(action, now)
        elif ev.type == pygame.MOUSEBUTTONUP and self.board.touch:
            # A turned panel reports touches in its own coordinates.
            to_logical = getattr(self._display, "panel_to_logical", None)
            self.screen.tap(to_logical(ev.pos) if callable(to_logical) else ev.pos, now)

    def _shutdown(self, hub: InputHub | None, old_handlers: dict[int, Any]) -> None:
        timing = self.stop_timing
        timing.mark("loop")
        self._end_start_up(warm=False)
        if self._notifier is not None:
            self._notifier.stopping()
            self._notifier.close()
        self._workers.cancel_all()
        self._inbox.close()
        if hub is not None:
            hub.stop()
        timing.mark("inputs")
        self.speaker.stop()
        stop_signals.restore(old_handlers)
        if self._display is not None:
            self._display.close()
        timing.mark("display")
        if self.events is not None:
            self.events.close()
        timing.report()
