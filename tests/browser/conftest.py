"""The browser tests' pieces: Debian's Chromium driven by Playwright, the demo fund served by the live test server,
signing in through the real form, and screenshots.

Chromium is never downloaded: Playwright launches the system's binary (`CHROMIUM`, default `chromium`) with flags that
keep it off the internet. Without it these tests are skipped locally and fail in CI (see tests/conftest.py); a
Chromium that is there but cannot start fails the tests too, since the fixture that launches it raises.
"""

from __future__ import annotations

import io
import os
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command

DEMO_TODAY = "2026-10-30"
DEMO_PASSWORD = "demo-Browser-Password-1"
VIEWPORT = {"width": 1280, "height": 800}
SCREENSHOT_MAX_HEIGHT = 2000  # keeps each PNG small enough for the README
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]

HOMES = {
    "admin": "/portfolio/",
    "admin2": "/portfolio/",
    "openai": "/funder/",
    "aisi": "/funder/",
    "researcher": "/awards/",
    "researcher2": "/awards/",
}


def chromium_path() -> str:
    name = os.environ.get("CHROMIUM", "chromium")
    return shutil.which(name) or name


@pytest.fixture(scope="module")
def browser():
    """One Chromium per test module. If it cannot start, every test using it fails with the reason.

    Playwright's sync API runs an event loop in this thread, and the ORM refuses to run beside one unless told it is
    safe, which it is here: the test and the live server's thread each use their own connection. The switch is set
    only while the browser runs: set for the whole session, it would reach the deployment check's subprocess, which
    rightly refuses it."""
    from playwright.sync_api import sync_playwright

    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        chromium = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def demo_fund(live_server, settings, monkeypatch):
    """The demo fund in the live server's database (live_server makes the test transactional, so the server sees it),
    on the demo's date."""
    settings.FUND_TODAY = DEMO_TODAY
    monkeypatch.setenv("DEMO_PASSWORD", DEMO_PASSWORD)
    call_command("seed_demo", quiet=True, stdout=io.StringIO())
    return live_server.url


@pytest.fixture
def page(browser, demo_fund):
    """A fresh browser tab on the demo fund, failing the test on any script error or console error (a broken
    Content-Security-Policy shows up as one)."""
    context = browser.new_context(base_url=demo_fund, viewport=VIEWPORT, accept_downloads=True, locale="en-GB")
    tab = context.new_page()
    problems: list[str] = []
    tab.on("pageerror", lambda exc: problems.append(f"script error: {exc}"))
    tab.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    tab.problems = problems
    yield tab
    context.close()
    assert problems == []


def sign_in(page, username: str) -> None:
    """Sign in through the real form, as a person would, and land on one's home."""
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("[data-testid=sign-in]")
    page.wait_for_url(f"**{HOMES[username]}")


def save_screenshot(page, request, name: str) -> Path:
    """A screenshot of the whole page (up to SCREENSHOT_MAX_HEIGHT), under test-results/screenshots/ and, when
    SCREENSHOT_DIR is set (`make screenshots`), there too."""
    height = page.evaluate("document.documentElement.scrollHeight")
    clip = {"x": 0, "y": 0, "width": VIEWPORT["width"], "height": min(height, SCREENSHOT_MAX_HEIGHT)}
    png = page.screenshot(full_page=True, clip=clip, animations="disabled")
    targets = [request.config.rootpath / "test-results" / "screenshots"]
    if os.environ.get("SCREENSHOT_DIR"):
        targets.append(Path(os.environ["SCREENSHOT_DIR"]))
    for folder in targets:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{name}.png").write_bytes(png)
    return targets[0] / f"{name}.png"
