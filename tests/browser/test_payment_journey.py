"""Issue 9's journey, through the real sign-in: a researcher uploads a report, an administrator accepts it, a second
administrator releases the month's payment run, then the researcher sees the milestone paid and the funder's page
moves. The demo fund lives on 30 Oct 2026; the run is for November, so the journey steps to 1 Dec 2026 before it."""

from __future__ import annotations

import re

import pytest

from grants.demo.report_pdf import report_pdf
from grants.models import Award, Milestone, PaymentRun
from tests.browser.conftest import save_screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AFTER_NOVEMBER = "2026-12-01"


def sign_out(page) -> None:
    page.click("[data-testid=sign-out]")
    page.wait_for_url("**/accounts/login/**")


def paid_out(page) -> str:
    """What the funder's dashboard says has been paid out of the awards its money supports."""
    note = page.inner_text("[data-testid=figure-awards] .figure-note")
    return re.search(r"; (.+) paid out", note).group(1)


def test_a_report_goes_from_upload_to_payment_and_the_funder_sees_it(page, settings, request, tmp_path):
    award = Award.objects.get(project__lead__username="researcher2")
    milestone = Milestone.objects.filter(award=award).order_by("number").first()
    assert award.attributions.filter(funder__contacts__user__username="openai").exists()

    sign_in(page, "openai")
    paid_before = paid_out(page)
    sign_out(page)

    # 1. The lead accepts the offer and uploads the first milestone's report.
    sign_in(page, "researcher2")
    page.click(f"[data-testid='award-{award.reference}'] >> text=Read the terms and accept…")
    page.click("[data-testid=accept-offer]")
    page.wait_for_selector("[data-testid=accepted]")
    page.click(f"[data-testid=upload-{milestone.number}]")
    report = tmp_path / "Inception report.pdf"
    report.write_bytes(report_pdf("Inception report", ["Sent from the browser journey."]))
    page.set_input_files("input[name=file]", str(report))
    page.click("[data-testid=submit]")
    page.wait_for_url(re.compile(rf".*/awards/{award.pk}/(#.*)?$"))
    sign_out(page)

    # 2. An administrator accepts it: the milestone is approved.
    sign_in(page, "admin")
    page.goto(f"/portfolio/milestones/{milestone.pk}/report/")
    page.check("input[name=decision][value=accept]")
    page.click("[data-testid=submit]")
    page.wait_for_url(re.compile(r".*/portfolio/awards/\d+/(#.*)?$"))
    milestone.refresh_from_db()
    assert milestone.approved_on is not None

    # November ends; the administrator proposes its run.
    settings.FUND_TODAY = AFTER_NOVEMBER
    page.goto("/portfolio/payment-runs/")
    page.fill("input[name=month]", "2026-11")
    page.click("[data-testid=propose-run] [data-testid=submit]")
    page.wait_for_url(re.compile(r".*/portfolio/payment-runs/\d+/$"))
    run = PaymentRun.objects.get(month__year=2026, month__month=11)
    assert run.items.filter(milestone=milestone).exists()
    assert "a different administrator releases it" in page.inner_text("[data-testid=run-mine]")
    sign_out(page)

    # 3. The second administrator releases it.
    sign_in(page, "admin2")
    page.goto(f"/portfolio/payment-runs/{run.pk}/")
    page.click("[data-testid=release]")
    page.wait_for_selector("[data-testid=remittance-csv]")
    run.refresh_from_db()
    assert run.status == PaymentRun.Status.RELEASED and run.released_by.username == "admin2"
    save_screenshot(page, request, "payment-run")
    sign_out(page)

    # 4. The researcher sees the milestone paid; OpenAI's page has moved by its part of the payment.
    sign_in(page, "researcher2")
    page.goto(f"/awards/{award.pk}/")
    assert "Paid 1 Dec 2026" in page.inner_text(f"[data-testid=milestone-{milestone.number}]")
    sign_out(page)
    sign_in(page, "openai")
    assert paid_out(page) != paid_before
