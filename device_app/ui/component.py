"""The activation screen as a component a pygame program draws from its own loop.

It joins the three pure-or-drawing parts that already exist: the :class:`Controller`
(which screen, what the keys do, timers), the view-model it builds, and the
:class:`Renderer` (only changed boxes are repainted). A host does, each frame::

    for command in screen.commands():  # login / cancel / userinfo / logout / speak
        ...                            # e.g. session.login(screen.listener(command)) in a thread
    screen.handle("select", now)       # a named action from its own input
    screen.update(event, now)          # or feed a flow Event, a Message, a ViewModel directly
    screen.tick(now)                   # time passes; what listeners posted is taken in
    dirty = screen.draw(surface)       # rectangles for pygame.display.update

Once, after the first ``login`` command has been started, ``screen.prepare()`` loads what the
code's screen needs while the request is out (optional: drawing does it otherwise).

The TV app (device_app.tv) is one such host; docs/api.md shows a game that is another.
"""

from __future__ import annotations

import queue
from collections.abc import Callable

import pygame

from device_app.core.events import Event
from device_app.ui import i18n, qr, themes
from device_app.ui import viewmodel as vm
from device_app.ui.controller import Command, Controller, KioskSettings
from device_app.ui.fonts import Fonts
from device_app.ui.messages import FlowUpdate, Message
from device_app.ui.render import Insets, Renderer

BUTTON_PREFIX = "button_"  # layout box names of the on-screen buttons


class ActivationScreen:
    """The sign-in screens for an area of ``size`` pixels, drawn into the host's surface."""

    def __init__(
        self,
        size: tuple[int, int],
        *,
        theme: str | themes.Theme = "dark",
        locale: str | None = None,
        device_name: str = "",
        kiosk: KioskSettings | None = None,
        insets: Insets | None = None,
    ) -> None:
        self.size = (int(size[0]), int(size[1]))
        self.theme = themes.load_theme(theme) if isinstance(theme, str) else theme
        # An explicit locale wins; without one, the environment's language (else English).
        self.language = (
            i18n.choose_language(locale, environ={}) if locale else i18n.choose_language("")
        )
        self.tr = i18n.translator(self.language)
        self.insets = insets
        self.controller = Controller(device_name, kiosk, i18n.selectable_languages(), self.language)
        self.renderer: Renderer | None = None
        self._fonts: Fonts | None = None
        self._target: tuple[pygame.Surface, tuple[int, int], pygame.Surface] | None = None
        self._fixed: vm.ViewModel | None = None
        self._now = 0.0
        self._posted: queue.SimpleQueue[Message] = queue.SimpleQueue()

    # -- inputs ------------------------------------------------------------------------------

    def start(self, now: float, signed_in: bool = False) -> None:
        """Begin: a code is asked for (command ``login``), or the account (``userinfo``)."""
        self._now = now
        self.controller.start(now, signed_in)

    def update(self, item: Event | Message | vm.ViewModel, now: float) -> None:
        """Take a flow event from the current login, a command's result, or a fixed view."""
        self._now = now
        if isinstance(item, vm.ViewModel):
            self._fixed = item
            return
        self._fixed = None
        if isinstance(item, Event):
            c = self.controller
            c.on_flow_event(c.gen, item.kind, item.public(), now, final=item.terminal)
        else:
            item.apply(self.controller, now)

    def handle(self, action: str, now: float) -> None:
        """A named action: select, back, up, down, left, right, info, menu, home, red."""
        self._now = now
        self.controller.on_action(action, now)

    def tap(self, pos: tuple[int, int], now: float) -> bool:
        """A touch or click at ``pos`` (in this area): True when it pressed a button."""
        if self.renderer is None:
            return False
        buttons = list(self.controller.state.buttons)
        for box in self.renderer.boxes():
            if box.name.startswith(BUTTON_PREFIX) and pygame.Rect(box.rect).collidepoint(pos):
                name = box.name[len(BUTTON_PREFIX) :]
                if name not in buttons:
                    return False
                self.controller.state.focus = buttons.index(name)
                self.controller.state.row = -1  # a tapped button, not an account, is chosen
                self.handle("select", now)
                return True
        return False

    def listener(self, command: Command) -> Callable[[Event], None]:
        """An ``on_event`` for the login that carries out ``command``; any thread may call it.

        Its events are taken in at the next :meth:`tick`, tagged with the command's
        generation, so a login that was cancelled can no longer change the screen.
        """

        def on_event(event: Event) -> None:
            update = FlowUpdate(command.gen, event.kind, event.public(), event.terminal)
            self._posted.put(update)

        return on_event

    def tick(self, now: float) -> None:
        """Let time pass (greeting, kiosk timers, a code that outlived its flow) and take
        in what listeners posted."""
        self._now = now
        while not self._posted.empty():
            self._posted.get().apply(self.controller, now)
        self.controller.tick(now)

    # -- outputs -----------------------------------------------------------------------------

    def commands(self) -> list[Command]:
        """The work the host must do (oldest first): login, cancel, userinfo, logout, speak,
        set_language (already shown when the host gets it; the host may keep the choice)."""
        out = self.controller.take_commands()
        for command in out:
            if command.name == "set_language" and command.args:
                self.set_language(command.args[0])
        return out

    def prepare(self) -> None:
        """Load what the code's screen needs (the QR encoder) before the code arrives: a host
        calls this while the first request is out. Drawing loads it anyway when it was not."""
        qr.load()

    def set_language(self, language: str) -> None:
        """Show the screens in ``language`` (a catalogue's name) from the next draw on."""
        self.language = language
        self.tr = i18n.translator(language)
        self.controller.language = language
        if self.renderer is not None:
            self.renderer.set_translator(self.tr)

    @property
    def screen(self) -> str:
        """The screen on show: starting, activation, signed_in, home, error ..."""
        return self._fixed.screen if self._fixed is not None else self.controller.screen

    def view(self, now: float | None = None) -> vm.ViewModel:
        """The view-model at ``now`` (default: the time last given)."""
        if self._fixed is not None:
            return self._fixed
        return self.controller.view(self._now if now is None else now)

    def next_wake(self, now: float) -> float | None:
        """When the picture next changes by itself (None: only on input)."""
        return None if self._fixed is not None else self.controller.next_wake(now)

    def invalidate(self) -> None:
        """Repaint everything at the next draw (the host painted over the area)."""
        if self.renderer is not None:
            self.renderer.invalidate()

    def resize(self, size: tuple[int, int]) -> None:
        """Use an area of another size from the next draw on (a full repaint)."""
        size = (int(size[0]), int(size[1]))
        if size != self.size:
            self.size = size
            self.renderer = None
            self._target = None

    def draw(
        self, surface: pygame.Surface, pos: tuple[int, int] = (0, 0), now: float | None = None
    ) -> list[pygame.Rect]:
        """Draw at ``pos`` in ``surface`` as at ``now`` (default: the time last given).

        Returns the changed rectangles in the coordinates of the window (a subsurface's
        offset is added), ready for ``pygame.display.update``; nothing changed: [].
        """
        target = self._area(surface, pos)
        if self.renderer is None or self.renderer.surface is not target:
            if self._fonts is None:
                self._fonts = Fonts()
            self.renderer = Renderer(target, self.theme, self.tr, self.insets, self._fonts)
        dirty = self.renderer.render(self.view(now))
        offset = target.get_abs_offset()
        return [r.move(offset) for r in dirty] if offset != (0, 0) else dirty

    def _area(self, surface: pygame.Surface, pos: tuple[int, int]) -> pygame.Surface:
        """``surface`` itself when the area fills it, else one kept subsurface of it."""
        if tuple(pos) == (0, 0) and surface.get_size() == self.size:
            return surface
        kept = self._target
        if kept is None or kept[0] is not surface or kept[1] != tuple(pos):
            area = surface.subsurface(pygame.Rect(pos, self.size))
            kept = (surface, (pos[0], pos[1]), area)
            self._target = kept
        return kept[2]
