"""Amending an award's amount: up and down, against the headroom, attributed under the policy, milestones kept adding
up, a ledger entry for the difference, and a history nobody can rewrite."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import DatabaseError, transaction
from djmoney.money import Money

from grants import actions
from grants.actions import ActionError
from grants.models import Account, Award, AwardAmendment, AwardAttribution, LedgerLine, LedgerTransaction, Milestone
from grants.reads.position import pool_position
from grants.reconcile import reconcile
from tests.factories import pledge_received

ON = date(2026, 2, 20)


@pytest.fixture(autouse=True)
def today(settings):
    settings.FUND_TODAY = ON.isoformat()


def parts(award) -> dict[int, Decimal]:
    return {row.funder_id: row.amount.amount for row in AwardAttribution.objects.filter(award=award)}


def shares(award) -> Decimal:
    return sum(row.share for row in AwardAttribution.objects.filter(award=award))


@pytest.fixture
def scheduled(world):
    """Award A (£300,000) with two milestones, the first paid."""
    first = Milestone.objects.create(
        award=world.award_a, number=1, title="Inception", due_on=date(2025, 12, 31), amount=Money("100000", "GBP")
    )
    Milestone.objects.create(
        award=world.award_a, number=2, title="Final", due_on=date(2026, 6, 30), amount=Money("200000", "GBP")
    )
    actions.do_receive_milestone_report(world.admin, milestone=first, received_on=date(2026, 1, 5))
    actions.do_approve_milestone(world.admin, milestone=first, approved_on=date(2026, 1, 12))
    actions.do_record_disbursement(world.admin, milestone=first, paid_on=date(2026, 1, 30), reference="PAY-1")
    return world


def test_an_amendment_up_is_checked_attributed_scheduled_and_posted(scheduled):
    world = scheduled
    before = pool_position(ON)
    award = actions.do_amend_award(world.admin, award=world.award_a, amount="350000.00", reason="Extra GPU time")
    assert award.amount == Money("350000.00", "GBP")
    assert pool_position(ON).headroom_gbp == before.headroom_gbp - Decimal("50000.00")
    # Funder A (disclosed, with money free) pays the difference; the parts add up to the award, the shares to 1.
    assert parts(award) == {world.funder_a.pk: Decimal("350000.00")}
    assert shares(award) == Decimal("1.000000")
    # The unpaid milestone carries the difference; the milestones add up to the award.
    amounts = [m.amount.amount for m in Milestone.objects.filter(award=award).order_by("number")]
    assert amounts == [Decimal("100000.00"), Decimal("250000.00")]
    entry = LedgerTransaction.objects.get(kind=LedgerTransaction.Kind.AMENDMENT)
    assert entry.occurred_on == ON and "Extra GPU time" in entry.memo
    assert LedgerLine.objects.filter(transaction=entry, account=Account.GRANTS_AWARDED).get().amount.amount == 50000
    (history,) = AwardAmendment.objects.filter(award=award)
    assert (history.old_amount.amount, history.new_amount.amount, history.amended_by, history.reason) == (
        Decimal("300000.00"),
        Decimal("350000.00"),
        world.admin,
        "Extra GPU time",
    )
    # The old split stays as history, marked superseded.
    assert AwardAttribution.all_objects.filter(award=award, superseded_by=history).count() == 1
    assert [row for row in reconcile(ON) if row.differs] == []


def test_an_amendment_down_gives_back_the_private_money_first(world, rates):
    # Award B's £150,000 is B's (private) money. Give A (disclosed) £200,000 free for it (£500,000 less the £300,000
    # award A used), amend B up so both pay, then down.
    pledge_received(
        world.admin,
        world.funder_a,
        amount="500000.00",
        currency="GBP",
        pledged_on=date(2025, 9, 1),
        received_on=date(2025, 9, 2),
        reference="PA-GBP",
        restricted_to_area=world.other_area,
    )
    award = actions.do_amend_award(world.admin, award=world.award_b, amount="250000.00", reason="Second year")
    # Up: the disclosed funder's new £100,000 is drawn first, and only then the private funder's.
    assert parts(award) == {world.funder_a.pk: Decimal("100000.00"), world.funder_b.pk: Decimal("150000.00")}
    award = actions.do_amend_award(world.admin, award=award, amount="180000.00", reason="Scope cut")
    # Down: the private funder's money goes back first.
    assert parts(award) == {world.funder_a.pk: Decimal("100000.00"), world.funder_b.pk: Decimal("80000.00")}
    assert sum(parts(award).values()) == Decimal("180000.00")
    assert shares(award) == Decimal("1.000000")
    award = actions.do_amend_award(world.admin, award=award, amount="60000.00", reason="Half the work")
    assert parts(award) == {world.funder_a.pk: Decimal("60000.00")}
    assert [row for row in reconcile(ON) if row.differs] == []


def test_an_amendment_over_the_headroom_is_refused_and_writes_nothing(world):
    # Round 1's budget is £1,000,000, of which £450,000 is awarded: £550,000 more can be awarded.
    with pytest.raises(ActionError, match="£700,000.00 more is more than the headroom: £550,000.00"):
        actions.do_amend_award(world.admin, award=world.award_a, amount="1000000.00", reason="Bigger")
    assert Award.objects.get(pk=world.award_a.pk).amount.amount == Decimal("300000.00")
    assert not AwardAmendment.objects.exists()
    assert not LedgerTransaction.objects.filter(kind=LedgerTransaction.Kind.AMENDMENT).exists()


@pytest.mark.parametrize(
    "amount, reason, message",
    [
        ("40000.00", "Smaller", "between £50,000.00 and £1,000,000.00"),
        ("1000000.01", "Bigger", "between £50,000.00 and £1,000,000.00"),
        ("300000.00", "Same", "already £300,000.00"),
        ("310000.00", " ", "Say why"),
        (Money("310000", "USD"), "Dollars", "not USD"),
    ],
)
def test_an_amendment_outside_the_rules_is_refused(world, amount, reason, message):
    with pytest.raises(ActionError, match=message):
        actions.do_amend_award(world.admin, award=world.award_a, amount=amount, reason=reason)
    assert not AwardAmendment.objects.exists()


def test_an_award_cannot_go_below_what_it_has_paid(scheduled):
    with pytest.raises(ActionError, match="£100,000.00 of this award is already paid"):
        actions.do_amend_award(scheduled.admin, award=scheduled.award_a, amount="90000.00", reason="Less")


def test_a_decrease_that_would_empty_an_unpaid_milestone_is_refused(scheduled):
    with pytest.raises(ActionError, match="cannot go below £100,000.01 unless milestones are removed"):
        actions.do_amend_award(scheduled.admin, award=scheduled.award_a, amount="100000.00", reason="Stop")


def test_an_award_paid_in_full_is_completed_and_cannot_be_amended(world):
    """Its last payment completes it; more money for the project is a new award, not an amendment."""
    only = Milestone.objects.create(
        award=world.award_b, number=1, title="All", due_on=date(2025, 12, 31), amount=Money("150000", "GBP")
    )
    actions.do_receive_milestone_report(world.admin, milestone=only, received_on=date(2026, 1, 5))
    actions.do_approve_milestone(world.admin, milestone=only, approved_on=date(2026, 1, 6))
    actions.do_record_disbursement(world.admin, milestone=only, paid_on=date(2026, 1, 30), reference="PAY-B")
    assert Award.objects.get(pk=world.award_b.pk).status == Award.Status.COMPLETED
    posted = LedgerTransaction.objects.count()
    with pytest.raises(ActionError, match="This award is completed: it cannot be amended"):
        actions.do_amend_award(world.admin, award=world.award_b, amount="200000.00", reason="Follow-up study")
    assert LedgerTransaction.objects.count() == posted
    assert not AwardAmendment.objects.filter(award=world.award_b).exists()


def test_the_database_accepts_a_new_amount_only_with_its_amendment(world):
    with pytest.raises(DatabaseError, match="booked"), transaction.atomic():
        Award.objects.filter(pk=world.award_a.pk).update(amount=Money("310000", "GBP"))
    actions.do_amend_award(world.admin, award=world.award_a, amount="320000.00", reason="More")
    # The amendment allowed 300k → 320k once; nothing else, and the amendment itself is final.
    with pytest.raises(DatabaseError, match="booked"), transaction.atomic():
        Award.objects.filter(pk=world.award_a.pk).update(amount=Money("330000", "GBP"))
    with pytest.raises(DatabaseError), transaction.atomic():
        AwardAmendment.objects.update(reason="Rewritten")
    assert Award.objects.get(pk=world.award_a.pk).amount.amount == Decimal("320000.00")
