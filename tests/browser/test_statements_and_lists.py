"""A funder's contact reads a quarter's statement and downloads its PDF; an administrator finds a round's awards and
opens the charts: in Chromium, against the demo fund, photographing each page (see conftest.save_screenshot)."""

from __future__ import annotations

import re

import pytest

from grants.models import Award
from projects.models import Round
from tests.browser.conftest import save_screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_openai_reads_a_quarters_statement_and_downloads_it_as_a_pdf(page, request, tmp_path):
    sign_in(page, "openai")
    page.click("[data-testid=open-statement]")
    page.wait_for_url("**/funder/statement/")
    page.select_option("select[name=period]", "2026-Q1")
    page.click("[data-testid=period-form] button")
    page.wait_for_url("**/funder/statement/?period=2026-Q1")
    assert "Q1 2026" in page.inner_text("h1")
    receipts = page.inner_text("[data-testid=statement-pledges]")
    assert "$7,500,000.00" in receipts  # OpenAI's pledge of 19 February 2026
    save_screenshot(page, request, "statement")

    with page.expect_download() as download:
        page.click("[data-testid=statement-pdf]")
    assert download.value.suggested_filename == "openai-statement-2026-Q1-2026-03-31.pdf"
    saved = tmp_path / "statement.pdf"
    download.value.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF")


def test_the_administrator_finds_a_rounds_awards_and_opens_the_charts(page, request):
    sign_in(page, "admin")
    round1 = Round.objects.get(number=1)
    page.goto(f"/portfolio/rounds/{round1.pk}/")
    page.click("[data-testid=round-all-awards]")
    page.wait_for_url(f"**/portfolio/awards/?round={round1.pk}")
    count = Award.objects.filter(round=round1).count()
    assert page.inner_text("[data-testid=total-count]") == str(count)
    save_screenshot(page, request, "awards-list")
    if count > 50:
        page.click("[data-testid=page-next]")
        page.wait_for_url(re.compile(rf".*\?round={round1.pk}&page=2$"))
        assert page.locator("tr[data-testid=award-row]").count() == count - 50

    page.goto("/portfolio/")
    page.click("[data-testid=open-charts]")
    page.wait_for_url("**/portfolio/charts/")
    for canvas in ("chart-pool", "chart-cash-calendar", "chart-by-area", "chart-by-round"):
        box = page.locator(f"#{canvas}").bounding_box()
        assert box and box["height"] > 50, canvas
    save_screenshot(page, request, "charts")
