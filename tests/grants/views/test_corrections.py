"""Corrections from the pages and the back office: /portfolio/<records>/<pk>/reverse/ and
/portfolio/awards/<pk>/amend/, the award page's history, and the back office's reversal button and action."""

from datetime import date

import pytest
from django.urls import reverse
from djmoney.money import Money

from funders.models import Conversion, Receipt
from grants import actions
from grants.models import Award, AwardAmendment, Disbursement, LedgerTransaction, Milestone
from tests.grants.views.conftest import field_errors


@pytest.fixture(autouse=True)
def reversals_at_once(settings):
    """These tests are about the reversal itself, so it happens at once; under the default rule it first waits for a
    second administrator (tests/api/test_reversal_four_eyes.py)."""
    settings.FOUR_EYES = settings.FOUR_EYES - {"reversal"}


@pytest.fixture
def payment(world):
    milestone = Milestone.objects.create(
        award=world.award_a, number=1, title="Inception", due_on=date(2026, 1, 31), amount=Money("100000", "GBP")
    )
    actions.do_receive_milestone_report(world.admin, milestone=milestone, received_on=date(2026, 2, 2))
    actions.do_approve_milestone(world.admin, milestone=milestone, approved_on=date(2026, 2, 10))
    return actions.do_record_disbursement(world.admin, milestone=milestone, paid_on=date(2026, 2, 12), reference="P-1")


def reverse_url(kind: str, record) -> str:
    return reverse("grants:reverse_record", kwargs={"kind": kind, "pk": record.pk})


def test_a_payment_is_reversed_from_the_award_page(world, payment, client):
    client.force_login(world.admin)
    award_url = reverse("grants:award", args=[world.award_a.pk])
    assert reverse_url("payments", payment) in client.get(award_url).content.decode()
    assert client.get(reverse_url("payments", payment)).status_code == 200
    response = client.post(reverse_url("payments", payment), {"reason": "Paid to the wrong account"})
    assert response.status_code == 302 and response["Location"].startswith(award_url)
    assert not Disbursement.objects.exists()
    page = client.get(award_url).content.decode()
    assert "Reversed" in page and "Paid to the wrong account" in page
    # The milestone can be paid again.
    assert reverse("grants:record_disbursement", args=[payment.milestone_id]) in page


def test_a_reversal_needs_a_reason(world, payment, client):
    client.force_login(world.admin)
    response = client.post(reverse_url("payments", payment), {"reason": ""})
    assert response.status_code == 200
    assert "reason" in field_errors(response)
    assert Disbursement.objects.exists()


def test_a_refused_reversal_says_what_must_happen_first(world, client):
    client.force_login(world.admin)
    response = client.post(reverse_url("receipts", world.receipt_a), {"reason": "Wrong"})
    assert response.status_code == 200
    assert "reverse them first" in response.content.decode()
    assert Receipt.objects.filter(pk=world.receipt_a.pk).exists()


def test_reversing_twice_from_the_page_says_it_was_already_reversed(world, client):
    conversion = Conversion.objects.get()
    client.force_login(world.admin)
    assert client.post(reverse_url("conversions", conversion), {"reason": "Rate slip"}).status_code == 302
    response = client.post(reverse_url("conversions", conversion), {"reason": "Rate slip"})
    assert response.status_code == 200
    assert "already reversed" in response.content.decode()
    assert LedgerTransaction.objects.filter(kind=LedgerTransaction.Kind.REVERSAL).count() == 1


def test_an_award_is_amended_from_its_page_and_its_history_shown(world, client):
    client.force_login(world.admin)
    url = reverse("grants:amend_award", args=[world.award_a.pk])
    assert url in client.get(reverse("grants:award", args=[world.award_a.pk])).content.decode()
    response = client.post(url, {"amount": "£350,000", "reason": "A second year of compute"})
    assert response.status_code == 302
    assert Award.objects.get(pk=world.award_a.pk).amount.amount == 350000
    page = client.get(reverse("grants:award", args=[world.award_a.pk])).content.decode()
    assert 'data-testid="amendments-table"' in page and "A second year of compute" in page


def test_an_amendment_over_the_headroom_is_refused_on_the_page(world, client):
    client.force_login(world.admin)
    response = client.post(reverse("grants:amend_award", args=[world.award_a.pk]), {"amount": "1000000", "reason": "x"})
    assert response.status_code == 200
    assert "more than the headroom" in response.content.decode()
    assert not AwardAmendment.objects.exists()


def test_the_back_office_lists_reversed_records_marked_and_reverses_through_the_form(world, client):
    conversion = Conversion.objects.get()
    client.force_login(world.admin)
    change = client.get(f"/admin/funders/conversion/{conversion.pk}/change/").content.decode()
    assert reverse_url("conversions", conversion) in change
    response = client.post(
        "/admin/funders/conversion/", {"action": "reverse_selected", "_selected_action": [conversion.pk]}
    )
    assert response.status_code == 302 and response["Location"] == reverse_url("conversions", conversion)
    actions.do_reverse_conversion(world.admin, record=conversion, reason="Rate slip")
    listing = client.get("/admin/funders/conversion/").content.decode()
    assert "Reversed" in listing and "Rate slip" in listing
