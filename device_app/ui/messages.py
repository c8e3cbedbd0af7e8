"""What a host tells the activation screen: the results of the commands it carried out.

The controller asks for work with :class:`~device_app.ui.controller.Command` objects
(login, userinfo, logout ...). Whoever does the work (the TV app's worker threads, a game's
own loop) answers with one of these values, carrying the command's generation number so
that a late answer to a cancelled command changes nothing. ``apply`` hands it on.
"""

# No ``from __future__ import annotations``: typing.NamedTuple compiles every string
# annotation when the class is made (issue 14: ~2.5 ms of the TV's start over its modules).

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, NamedTuple

from device_app.ui.controller import Controller
from device_app.ui.viewmodel import AccountRow


class FlowUpdate(NamedTuple):
    """A flow event (its public fields) from the login started with ``gen``."""

    gen: int
    kind: str
    public: Mapping[str, Any] = MappingProxyType({})
    final: bool = False

    def apply(self, controller: Controller, now: float) -> None:
        controller.on_flow_event(self.gen, self.kind, self.public, now, final=self.final)


class LoginFailed(NamedTuple):
    """The login raised instead of ending with an event."""

    gen: int
    category: str
    error: str

    def apply(self, controller: Controller, now: float) -> None:
        controller.on_login_failed(self.gen, self.category, self.error, now)


class UserInfoArrived(NamedTuple):
    """The account details from the userinfo call started with ``gen``."""

    gen: int
    info: Mapping[str, Any]

    def apply(self, controller: Controller, now: float) -> None:
        controller.on_userinfo(self.gen, self.info, now)


class UserInfoFailed(NamedTuple):
    """userinfo raised: ``reauth`` when the device must be authorized again."""

    gen: int
    reauth: bool
    category: str = ""
    error: str = ""

    def apply(self, controller: Controller, now: float) -> None:
        controller.on_userinfo_failed(self.gen, self.reauth, self.category, self.error, now)


class SignedOut(NamedTuple):
    """logout finished (local tokens are gone whatever the server said)."""

    gen: int

    def apply(self, controller: Controller, now: float) -> None:
        controller.on_signed_out(self.gen, now)


class Action(NamedTuple):
    """A named remote/keyboard action (device_app.hardware.input.actions)."""

    name: str

    def apply(self, controller: Controller, now: float) -> None:
        controller.on_action(self.name, now)


class AccountsChanged(NamedTuple):
    """The host's accounts as they are now (sent before the result that changed them)."""

    rows: tuple[AccountRow, ...]
    current: str
    limit: int

    def apply(self, controller: Controller, now: float) -> None:
        controller.on_accounts(self.rows, self.current, self.limit, now)


Message = (
    FlowUpdate
    | LoginFailed
    | UserInfoArrived
    | UserInfoFailed
    | SignedOut
    | Action
    | AccountsChanged
)
