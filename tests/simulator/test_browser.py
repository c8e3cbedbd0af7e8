"""A real browser (Debian's Chromium via Playwright) at phone size on the verification pages."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from device_app_simulator.screenshot_page import CHROMIUM, launch_chromium, phone_context

from .conftest import StartFn, device_authorize, poll

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} is not installed (apt-get install chromium)"
)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        b = launch_chromium(pw)
        yield b
        b.close()


def _fits_phone(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"page is {width}px wide: it scrolls sideways on a phone"


def test_approve_from_verification_uri_complete(start: StartFn, browser: Any) -> None:
    srv = start()
    body = device_authorize(srv, device_name="Bedroom TV")
    ctx = phone_context(browser)
    page = ctx.new_page()
    page.goto(body["verification_uri_complete"])
    assert page.get_by_label("Code from your device").input_value() == body["user_code"]
    _fits_phone(page)
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("User name").fill("alice")
    page.get_by_label("Password").fill("alice")
    _fits_phone(page)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Allow").wait_for()
    assert "Bedroom TV" in page.content()
    _fits_phone(page)
    page.get_by_role("button", name="Allow").click()
    page.get_by_role("heading", name="Device connected").wait_for()
    ctx.close()
    resp = poll(srv, body["device_code"])
    assert resp.status_code == 200 and "access_token" in resp.json()


def test_type_code_in_lower_case_and_deny(start: StartFn, browser: Any) -> None:
    srv = start()
    body = device_authorize(srv)
    ctx = phone_context(browser)
    page = ctx.new_page()
    page.goto(body["verification_uri"])
    field = page.get_by_label("Code from your device")
    assert field.input_value() == ""
    field.type(body["user_code"].lower())  # with its dash, key by key like a person
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("User name").fill("bob")
    page.get_by_label("Password").fill("bob")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Deny").click()
    page.get_by_role("heading", name="Request denied").wait_for()
    ctx.close()
    resp = poll(srv, body["device_code"])
    assert resp.status_code == 400 and resp.json()["error"] == "access_denied"


def test_wrong_code_shows_an_error_in_the_browser(start: StartFn, browser: Any) -> None:
    srv = start()
    ctx = phone_context(browser)
    page = ctx.new_page()
    page.goto(srv.endpoints["verification"] or "")
    page.get_by_label("Code from your device").fill("bbbb-bbbb")
    page.get_by_role("button", name="Continue").click()
    assert "not right" in page.get_by_role("alert").inner_text()
    ctx.close()
