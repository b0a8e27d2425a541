"""Reversals through the operations: each kind, what is refused and why, and that everything downstream follows."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import DatabaseError, transaction
from djmoney.money import Money

from funders.models import Conversion, Pledge, Receipt
from grants import actions
from grants.actions import ActionError
from grants.models import Account, Disbursement, LedgerLine, LedgerTransaction, Milestone
from grants.reads.position import pool_position
from grants.reconcile import reconcile
from tests.factories import FunderFactory, ProjectFactory, RoundFactory, pledge_received

ON = date(2026, 2, 20)


@pytest.fixture(autouse=True)
def today(settings):
    settings.FUND_TODAY = ON.isoformat()


def differences(on: date) -> list:
    return [row for row in reconcile(on) if row.differs]


def reversals() -> int:
    return LedgerTransaction.objects.filter(kind=LedgerTransaction.Kind.REVERSAL).count()


@pytest.fixture
def spare_receipt(world):
    """A second receipt for funder B whose money no award needs."""
    pledge = actions.do_record_pledge(
        world.admin,
        funder=world.funder_b,
        amount="50000.00",
        currency="GBP",
        pledged_on=date(2025, 9, 1),
        reference="PB-2",
    )
    return actions.do_record_receipt(
        world.admin, pledge=pledge, amount="50000.00", currency="GBP", received_on=date(2025, 9, 2), bank_reference="B2"
    )


@pytest.fixture
def paid(world):
    """Award A with two milestones, the first paid."""
    first = Milestone.objects.create(
        award=world.award_a, number=1, title="Inception", due_on=date(2025, 12, 31), amount=Money("100000", "GBP")
    )
    Milestone.objects.create(
        award=world.award_a, number=2, title="Final", due_on=date(2026, 6, 30), amount=Money("200000", "GBP")
    )
    actions.do_receive_milestone_report(world.admin, milestone=first, received_on=date(2026, 1, 5))
    actions.do_approve_milestone(world.admin, milestone=first, approved_on=date(2026, 1, 12))
    return actions.do_record_disbursement(world.admin, milestone=first, paid_on=date(2026, 1, 30), reference="PAY-1")


def test_a_pledge_without_receipts_is_reversed_and_stays_on_record_marked(world):
    pledge = actions.do_record_pledge(
        world.admin, funder=world.funder_a, amount="1000.00", currency="USD", pledged_on=date(2025, 9, 1), reference="X"
    )
    receivable = pool_position(ON).receivable.get("USD", Decimal(0))
    actions.do_reverse_pledge(world.admin, record=pledge, reason="Typed twice")
    assert pool_position(ON).receivable.get("USD", Decimal(0)) == receivable - Decimal("1000.00")
    assert not Pledge.objects.filter(pk=pledge.pk).exists()
    stored = Pledge.all_objects.get(pk=pledge.pk)
    assert (stored.reversed_by, stored.reversal_reason, stored.is_reversed) == (world.admin, "Typed twice", True)
    reversal = LedgerTransaction.objects.get(reverses__key=f"pledge:{pledge.pk}")
    assert reversal.occurred_on == date(2025, 9, 1) and "Typed twice" in reversal.memo
    # The reference is free again for the right pledge.
    actions.do_record_pledge(
        world.admin, funder=world.funder_a, amount="100.00", currency="USD", pledged_on=date(2025, 9, 1), reference="X"
    )


def test_a_pledge_with_receipts_is_refused_until_they_are_reversed(world):
    with pytest.raises(ActionError, match="BANK-A-1.*reverse them first"):
        actions.do_reverse_pledge(world.admin, record=world.pledge_a, reason="Wrong funder")
    assert Pledge.objects.filter(pk=world.pledge_a.pk).exists()


def test_a_reason_is_required(world, spare_receipt):
    with pytest.raises(ActionError, match="Say why"):
        actions.do_reverse_receipt(world.admin, record=spare_receipt, reason="  ")
    assert reversals() == 0


def test_reversing_a_receipt_takes_its_money_out_of_every_figure(world, spare_receipt):
    before = pool_position(ON)
    actions.do_reverse_receipt(world.admin, record=spare_receipt, reason="Bank recalled it")
    after = pool_position(ON)
    assert after.cash["GBP"] == before.cash["GBP"] - Decimal("50000.00")
    assert after.headroom_gbp == before.headroom_gbp - Decimal("50000.00")
    assert after.receivable.get("GBP", Decimal(0)) == before.receivable.get("GBP", Decimal(0)) + Decimal("50000.00")
    assert differences(ON) == []
    # The bank reference can be recorded again, this time rightly.
    actions.do_record_receipt(
        world.admin,
        pledge=spare_receipt.pledge,
        amount="40000.00",
        currency="GBP",
        received_on=date(2025, 9, 2),
        bank_reference="B2",
    )


def test_reversing_twice_has_one_effect(world, spare_receipt):
    actions.do_reverse_receipt(world.admin, record=spare_receipt, reason="Bank recalled it")
    cash = pool_position(ON).cash["GBP"]
    with pytest.raises(ActionError, match="already reversed .* by alice-admin"):
        actions.do_reverse_receipt(world.admin, record=spare_receipt, reason="Again")
    assert reversals() == 1
    assert pool_position(ON).cash["GBP"] == cash
    assert Receipt.all_objects.get(pk=spare_receipt.pk).reversal_reason == "Bank recalled it"


def test_a_receipt_whose_money_funded_awards_is_refused(world):
    with pytest.raises(ActionError, match="funded awards: £150,000.00 of Quiet Funder B's money is attributed to AP-"):
        actions.do_reverse_receipt(world.admin, record=world.receipt_b, reason="Wrong amount")
    assert Receipt.objects.filter(pk=world.receipt_b.pk).exists()
    assert reversals() == 0


def test_a_receipt_with_conversions_is_refused_until_they_are_reversed(world):
    with pytest.raises(ActionError, match="FX-A-1.*reverse them first"):
        actions.do_reverse_receipt(world.admin, record=world.receipt_a, reason="Wrong amount")


def test_a_conversion_is_reversed_and_recorded_again_with_its_reference(world):
    conversion = Conversion.objects.get(bank_reference="FX-A-1")
    before = pool_position(ON)
    actions.do_reverse_conversion(world.admin, record=conversion, reason="Rate typed wrong")
    after = pool_position(ON)
    assert after.cash["GBP"] == before.cash["GBP"] - Decimal("740000.00")
    assert after.cash["USD"] == before.cash["USD"] + Decimal("1000000.00")
    assert LedgerLine.objects.filter(account=Account.FX_CLEARING).balances() == {
        (Account.FX_CLEARING, "GBP"): Decimal("0.00"),
        (Account.FX_CLEARING, "USD"): Decimal("0.00"),
    }
    actions.do_record_conversion(
        world.admin,
        receipt=world.receipt_a,
        amount_sold="1000000.00",
        gbp_credited="745000.00",
        converted_on=date(2025, 8, 15),
        bank_reference="FX-A-1",
    )
    assert differences(ON) == []


def test_a_conversion_whose_pounds_were_paid_out_is_refused(db, rates, admin_user):
    round_ = RoundFactory()
    funder = FunderFactory(name="Dollar Funder", slug="dollar", currency="USD")
    pledge = pledge_received(
        admin_user,
        funder,
        amount="1000000.00",
        currency="USD",
        pledged_on=date(2025, 8, 1),
        received_on=date(2025, 8, 2),
        reference="D-1",
    )
    receipt = pledge.receipts.get()
    conversion = actions.do_record_conversion(
        admin_user,
        receipt=receipt,
        amount_sold="150000.00",
        gbp_credited="111000.00",
        converted_on=date(2025, 8, 5),
        bank_reference="FX-D-1",
    )
    award = actions.do_award_project(
        admin_user, project=ProjectFactory(round=round_), amount="100000.00", awarded_on=date(2025, 11, 10)
    )
    milestone = Milestone.objects.create(
        award=award, number=1, title="All", due_on=date(2025, 12, 31), amount=Money("100000", "GBP")
    )
    actions.do_receive_milestone_report(admin_user, milestone=milestone, received_on=date(2026, 1, 5))
    actions.do_approve_milestone(admin_user, milestone=milestone, approved_on=date(2026, 1, 6))
    actions.do_record_disbursement(admin_user, milestone=milestone, paid_on=date(2026, 1, 30), reference="P-1")
    with pytest.raises(ActionError, match="pounds from this conversion have been paid out"):
        actions.do_reverse_conversion(admin_user, record=conversion, reason="Wrong")
    assert Conversion.objects.filter(pk=conversion.pk).exists()
    assert reversals() == 0


def test_a_payment_is_reversed_and_its_milestone_paid_again(world, paid):
    before = pool_position(ON)
    actions.do_reverse_disbursement(world.admin, record=paid, reason="Paid to the wrong account")
    after = pool_position(ON)
    assert after.cash["GBP"] == before.cash["GBP"] + Decimal("100000.00")
    assert after.committed_gbp == before.committed_gbp + Decimal("100000.00")
    assert after.headroom_gbp == before.headroom_gbp
    milestone = paid.milestone
    assert milestone.disbursement is None
    again = actions.do_record_disbursement(
        world.admin, milestone=milestone, paid_on=date(2026, 2, 2), reference="PAY-1"
    )
    assert Milestone.objects.get(pk=milestone.pk).disbursement == again
    assert Disbursement.all_objects.filter(milestone=milestone).count() == 2
    with pytest.raises(ActionError, match="already reversed"):
        actions.do_reverse_disbursement(world.admin, record=paid, reason="Twice")
    assert reversals() == 1
    assert differences(ON) == []


def test_a_payment_on_a_terminated_award_stands(world, paid):
    actions.do_terminate_award(world.admin, award=world.award_a, terminated_on=date(2026, 2, 10))
    with pytest.raises(ActionError, match="was terminated"):
        actions.do_reverse_disbursement(world.admin, record=paid, reason="Oops")


def test_a_reversal_is_final_in_the_database(world, spare_receipt):
    actions.do_reverse_receipt(world.admin, record=spare_receipt, reason="Recalled")
    with pytest.raises(DatabaseError, match="booked"), transaction.atomic():
        Receipt.all_objects.filter(pk=spare_receipt.pk).update(reversed_at=None)
    with pytest.raises(DatabaseError, match="booked"), transaction.atomic():
        Receipt.all_objects.filter(pk=spare_receipt.pk).update(reversal_reason="Something else")
