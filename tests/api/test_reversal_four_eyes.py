"""Every reversal waits for a second administrator by default (`FOUR_EYES` names "reversal"): the first asks, through
the API or the page, and nothing is reversed; the one who asked cannot approve it; another administrator's approval
reverses the record and posts the reversing entry, once."""

from __future__ import annotations

from datetime import date

import pytest

from funders.models import Receipt
from grants import actions
from grants.models import Approval, LedgerTransaction
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def reversals_need_four_eyes(settings):
    settings.FOUR_EYES = frozenset({"award", "payment", "payment_run", "reversal"})


@pytest.fixture
def receipt(world):
    pledge = actions.do_record_pledge(
        world.admin, funder=world.funder_b, amount="9000.00", currency="GBP", pledged_on=date(2025, 9, 1), reference="S"
    )
    return actions.do_record_receipt(
        world.admin, pledge=pledge, amount="9000.00", currency="GBP", received_on=date(2025, 9, 2), bank_reference="S1"
    )


@pytest.fixture
def second_admin(db):
    return UserFactory(username="second-admin", is_staff=True)


def reversals() -> int:
    return LedgerTransaction.objects.filter(kind=LedgerTransaction.Kind.REVERSAL).count()


def test_a_reversal_asked_through_the_api_waits_and_reverses_nothing(world, client_for, receipt):
    before = reversals()
    response = client_for(world.admin).post(
        f"/api/receipts/{receipt.pk}/reversal/", {"reason": "Keyed twice"}, format="json"
    )
    assert response.status_code == 202, response.json()
    body = response.json()
    assert body["kind"] == "reversal.receipt" and body["status"] == "pending"
    assert Receipt.objects.filter(pk=receipt.pk).exists()  # still live
    assert reversals() == before
    # Asking again while it waits is refused, and records nothing more.
    again = client_for(world.admin).post(f"/api/receipts/{receipt.pk}/reversal/", {"reason": "Again"}, format="json")
    assert again.status_code == 400 and "already waiting" in str(again.json())
    assert Approval.objects.filter(kind="reversal.receipt").count() == 1


def test_the_one_who_asked_cannot_approve_and_another_reverses_it_once(world, client_for, receipt, second_admin):
    approval = (
        client_for(world.admin)
        .post(f"/api/receipts/{receipt.pk}/reversal/", {"reason": "Keyed twice"}, format="json")
        .json()
    )
    own = client_for(world.admin).post(f"/api/approvals/{approval['id']}/approve/", {}, format="json")
    assert own.status_code == 400
    assert Receipt.objects.filter(pk=receipt.pk).exists()
    before = reversals()
    decided = client_for(second_admin).post(f"/api/approvals/{approval['id']}/approve/", {}, format="json")
    assert decided.status_code == 200, decided.json()
    assert not Receipt.objects.filter(pk=receipt.pk).exists()
    reversed_receipt = Receipt.all_objects.get(pk=receipt.pk)
    # The reversal is the asker's, approved by the second administrator; the ledger holds one reversing entry.
    assert reversed_receipt.reversed_by == world.admin and reversed_receipt.reversal_reason == "Keyed twice"
    assert reversals() == before + 1
    repeat = client_for(second_admin).post(f"/api/approvals/{approval['id']}/approve/", {}, format="json")
    assert repeat.status_code == 400 and reversals() == before + 1


def test_a_reversal_that_could_not_be_done_is_refused_at_once_not_queued(world, client_for):
    # Receipt A's money funded award A: reversing it is refused before anything waits.
    response = client_for(world.admin).post(
        f"/api/receipts/{world.receipt_a.pk}/reversal/", {"reason": "Wrong"}, format="json"
    )
    assert response.status_code == 400
    assert not Approval.objects.filter(kind="reversal.receipt").exists()


def test_a_reversal_asked_from_the_page_waits_for_approval(world, client, receipt):
    client.force_login(world.admin)
    response = client.post(f"/portfolio/receipts/{receipt.pk}/reverse/", {"reason": "Keyed twice"})
    approval = Approval.objects.get(kind="reversal.receipt")
    assert response.status_code == 302 and response.url == f"/portfolio/approvals/{approval.pk}/"
    assert approval.payload == {"record": receipt.pk, "reason": "Keyed twice"}
    assert Receipt.objects.filter(pk=receipt.pk).exists()
