"""Screenshots of the verification pages at phone size (390x844), for the docs.

    python -m device_app_simulator.screenshot_page [--out docs/screenshots]

Needs Playwright and Debian's /usr/bin/chromium (or CHROMIUM=/path/to/chrome).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import requests

from .config import SimulatorConfig
from .server import start_server

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# An iPhone 12-15 class viewport in CSS pixels.
PHONE = {"width": 390, "height": 844}


def launch_chromium(playwright: Any) -> Any:
    """Start headless Chromium from the system package (never a downloaded build)."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def phone_context(browser: Any) -> Any:
    return browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="en-GB"
    )


def capture(out_dir: Path) -> list[Path]:
    """Run a simulator, start a device flow and photograph the pages a person sees."""
    from playwright.sync_api import sync_playwright

    out_dir.mkdir(parents=True, exist_ok=True)
    shots: list[Path] = []
    with (
        tempfile.TemporaryDirectory() as tmp,
        start_server(SimulatorConfig(port=0, db_path=Path(tmp) / "shot.sqlite3")) as srv,
    ):
        body = requests.post(
            srv.endpoints["device_authorization"] or "",
            timeout=5,
            data={
                "client_id": "tv-demo",
                "scope": "openid profile email offline_access",
                "device_name": "Living-room TV",
            },
        ).json()
        with sync_playwright() as pw:
            browser = launch_chromium(pw)
            page = phone_context(browser).new_page()
            page.goto(body["verification_uri_complete"])
            shots.append(out_dir / "verification-phone.png")
            page.screenshot(path=str(shots[-1]), full_page=False)
            page.get_by_role("button", name="Continue").click()
            page.get_by_role("heading", name="Sign in").wait_for()
            shots.append(out_dir / "signin-phone.png")
            page.screenshot(path=str(shots[-1]), full_page=False)
            page.get_by_label("User name").fill("alice")
            page.get_by_label("Password").fill("alice")
            page.get_by_role("button", name="Sign in").click()
            page.get_by_role("button", name="Allow").wait_for()
            shots.append(out_dir / "consent-phone.png")
            page.screenshot(path=str(shots[-1]), full_page=False)
            browser.close()
    return shots


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m device_app_simulator.screenshot_page")
    parser.add_argument("--out", default="docs/screenshots", type=Path)
    args = parser.parse_args(argv)
    if not Path(CHROMIUM).exists():
        print(
            f"screenshot_page: {CHROMIUM} not found; install chromium or set CHROMIUM",
            file=sys.stderr,
        )
        return 1
    for path in capture(args.out):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
