"""The person with the phone: signs in to the IdP and approves or denies a device.

Plain HTTP with ``requests.Session`` (cookies, redirects), reading the HTML forms the
way a browser would: it opens the verification URI the device showed, signs in when
the IdP sends it to the login page, types the user code, then presses Accept or Deny
on django-oauth-toolkit's confirmation page (/o/device-confirm/<client_id>/<code>).
"""

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import requests

DECISIONS = ("accept", "deny")


class UserPageError(AssertionError):
    """A page did not look the way a user following the device's instructions expects."""


@dataclass
class Form:
    """One HTML form: where it posts and its named fields with their default values."""

    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)
    buttons: dict[str, list[str]] = field(default_factory=dict)


class _FormParser(HTMLParser):
    """Collects forms, their inputs and submit buttons, and form error texts."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self.errors: list[str] = []
        self._in_error = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append(Form(action=a.get("action", ""), method=a.get("method", "get")))
        elif tag == "input" and self.forms and a.get("name"):
            if a.get("type") == "submit":
                self.forms[-1].buttons.setdefault(a["name"], []).append(a.get("value", ""))
            else:
                self.forms[-1].fields[a["name"]] = a.get("value", "")
        elif tag == "button" and self.forms and a.get("name"):
            self.forms[-1].buttons.setdefault(a["name"], []).append(a.get("value", ""))
        elif tag == "ul" and "errorlist" in a.get("class", ""):
            self._in_error += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "ul" and self._in_error:
            self._in_error -= 1

    def handle_data(self, data: str) -> None:
        if self._in_error and data.strip():
            self.errors.append(data.strip())


def parse_page(html: str) -> _FormParser:
    """The forms and form errors of one page."""
    parser = _FormParser()
    parser.feed(html)
    parser.close()
    return parser


class BrowserUser:
    """A user with a browser session of their own on the IdP."""

    def __init__(self, username: str, password: str) -> None:
        self.username = username
        self.password = password
        self.session = requests.Session()
        self.visited: list[str] = []

    def close(self) -> None:
        self.session.close()

    # -- page helpers ----------------------------------------------------------------

    def _get(self, url: str) -> requests.Response:
        page = self.session.get(url, timeout=10)
        self.visited.append(page.url)
        if page.status_code != 200:
            raise UserPageError(f"GET {url} -> HTTP {page.status_code}")
        return page

    def _submit(self, page: requests.Response, values: dict[str, str]) -> requests.Response:
        """Fill the page's only POST form with ``values`` (plus its hidden fields)."""
        forms = [f for f in parse_page(page.text).forms if f.method.lower() == "post"]
        if len(forms) != 1:
            raise UserPageError(f"expected one form on {page.url}, found {len(forms)}")
        form = forms[0]
        unknown = set(values) - set(form.fields) - set(form.buttons)
        if unknown:
            raise UserPageError(f"form on {page.url} has no field {sorted(unknown)}")
        data = {**form.fields, **values}
        # Referer as a browser sends it: Django's CSRF check wants it on HTTPS.
        answer = self.session.post(
            urljoin(page.url, form.action),
            data=data,
            headers={"Referer": page.url},
            timeout=10,
        )
        self.visited.append(answer.url)
        return answer

    def _is_login_page(self, page: requests.Response) -> bool:
        fields = [f.fields for f in parse_page(page.text).forms]
        return any("username" in f and "password" in f for f in fields)

    # -- what the user does ----------------------------------------------------------

    def open_device_page(self, verification_uri: str) -> requests.Response:
        """Open the URI the device showed, signing in on the way if asked to."""
        page = self._get(verification_uri)
        if self._is_login_page(page):
            page = self._submit(page, {"username": self.username, "password": self.password})
            if page.status_code != 200 or self._is_login_page(page):
                errors = parse_page(page.text).errors
                raise UserPageError(f"sign-in failed on {page.url}: {errors}")
        if urlsplit(page.url).path != urlsplit(verification_uri).path:
            raise UserPageError(f"signed in but landed on {page.url}, not {verification_uri}")
        return page

    def enter_code(self, verification_uri: str, user_code: str) -> requests.Response:
        """Type the code on the device page; returns the confirmation page."""
        page = self.open_device_page(verification_uri)
        confirm = self._submit(page, {"user_code": user_code})
        if confirm.status_code != 200 or "/device-confirm/" not in confirm.url:
            errors = parse_page(confirm.text).errors
            raise UserPageError(f"user code {user_code!r} refused: {errors or confirm.url}")
        return confirm

    def decide(self, verification_uri: str, user_code: str, decision: str) -> str:
        """Enter the code and press Accept or Deny; returns the status page's text."""
        if decision not in DECISIONS:
            raise ValueError(f"decision must be one of {DECISIONS}")
        confirm = self.enter_code(verification_uri, user_code)
        done = self._submit(confirm, {"action": decision})
        if done.status_code != 200 or "/device-grant-status/" not in done.url:
            raise UserPageError(f"{decision} did not reach the status page: {done.url}")
        return done.text

    def approve(self, verification_uri: str, user_code: str) -> str:
        """Sign in if needed, enter the code and accept the device."""
        return self.decide(verification_uri, user_code, "accept")

    def deny(self, verification_uri: str, user_code: str) -> str:
        """Sign in if needed, enter the code and deny the device."""
        return self.decide(verification_uri, user_code, "deny")
