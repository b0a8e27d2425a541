"""Each demo role signs in through the real form and does the one thing they come for, in Chromium, against the demo
fund on the live test server; each home page is photographed on the way (see conftest.save_screenshot)."""

from __future__ import annotations

import csv
import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest

from alignment_fund.rates.models import ExchangeRate
from grants.demo.report_pdf import report_pdf
from grants.models import Award, Milestone
from tests.browser.conftest import save_screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def figure(page, testid: str) -> Decimal:
    """The exact figure behind an element with `data-testid` (its data-value attribute)."""
    return Decimal(page.get_attribute(f"[data-testid={testid}]", "data-value"))


def test_the_administrator_awards_a_waitlisted_project_and_sees_the_headroom_fall(page, request):
    sign_in(page, "admin")
    page.wait_for_selector("[data-testid=headroom-gbp]")
    save_screenshot(page, request, "portfolio")
    pool_headroom_before = figure(page, "headroom-gbp")

    page.click("nav >> text=Waitlist")
    page.wait_for_url("**/portfolio/waitlist/")
    headroom_before = figure(page, "waitlist-headroom")
    first_funded = page.locator("tr[data-funded=true]").first
    assert first_funded.count() == 1, "the demo's headroom should fund the first project on the waitlist"
    reference = first_funded.locator("td").nth(1).inner_text().split()[0]
    first_funded.locator("a[data-testid^=award-]").click()

    page.wait_for_selector("[data-testid=award-form]")
    assert figure(page, "headroom-before") == headroom_before
    amount = Decimal(page.input_value("input[name=amount]"))
    assert Decimal("50000") <= amount <= Decimal("1000000")
    assert figure(page, "headroom-after") == headroom_before - amount
    page.click("[data-testid=submit]")
    page.wait_for_url(re.compile(r".*/portfolio/awards/\d+/$"))
    assert f"{reference} awarded £{amount:,.2f}" in page.inner_text("body")

    page.goto("/portfolio/waitlist/")
    assert figure(page, "waitlist-headroom") == headroom_before - amount
    page.goto("/portfolio/")
    assert figure(page, "headroom-gbp") == pool_headroom_before - amount
    award = Award.objects.get(project__reference=reference)
    assert award.amount.amount == amount


def usd_to_gbp(amount: Decimal, on: date) -> Decimal:
    """From the stored ECB rows (EUR-based), not through the code under test."""
    gbp, usd = (
        ExchangeRate.objects.filter(currency=c, rate_date__lte=on).latest("rate_date").rate for c in ("GBP", "USD")
    )
    return (amount * gbp / usd).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def test_openai_opens_its_dashboard_and_downloads_its_statement(page, request, tmp_path):
    sign_in(page, "openai")
    page.wait_for_selector("[data-testid=pledges]")
    save_screenshot(page, request, "funder")
    assert "OpenAI" in page.inner_text("h1")

    with page.expect_download() as download:
        page.click("[data-testid=download-statement]")
    assert download.value.suggested_filename == "openai-statement-2026-10-30.csv"
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    rows = list(csv.DictReader(saved.open(encoding="utf-8")))

    pledges = [row for row in rows if row["record"] == "pledge"]
    assert [(row["date"], row["amount"], row["currency"]) for row in pledges] == [("2026-02-19", "7500000.00", "USD")]
    expected = usd_to_gbp(Decimal("7500000.00"), date(2026, 2, 19))
    assert Decimal(pledges[0]["gbp_then"]) == expected
    assert Decimal("5550000") < expected < Decimal("5650000")  # "about £5.6M", as reported
    assert pledges[0]["rate_date_then"] == "2026-02-19"
    assert "ECB" in pledges[0]["rate_source"]
    assert "Microsoft" not in saved.read_text(encoding="utf-8")


def test_the_researcher_finds_their_next_payment(page, request):
    sign_in(page, "researcher")
    page.wait_for_selector("[data-testid=next-payment]")
    save_screenshot(page, request, "awards")

    award = Award.objects.get(project__lead__username="researcher")
    unpaid = Milestone.objects.unpaid().filter(award=award).order_by("number").first()
    card = page.locator(f"[data-testid='award-{award.reference}']")
    shown = card.locator("[data-testid=next-payment]").inner_text()
    when = unpaid.expected_payment_on
    assert f"£{unpaid.amount.amount:,.2f}" in shown
    assert f"{when.day} {when:%b %Y}" in shown
    assert f"milestone {unpaid.number}" in shown


def test_researcher2_accepts_the_offer_then_uploads_the_first_report(page, tmp_path):
    sign_in(page, "researcher2")
    award = Award.objects.get(project__lead__username="researcher2")
    assert award.status == Award.Status.OFFERED
    page.click(f"[data-testid='award-{award.reference}'] >> text=Read the terms and accept…")
    page.wait_for_selector("[data-testid=conditions]")
    page.click("[data-testid=accept-offer]")
    page.wait_for_selector("[data-testid=accepted]")
    assert "You accepted the offer" in page.inner_text("body")
    award.refresh_from_db()
    assert (award.status, award.accepted_by.username) == (Award.Status.ACCEPTED, "researcher2")

    milestone = Milestone.objects.filter(award=award).order_by("number").first()
    page.click(f"[data-testid=upload-{milestone.number}]")
    page.wait_for_selector("[data-testid=report-form]")
    report = tmp_path / "Inception report.pdf"
    report.write_bytes(report_pdf("Inception report", ["Written in the browser test."]))
    page.set_input_files("input[name=file]", str(report))
    page.click("[data-testid=submit]")
    page.wait_for_url(re.compile(rf".*/awards/{award.pk}/(#.*)?$"))
    assert f"Report for milestone {milestone.number} received (Inception report.pdf)" in page.inner_text("body")
    with page.expect_download() as download:
        page.click(f"#milestone-{milestone.pk} + tr [data-testid=report-file-1]")
    assert download.value.suggested_filename == "Inception report.pdf"
    assert download.value.path().read_bytes() == report.read_bytes()


def test_the_administrator_sees_the_demo_report_waiting_and_asks_for_changes(page):
    sign_in(page, "admin")
    page.click("[data-testid=report-waiting] >> text=Review…")
    page.wait_for_selector("[data-testid=review-form]")
    page.check("input[name=decision][value=request_changes]")
    page.fill("textarea[name=comment]", "Please add the ablation table.")
    page.click("[data-testid=submit]")
    page.wait_for_url(re.compile(r".*/portfolio/awards/\d+/(#.*)?$"))
    assert "sent back to the lead" in page.inner_text("body")
