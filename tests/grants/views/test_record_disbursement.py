"""/portfolio/milestones/<pk>/pay/: record the payment of an approved milestone."""

from datetime import date

import pytest
from django.urls import reverse
from djmoney.money import Money

from grants import actions
from grants.models import Approval, Award, Disbursement, LedgerTransaction, Milestone
from tests.factories import UserFactory
from tests.grants.views.conftest import field_errors


@pytest.fixture
def milestone(world):
    return Milestone.objects.create(
        award=world.award_a, number=1, title="Inception", due_on=date(2026, 1, 31), amount=Money("100000", "GBP")
    )


@pytest.fixture
def approved(world, milestone):
    actions.do_receive_milestone_report(world.admin, milestone=milestone, received_on=date(2026, 2, 2))
    actions.do_approve_milestone(world.admin, milestone=milestone, approved_on=date(2026, 2, 10))
    return milestone


def url(milestone):
    return reverse("grants:record_disbursement", args=[milestone.pk])


def counts():
    return Disbursement.objects.count(), LedgerTransaction.objects.count()


def test_it_records_the_payment_and_its_ledger_entry(client, world, approved, settings):
    settings.FOUR_EYES = frozenset()  # with four eyes off for payments, the form pays at once
    client.force_login(world.admin)
    before = counts()
    response = client.post(url(approved), {"paid_on": "2026-02-19", "reference": "PAY-A-1"})
    assert response.status_code == 302
    assert counts() == (before[0] + 1, before[1] + 1)
    payment = Disbursement.objects.get(reference="PAY-A-1")
    assert payment.amount == Money("100000.00", "GBP")
    assert LedgerTransaction.objects.filter(key=f"disbursement:{payment.pk}").exists()
    world.award_a.refresh_from_db()
    assert world.award_a.status == Award.Status.ACTIVE


def test_an_unapproved_milestone_cannot_be_paid(client, world, milestone):
    client.force_login(world.admin)
    before = counts()
    response = client.post(url(milestone), {"paid_on": "2026-02-19", "reference": "PAY-A-1"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == ["Payments are made against approved milestone reports only."]
    assert counts() == before


def test_a_payment_before_the_approval_is_refused(client, world, approved):
    client.force_login(world.admin)
    before = counts()
    response = client.post(url(approved), {"paid_on": "2026-02-09", "reference": "PAY-A-1"})
    assert response.status_code == 200
    assert "paid_on" in field_errors(response)
    assert counts() == before


def test_a_bank_reference_already_used_is_refused(client, world, approved):
    other = Milestone.objects.create(
        award=world.award_b, number=1, title="Inception", due_on=date(2026, 1, 31), amount=Money("50000", "GBP")
    )
    actions.do_receive_milestone_report(world.admin, milestone=other, received_on=date(2026, 2, 2))
    actions.do_approve_milestone(world.admin, milestone=other, approved_on=date(2026, 2, 3))
    actions.do_record_disbursement(world.admin, milestone=other, paid_on=date(2026, 2, 5), reference="PAY-A-1")
    client.force_login(world.admin)
    before = counts()
    response = client.post(url(approved), {"paid_on": "2026-02-19", "reference": "PAY-A-1"})
    assert response.status_code == 200
    assert "reference" in field_errors(response)
    assert counts() == before


@pytest.mark.parametrize(("field", "bad"), [("paid_on", "2026-02-31"), ("paid_on", ""), ("reference", "")])
def test_bad_input_answers_with_a_field_error_and_writes_nothing(client, world, approved, field, bad):
    client.force_login(world.admin)
    before = counts()
    data = {"paid_on": "2026-02-19", "reference": "PAY-A-1", field: bad}
    response = client.post(url(approved), data)
    assert response.status_code == 200
    assert field in field_errors(response)
    assert counts() == before


def test_with_four_eyes_the_payment_waits_for_a_second_administrator(client, world, approved):
    client.force_login(world.admin)
    before = counts()
    response = client.post(url(approved), {"paid_on": "2026-02-19", "reference": "PAY-A-1", "reason": "Urgent"})
    approval = Approval.objects.get()
    assert response.status_code == 302 and response["Location"] == approval.get_absolute_url()
    assert (approval.kind, approval.status, approval.requested_by) == ("payment", "pending", world.admin)
    assert counts() == before  # nothing paid yet
    second = UserFactory(username="second-admin", is_staff=True)
    actions.do_approve(second, approval)
    payment = Disbursement.objects.get(reference="PAY-A-1")
    assert (payment.milestone, payment.recorded_by) == (approved, world.admin)
    approval.refresh_from_db()
    assert approval.result == payment


def test_with_four_eyes_a_payment_outside_the_run_needs_a_reason(client, world, approved):
    client.force_login(world.admin)
    response = client.post(url(approved), {"paid_on": "2026-02-19", "reference": "PAY-A-1"})
    assert response.status_code == 200
    assert "reason" in field_errors(response)
    assert not Approval.objects.exists()
