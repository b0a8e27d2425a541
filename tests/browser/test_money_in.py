"""Recording money that came in: the receipt form asks whose money first (the page never lists every pledge), then
offers that funder's open pledges. The funder's list sends itself (js/scope.js); without scripts its button does."""

from __future__ import annotations

import re

import pytest

from funders.models import Funder, Receipt
from grants.reads.contributions import open_pledges
from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_administrator_chooses_the_funder_then_its_open_pledge_and_records_a_receipt(page):
    pledge = next(p for f in Funder.objects.order_by("name") for p in open_pledges(f.pk)[:1])
    sign_in(page, "admin")
    page.click("[data-testid=action-record-receipt]")
    page.wait_for_selector("[data-testid=receipt-form]")
    assert page.locator("select[name=pledge] option").count() == 1  # "Choose the funder first"

    page.select_option("[data-testid=scope-form] select[name=funder]", str(pledge.funder_id))
    page.wait_for_url(re.compile(rf".*[?&]funder={pledge.funder_id}\b.*"))
    offered = page.locator("select[name=pledge] option").all_inner_texts()
    assert any(text.startswith(pledge.reference) for text in offered)

    page.select_option("select[name=pledge]", str(pledge.pk))
    page.fill("input[name=amount]", "1000.00")
    page.select_option("select[name=currency]", pledge.amount_currency)
    page.fill("input[name=bank_reference]", "BROWSER-RECEIPT-1")
    page.click("[data-testid=receipt-form] [data-testid=submit]")
    page.wait_for_url(re.compile(r".*/portfolio/$"))
    assert Receipt.objects.filter(bank_reference="BROWSER-RECEIPT-1", pledge=pledge).exists()
