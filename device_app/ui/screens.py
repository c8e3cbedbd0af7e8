"""What each screen says: a view-model plus a translator -> a list of text elements.

Pure (no pygame). The layout places the elements; the renderer draws them. Elements
marked ``dynamic`` change while the screen stays up (countdown, status, kiosk timers,
button focus); the layout sizes their boxes from ``template`` so an update redraws one
box only.
"""

# No ``from __future__ import annotations``: typing.NamedTuple compiles every string
# annotation when the class is made (issue 14: ~2.5 ms of the TV's start over its modules).

import re
from typing import NamedTuple

from device_app.core import outcomes
from device_app.ui import viewmodel as vm
from device_app.ui.i18n import LANGUAGE_NAMES, N_, Translator

# Font roles: the bundled files are chosen in fonts.py.
SANS = "sans"
BOLD = "bold"
MONO = "mono"

# Element kinds the layouts know.
TITLE = "title"
BODY = "body"
DETAIL = "detail"
HINT = "hint"
STATUS = "status"
FOOTER = "footer"
BUTTON = "button"
OPTION = "option"  # one choice in a vertical list (the language screen)
# Activation-only kinds.
HEADING = "heading"
STEP = "step"
URI = "uri"
CODE = "code"
COUNTDOWN = "countdown"
CAPTION = "caption"


class Element(NamedTuple):
    """One piece of text on a screen."""

    name: str  # unique on the screen
    kind: str
    text: str
    colour: str = "text"  # a Theme attribute
    font: str = SANS
    dynamic: bool = False
    template: str = ""  # what the box is sized for (dynamic elements)
    focused: bool = False


class Composition(NamedTuple):
    """A screen's content: ``activation`` (code + QR) or ``message`` layout."""

    screen: str
    layout: str
    elements: tuple[Element, ...]
    qr: str = ""

    def static_key(self) -> tuple[object, ...]:
        """Everything the layout depends on (dynamic texts replaced by their templates)."""
        return (
            self.layout,
            self.qr,
            tuple(
                (e.name, e.kind, e.font, e.template if e.dynamic else e.text) for e in self.elements
            ),
        )

    def element(self, name: str) -> Element | None:
        """The element called ``name``, if any."""
        for e in self.elements:
            if e.name == name:
                return e
        return None


BUTTON_LABELS = {
    "new_code": N_("Get a new code"),
    "try_again": N_("Try again"),
    "sign_out": N_("Sign out"),
    "cancel": N_("Cancel"),
    "add_account": N_("Add account"),
    "remove": N_("Remove"),
    "sign_in": N_("Sign in again"),
    "language": N_("Language"),
}

STARTING_TITLES = {
    vm.WHY_CODE: N_("Connecting…"),
    vm.WHY_NEW_CODE: N_("Getting a new code…"),
    vm.WHY_ACCOUNT: N_("Loading your account…"),
    vm.WHY_SIGNING_OUT: N_("Signing out…"),
}
STARTING_BODIES = {
    vm.WHY_CODE: N_("Asking the sign-in server for a code."),
    vm.WHY_NEW_CODE: N_("Asking the sign-in server for a code."),
    vm.WHY_ACCOUNT: N_("You are signed in. Fetching your details from the server."),
    vm.WHY_SIGNING_OUT: N_("Removing your account from this device."),
}

ERROR_TEXTS = {
    outcomes.CONFIGURATION: (
        N_("This device is not set up correctly"),
        N_("The sign-in server refused this device's settings."),
        N_(
            "Check the client ID, the scopes, and that device sign-in is enabled for this "
            "app on the server."
        ),
    ),
    outcomes.PROTOCOL: (
        N_("The sign-in server gave an unexpected answer"),
        N_("This device could not understand the server's reply."),
        N_("Check the server address, and that the server supports device sign-in (RFC 8628)."),
    ),
    outcomes.BAD_CODE: (
        N_("The sign-in code was not accepted"),
        N_("The server no longer knows this code."),
        N_("Get a new code and try again."),
    ),
    outcomes.SETTINGS: (
        N_("This device is not set up yet"),
        N_("Its sign-in settings are missing or wrong."),
        N_("Fix the settings file as said below, then press OK to try again."),
    ),
    outcomes.NETWORK: (
        N_("Can't reach the sign-in server"),
        N_("This device could not connect to the server."),
        N_("Check the network cable or Wi-Fi, and that the server is running."),
    ),
}


def _zeros(text: str) -> str:
    """The widest version of a changing number for sizing: every digit made 0..9 -> 0."""
    return re.sub(r"[0-9]", "0", text)


def _status(v: vm.ViewModel, tr: Translator) -> Element:
    if v.status == vm.STATUS_RECONNECTING:
        if v.retry_in:
            t = tr("Reconnecting… next try in {seconds} s", seconds=v.retry_in)
        else:
            t = tr("Reconnecting…")
        template = tr("Reconnecting… next try in {seconds} s", seconds=88)
        return Element("status", STATUS, t, "warning", SANS, True, template)
    t = tr("Waiting for you to sign in…")
    template = max((t, tr("Reconnecting… next try in {seconds} s", seconds=88)), key=len)
    return Element("status", STATUS, t, "muted", SANS, True, template)


def _auto(v: vm.ViewModel, tr: Translator) -> Element | None:
    """The kiosk's "next step in N s" line, or None when no timer runs."""
    if v.auto_in is None or not v.kiosk:
        return None
    msg = {
        "new_code": N_("A new code in {seconds} s"),
        "retry": N_("Trying again in {seconds} s"),
        "sign_out": N_("Signing out for the next visitor in {seconds} s"),
    }.get(v.auto_what)
    if msg is None:
        return None
    return Element(
        "auto", STATUS, tr(msg, seconds=v.auto_in), "muted", SANS, True, tr(msg, seconds=8888)
    )


def _buttons(v: vm.ViewModel, tr: Translator) -> list[Element]:
    out = []
    for i, b in enumerate(v.buttons):
        label = tr(BUTTON_LABELS.get(b, b))
        out.append(
            Element(
                "button_" + b,
                BUTTON,
                label,
                "muted" if b in v.disabled else "button_text",
                BOLD,
                True,
                label,
                focused=(v.row < 0 and i == v.focus),
            )
        )
    return out


def _device_line(v: vm.ViewModel, tr: Translator) -> Element:
    return Element("footer", FOOTER, tr("Device: {device}", device=v.device_name), "muted")


def _details(v: vm.ViewModel, tr: Translator) -> list[Element]:
    if v.user is None:
        return []
    return [
        Element("detail_%d" % i, DETAIL, "%s: %s" % (tr(label), value))
        for i, (label, value) in enumerate(v.user.details)
    ]


def _title(text: str, colour: str = "text") -> Element:
    return Element("title", TITLE, text, colour, BOLD)


def _body(text: str) -> Element:
    return Element("body", BODY, text)


def _hint(text: str, colour: str = "muted") -> Element:
    return Element("hint", HINT, text, colour)


def _detail(index: int, text: str) -> Element:
    return Element("detail_%d" % index, DETAIL, text, "muted")


def _starting(v: vm.ViewModel, tr: Translator) -> list[Element]:
    why = v.why if v.why in STARTING_TITLES else vm.WHY_CODE
    els = [_title(tr(STARTING_TITLES[why])), _body(tr(STARTING_BODIES[why]))]
    if v.status == vm.STATUS_RECONNECTING and why in (vm.WHY_CODE, vm.WHY_NEW_CODE):
        els.append(_status(v, tr))
    return els


def _expired(v: vm.ViewModel, tr: Translator) -> list[Element]:
    if v.cancelled:
        els = [
            _title(tr("Sign-in cancelled")),
            _body(tr("The code is no longer shown or valid.")),
        ]
    else:
        els = [
            _title(tr("The code has expired"), "warning"),
            _body(tr("Codes last only a few minutes, so that nobody can use an old one.")),
        ]
    if not v.kiosk:
        els.append(_hint(tr("Press OK to get a new code.")))
    return els + _buttons(v, tr)


def _denied(v: vm.ViewModel, tr: Translator) -> list[Element]:
    els = [
        _title(tr("Sign-in was declined"), "error"),
        _body(tr("The request was turned down on the phone or computer.")),
    ]
    if v.denied:
        els.append(_detail(0, tr("Server said: {text}", text=v.denied)))
    if not v.kiosk:
        els.append(_hint(tr("Press OK to try again with a new code.")))
    return els + _buttons(v, tr)


def _error(v: vm.ViewModel, tr: Translator) -> list[Element]:
    err = v.error or vm.ErrorInfo("protocol")
    title, body, check = ERROR_TEXTS.get(err.category, ERROR_TEXTS["protocol"])
    els = [_title(tr(title), "error"), _body(tr(body)), _hint(tr(check), "text")]
    if err.error:
        els.append(_detail(0, tr("Error code: {code}", code=err.error)))
    if err.description:
        said = (
            tr("To fix: {text}", text=err.description)
            if err.category == outcomes.SETTINGS
            else tr("Server said: {text}", text=err.description)
        )
        els.append(_detail(1, said))
    return els + _buttons(v, tr)


def _signed_in(v: vm.ViewModel, tr: Translator) -> list[Element]:
    if v.user is None:
        return [_title(tr("You're signed in"), "success"), _body(tr("Getting your details…"))]
    title = tr("Welcome, {name}!", name=v.user.name) if v.user.name else tr("Welcome!")
    return [
        _title(title, "success"),
        _body(tr("You're signed in on {device}.", device=v.device_name)),
        *_details(v, tr),
    ]


def _home(v: vm.ViewModel, tr: Translator) -> list[Element]:
    if v.account_limit:
        return _accounts_home(v, tr)
    user = v.user
    if user is not None and user.name:
        els = [_title(tr("Signed in as {name}", name=user.name))]
    else:
        els = [_title(tr("Signed in"))]
    els.extend(_details(v, tr))
    if not v.kiosk:
        els.append(_hint(tr("To use another account, sign out.")))
    return els + _buttons(v, tr)


def _confirm_remove(v: vm.ViewModel, tr: Translator) -> list[Element]:
    row = next((r for r in v.accounts if r.id == v.current), None)
    name = row.name if row is not None and row.name else tr("this account")
    return [
        _title(tr("Remove {name} from {device}?", name=name, device=v.device_name)),
        _body(
            tr(
                "Its sign-in is revoked at the server and forgotten here. "
                "The other accounts stay signed in."
            )
        ),
        *_buttons(v, tr),
    ]


def _confirm_sign_out(v: vm.ViewModel, tr: Translator) -> list[Element]:
    return [
        _title(tr("Sign out of this device?")),
        _body(
            tr(
                "{device} will forget your account. You can sign in again with a new code.",
                device=v.device_name,
            )
        ),
        *_buttons(v, tr),
    ]


def _nothing(v: vm.ViewModel, tr: Translator) -> list[Element]:
    return []


def _language_choice(v: vm.ViewModel, tr: Translator) -> list[Element]:
    """The language screen: a title (also in English, for whoever landed here by mistake),
    how to choose, and each language named in itself."""
    title = tr("Language")
    if title != "Language":
        title += " · Language"
    els = [
        Element("title", TITLE, title, "text", BOLD),
        Element("hint", HINT, tr("Choose with up and down, then press OK."), "muted"),
    ]
    for i, lang in enumerate(v.buttons):
        name = LANGUAGE_NAMES.get(lang, lang)
        els.append(Element("option_" + lang, OPTION, name, "text", BOLD, True, name, i == v.focus))
    return els


# The message screens: screen name -> what it says (before the kiosk line and footer).
MESSAGE_SCREENS = {
    vm.STARTING: _starting,
    vm.EXPIRED: _expired,
    vm.DENIED: _denied,
    vm.ERROR: _error,
    vm.SIGNED_IN: _signed_in,
    vm.HOME: _home,
    vm.CONFIRM_REMOVE: _confirm_remove,
    vm.CONFIRM_SIGN_OUT: _confirm_sign_out,
    vm.LANGUAGE: _language_choice,
}


def compose(v: vm.ViewModel, tr: Translator) -> Composition:
    """The text elements of screen ``v.screen`` in the translator's language."""
    if v.screen in vm.CODE_SCREENS:
        if v.code:
            return _activation(v, tr)
        what = _starting  # no code yet: the screen says it is asking for one
    else:
        what = MESSAGE_SCREENS.get(v.screen, _nothing)
    els = what(v, tr)
    auto = _auto(v, tr)
    if auto is not None:
        els.append(auto)
    els.append(_device_line(v, tr))
    return Composition(v.screen, "message", tuple(els))


ROW_TEXTS = {
    (True, False): N_("{name} (current)"),
    (False, True): N_("{name} (sign in again)"),
    (True, True): N_("{name} (current, sign in again)"),
}


def _accounts_home(v: vm.ViewModel, tr: Translator) -> list[Element]:
    """Home with several accounts: who is current, the list, why Add account may be off."""
    current = next((r for r in v.accounts if r.id == v.current), None)
    name = (current.name if current is not None else "") or tr("this account")
    if current is not None and current.needs_sign_in:
        title = Element("title", TITLE, tr("{name} must sign in again", name=name), "warning", BOLD)
    elif v.user is not None and v.user.name:
        title = Element("title", TITLE, tr("Signed in as {name}", name=v.user.name), "text", BOLD)
    else:
        title = Element("title", TITLE, tr("Signed in as {name}", name=name), "text", BOLD)
    els = [title]
    for i, r in enumerate(v.accounts):
        key = (r.id == v.current, r.needs_sign_in)
        text = tr(ROW_TEXTS[key], name=r.name or "?") if key in ROW_TEXTS else r.name or "?"
        colour = "warning" if r.needs_sign_in else "text"
        els.append(Element("account_%d" % i, DETAIL, text, colour, SANS, True, text, i == v.row))
    if "add_account" in v.disabled:
        hint = tr(
            "This TV holds at most {count} accounts: remove one to add another.",
            count=v.account_limit,
        )
    else:
        hint = tr("Up and down choose an account; OK switches to it.")
    els.append(Element("hint", HINT, hint, "muted"))
    els.extend(_buttons(v, tr))
    return els


def _activation(v: vm.ViewModel, tr: Translator) -> Composition:
    left = v.seconds_left if v.seconds_left is not None else v.code_lifetime
    if left > 0:
        countdown = tr("Code expires in {time}", time=vm.format_clock(left))
    else:
        countdown = tr("Code expired")
    template = max(
        (
            tr("Code expires in {time}", time=_zeros(vm.format_clock(v.code_lifetime))),
            tr("Code expired"),
        ),
        key=len,
    )
    els = [
        Element("heading", HEADING, tr("Sign in with your phone or computer"), "text", BOLD),
        Element("step1", STEP, tr("1. Go to"), "muted"),
        Element("uri", URI, v.uri, "accent", BOLD),
        Element("step2", STEP, tr("2. Enter this code"), "muted"),
        Element("code", CODE, v.code, "code", MONO),
        Element(
            "countdown",
            COUNTDOWN,
            countdown,
            "warning" if v.expiring else "muted",
            SANS,
            True,
            template,
        ),
        Element("caption", CAPTION, tr("Or scan with your phone camera"), "muted"),
        _status(v, tr),
        Element(
            "footer",
            FOOTER,
            tr("Only enter this code if you can see this screen — {device}", device=v.device_name),
            "muted",
        ),
    ]
    return Composition(v.screen, "activation", tuple(els), qr=v.qr)


def with_text(e: Element, text: str) -> Element:
    """A copy of ``e`` showing ``text``."""
    return e._replace(text=text)
