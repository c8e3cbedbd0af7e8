"""The simulated phone: does over real HTTP what a person does on the verification page.

from device_app_simulator.phone import approve
approve(event["verification_uri_complete"] or event["verification_uri"], user_code)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Literal
from urllib.parse import urljoin, urlsplit

import requests

TIMEOUT_S = 10.0  # generous for a loopback server under fault latency


class PhoneError(RuntimeError):
    """The pages did not lead where a person expected; the message quotes the page."""


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)
    buttons: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class PhoneResult:
    """What happened: ``approved``, ``denied`` or ``ignored`` (never_answer fault)."""

    outcome: Literal["approved", "denied", "ignored"]
    status: int
    title: str


class _PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self.title = ""
        self.alerts: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append(Form(a.get("action", ""), a.get("method", "get").lower()))
        elif tag == "input" and self.forms and a.get("name"):
            self.forms[-1].fields[a["name"]] = a.get("value", "")
        elif tag == "button" and self.forms and a.get("name"):
            self.forms[-1].buttons.append((a["name"], a.get("value", "")))
        elif tag == "h1" or (a.get("role") == "alert"):
            self._in = "h1" if tag == "h1" else "alert"

    def handle_data(self, data: str) -> None:
        if self._in == "h1" and not self.title:
            self.title = data.strip()
        elif self._in == "alert":
            self.alerts.append(data.strip())

    def handle_endtag(self, tag: str) -> None:
        if tag in ("h1", "p"):
            self._in = None


def _parse(resp: requests.Response) -> _PageParser:
    parser = _PageParser()
    parser.feed(resp.text)
    return parser


def _form_with(page: _PageParser, name: str) -> Form | None:
    return next((f for f in page.forms if name in f.fields), None)


def _submit(
    s: requests.Session, page_url: str, form: Form, extra: dict[str, str]
) -> requests.Response:
    data = {**form.fields, **extra}
    return s.post(urljoin(page_url, form.action), data=data, timeout=TIMEOUT_S)


def _never_answer(s: requests.Session, url: str) -> bool:
    """True if the simulator's never_answer fault is on (admin API, this machine only)."""
    parts = urlsplit(url)
    try:
        resp = s.get(f"{parts.scheme}://{parts.netloc}/admin/api/faults", timeout=TIMEOUT_S)
        return resp.ok and bool(resp.json().get("never_answer"))
    except (requests.RequestException, ValueError):
        return False


def approve(
    verification_uri_or_complete: str,
    user_code: str,
    username: str = "alice",
    password: str = "alice",  # noqa: S107 - the demo password is public on purpose
    decision: str = "approve",
    session: requests.Session | None = None,
) -> PhoneResult:
    """Open the page, enter the code, sign in and approve or deny, following the real forms.

    ``decision`` is ``"approve"`` or ``"deny"``; anything else raises ValueError.
    """
    if decision not in ("approve", "deny"):
        raise ValueError("decision must be 'approve' or 'deny'")
    s = session or requests.Session()
    if _never_answer(s, verification_uri_or_complete):
        return PhoneResult("ignored", 0, "never_answer: the user does not respond")
    resp = s.get(verification_uri_or_complete, timeout=TIMEOUT_S)
    page = _parse(resp)
    form = _form_with(page, "user_code")
    if form is None:
        raise PhoneError(
            f"no code form on the verification page ({resp.status_code} {page.title!r})"
        )
    resp = _submit(s, resp.url, form, {"user_code": user_code})
    page = _parse(resp)
    login = _form_with(page, "password")
    if login is not None:
        resp = _submit(s, resp.url, login, {"username": username, "password": password})
        page = _parse(resp)
    confirm = next((f for f in page.forms if ("decision", decision) in f.buttons), None)
    if confirm is None:
        reason = "; ".join(a for a in page.alerts if a) or page.title
        raise PhoneError(f"could not reach the consent page ({resp.status_code}): {reason}")
    resp = _submit(s, resp.url, confirm, {"decision": decision})
    page = _parse(resp)
    if resp.status_code != 200:
        raise PhoneError(f"the decision was not accepted ({resp.status_code}): {page.title}")
    return PhoneResult(
        "approved" if decision == "approve" else "denied", resp.status_code, page.title
    )
