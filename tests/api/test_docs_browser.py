"""The API docs page in a real browser: Swagger UI draws every operation under the site's Content-Security-Policy,
from our own origin only."""

from __future__ import annotations

import json
import os
import shutil

import pytest

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_swagger_ui_draws_every_operation_without_breaking_the_csp(live_server, client, monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    schema = json.loads(client.get("/api/schema/", {"format": "json"}).content)
    operations = sum(len(methods) for methods in schema["paths"].values())

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=shutil.which(os.environ.get("CHROMIUM", "chromium")), args=CHROMIUM_ARGS
        )
        try:
            page = browser.new_page()
            problems, elsewhere = [], []
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda exc: problems.append(str(exc)))
            page.on(
                "request",
                lambda r: elsewhere.append(r.url) if not r.url.startswith((live_server.url, "data:")) else None,
            )
            page.goto(f"{live_server.url}/api/docs/")
            page.wait_for_selector(".opblock", timeout=20_000)
            drawn = page.locator(".opblock").count()
            title = page.locator(".info .title").inner_text()
        finally:
            browser.close()

    assert drawn == operations
    assert title.startswith("Alignment Fund API")
    assert problems == []  # a CSP violation is reported as a console error
    assert elsewhere == []
