"""Corrections through the API: `POST /api/<records>/{id}/reversal/` and `PATCH /api/awards/{id}/`."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from funders.models import Conversion, Receipt
from grants import actions
from grants.models import Award, AwardAmendment, Disbursement, LedgerTransaction


@pytest.fixture(autouse=True)
def reversals_at_once(settings):
    """These tests are about the reversal itself, so it happens at once; under the default rule it first waits for a
    second administrator (tests/api/test_reversal_four_eyes.py)."""
    settings.FOUR_EYES = settings.FOUR_EYES - {"reversal"}


@pytest.fixture
def admin(world, client_for):
    return client_for(world.admin)


@pytest.fixture
def spare(world):
    pledge = actions.do_record_pledge(
        world.admin, funder=world.funder_b, amount="9000.00", currency="GBP", pledged_on=date(2025, 9, 1), reference="S"
    )
    receipt = actions.do_record_receipt(
        world.admin, pledge=pledge, amount="9000.00", currency="GBP", received_on=date(2025, 9, 2), bank_reference="S1"
    )
    return pledge, receipt


def reversals() -> int:
    return LedgerTransaction.objects.filter(kind=LedgerTransaction.Kind.REVERSAL).count()


def test_a_receipt_is_reversed_answering_201_with_the_record_and_its_reversal(world, admin, spare):
    _, receipt = spare
    response = admin.post(f"/api/receipts/{receipt.pk}/reversal/", {"reason": "Recalled by the bank"}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["id"] == receipt.pk
    assert body["reversal"]["reason"] == "Recalled by the bank"
    assert body["reversal"]["reversed_by"] == world.admin.username
    # The list shows live receipts; the reversed one is still found by its id.
    assert receipt.pk not in [row["id"] for row in admin.get("/api/receipts/").json()["results"]]
    assert admin.get(f"/api/receipts/{receipt.pk}/").json()["reversal"]["reason"] == "Recalled by the bank"


def test_reversing_twice_is_refused_clearly_and_posts_once(admin, spare):
    _, receipt = spare
    admin.post(f"/api/receipts/{receipt.pk}/reversal/", {"reason": "Recalled"}, format="json")
    again = admin.post(f"/api/receipts/{receipt.pk}/reversal/", {"reason": "Recalled"}, format="json")
    assert again.status_code == 400
    assert "already reversed" in again.json()["non_field_errors"][0]
    assert reversals() == 1


def test_the_same_idempotency_key_returns_the_first_answer(admin, spare):
    pledge, receipt = spare
    url = f"/api/receipts/{receipt.pk}/reversal/"
    first = admin.post(url, {"reason": "Recalled"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    second = admin.post(url, {"reason": "Recalled"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json() == second.json()
    assert reversals() == 1


def test_each_kind_of_record_is_reversed(world, admin, schedule, spare):
    pledge, receipt = spare
    conversion = Conversion.objects.get()
    answers = {
        "receipt": admin.post(f"/api/receipts/{receipt.pk}/reversal/", {"reason": "r"}, format="json"),
        "pledge": admin.post(f"/api/pledges/{pledge.pk}/reversal/", {"reason": "p"}, format="json"),
        "conversion": admin.post(f"/api/conversions/{conversion.pk}/reversal/", {"reason": "c"}, format="json"),
        "disbursement": admin.post(
            f"/api/disbursements/{schedule['payment_a1'].pk}/reversal/", {"reason": "d"}, format="json"
        ),
    }
    assert {kind: response.status_code for kind, response in answers.items()} == dict.fromkeys(answers, 201)
    assert all(response.json()["reversal"] is not None for response in answers.values())
    assert reversals() == 4
    assert not Disbursement.objects.exists()
    assert admin.get("/api/disbursements/").json()["results"] == []


def test_a_receipt_that_funded_awards_is_refused_saying_what_first(world, admin):
    response = admin.post(f"/api/receipts/{world.receipt_b.pk}/reversal/", {"reason": "Wrong"}, format="json")
    assert response.status_code == 400
    assert "Terminate or amend those awards first" in response.json()["non_field_errors"][0]
    assert Receipt.objects.filter(pk=world.receipt_b.pk).exists()


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "reason"),
        ({"reason": ""}, "reason"),
        ({"reason": 5, "extra": 1}, "extra"),
        ({"reason": "x" * 1001}, "reason"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(admin, spare, body, field):
    _, receipt = spare
    response = admin.post(f"/api/receipts/{receipt.pk}/reversal/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert reversals() == 0


def test_others_cannot_reverse(world, client_for, spare):
    _, receipt = spare
    for user in (world.contact_b, world.researcher_a):
        response = client_for(user).post(f"/api/receipts/{receipt.pk}/reversal/", {"reason": "x"}, format="json")
        assert response.status_code == 403
    assert client_for(world.admin).post("/api/receipts/987654/reversal/", {"reason": "x"}).status_code == 404
    assert reversals() == 0


def test_an_award_is_amended_with_patch(world, admin):
    response = admin.patch(
        f"/api/awards/{world.award_a.pk}/",
        {"amount": {"amount": "320000.00", "currency": "GBP"}, "reason": "More compute"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["amount"] == {"amount": "320000.00", "currency": "GBP"}
    assert body["amendments"] == [
        {
            "old_amount": {"amount": "300000.00", "currency": "GBP"},
            "new_amount": {"amount": "320000.00", "currency": "GBP"},
            "amended_on": "2026-02-20",
            "reason": "More compute",
            "amended_by": world.admin.username,
        }
    ]


@pytest.mark.parametrize(
    "body, field",
    [
        ({"amount": {"amount": "1000000.00", "currency": "GBP"}, "reason": "Big"}, "amount"),  # over the headroom
        ({"amount": {"amount": "320000.00", "currency": "USD"}, "reason": "Dollars"}, "amount"),
        ({"amount": {"amount": "40000.00", "currency": "GBP"}, "reason": "Small"}, "amount"),
        ({"amount": {"amount": "320000.00", "currency": "GBP"}}, "reason"),
        ({"amount": "320000.00", "reason": "A bare number"}, "amount"),
        ({"reason": "No amount"}, "amount"),
    ],
)
def test_a_bad_amendment_is_a_400_and_changes_nothing(world, admin, body, field):
    response = admin.patch(f"/api/awards/{world.award_a.pk}/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert Award.objects.get(pk=world.award_a.pk).amount.amount == Decimal("300000.00")
    assert not AwardAmendment.objects.exists()


def test_only_administrators_amend(world, client_for):
    body = {"amount": {"amount": "320000.00", "currency": "GBP"}, "reason": "x"}
    assert (
        client_for(world.researcher_a).patch(f"/api/awards/{world.award_a.pk}/", body, format="json").status_code == 403
    )
    assert client_for(None).patch(f"/api/awards/{world.award_a.pk}/", body, format="json").status_code == 401
    assert client_for(world.admin).patch("/api/awards/987654/", body, format="json").status_code == 404
    assert not AwardAmendment.objects.exists()


def test_a_reversed_payment_leaves_its_milestone_to_pay_in_the_award_and_the_milestone(admin, schedule):
    payment = schedule["payment_a1"]

    def seen():
        award = admin.get(f"/api/awards/{payment.award_id}/").json()
        (in_award,) = (milestone for milestone in award["milestones"] if milestone["id"] == payment.milestone_id)
        return award, in_award, admin.get(f"/api/milestones/{payment.milestone_id}/").json()

    award, in_award, alone = seen()
    assert in_award["payment"]["id"] == alone["payment"]["id"] == payment.pk
    assert in_award["expected_payment_on"] is None
    assert (award["next_payment"] or {}).get("milestone") != payment.milestone_id
    reversal = admin.post(f"/api/disbursements/{payment.pk}/reversal/", {"reason": "Paid twice"}, format="json")
    assert reversal.status_code == 201
    award, in_award, alone = seen()
    assert in_award["payment"] is None
    assert alone["payment"] is None
    assert in_award["expected_payment_on"] == alone["expected_payment_on"] is not None
    assert award["next_payment"]["milestone"] == payment.milestone_id
