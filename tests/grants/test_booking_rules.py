"""The rules every money operation applies, whichever door (page, back office, API, import) it comes through."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from djmoney.money import Money

from alignment_fund.clock import fund_today
from funders.models import Pledge
from grants import actions
from grants.actions import ActionError
from grants.models import Award, AwardAttribution, Disbursement, LedgerTransaction, Milestone
from grants.reads.position import pool_position, round_positions
from tests.factories import FunderFactory, ProjectFactory, RoundFactory, pledge_received


@pytest.fixture
def today(settings):
    settings.FUND_TODAY = "2026-03-31"
    return date(2026, 3, 31)


def milestone(award, number, amount, due=date(2025, 12, 31)):
    return Milestone.objects.create(
        award=award, number=number, title=f"M{number}", due_on=due, amount=Money(amount, "GBP")
    )


def approve_and_pay(world, m, paid_on=date(2026, 1, 30), reference="PAY-1"):
    actions.do_receive_milestone_report(world.admin, milestone=m, received_on=date(2026, 1, 5))
    actions.do_approve_milestone(world.admin, milestone=m, approved_on=date(2026, 1, 12))
    return actions.do_record_disbursement(world.admin, milestone=m, paid_on=paid_on, reference=reference)


# Dates


@pytest.mark.parametrize("day", [date(2026, 4, 1), date(1999, 12, 31), date(1, 1, 3)])
def test_a_booking_dated_after_today_or_before_2000_is_refused(world, today, day):
    count = Pledge.objects.count()
    with pytest.raises(ActionError) as refusal:
        actions.do_record_pledge(
            world.admin, funder=world.funder_b, amount="10.00", currency="GBP", pledged_on=day, reference="P-X"
        )
    assert "pledged_on" in refusal.value.message_dict
    assert Pledge.objects.count() == count


def test_an_award_dated_in_the_future_is_refused(world, today):
    with pytest.raises(ActionError, match="cannot be after today"):
        actions.do_award_project(world.admin, project=world.waiting, amount="100000", awarded_on=date(2027, 1, 1))


def test_a_backdated_award_must_fit_every_day_since_not_only_its_own(world, today):
    """Round budget £1M with £450k awarded on 10-12 Nov; a £550k award on 13 Nov leaves £0. An award back-dated to
    1 Nov, when £1M was free, would take today's headroom below zero: it is refused."""
    later = ProjectFactory(round=world.round, research_area=world.area, reference="R1-0050")
    actions.do_award_project(world.admin, project=later, amount="550000.00", awarded_on=date(2025, 11, 13))
    with pytest.raises(ActionError, match="more than the headroom"):
        actions.do_award_project(world.admin, project=world.waiting, amount="100000", awarded_on=date(2025, 11, 1))
    (position,) = round_positions(pool_position(fund_today()), [world.round])
    assert position.headroom_gbp == Decimal("0.00")


# Payments


def test_a_terminated_awards_milestones_are_neither_approved_nor_paid(world, today):
    first, second = milestone(world.award_a, 1, "100000"), milestone(world.award_a, 2, "200000")
    approve_and_pay(world, first)
    actions.do_receive_milestone_report(world.admin, milestone=second, received_on=date(2026, 2, 1))
    actions.do_terminate_award(world.admin, award=world.award_a, terminated_on=date(2026, 2, 15))
    committed = pool_position(today).committed_gbp
    with pytest.raises(ActionError, match="was terminated"):
        actions.do_approve_milestone(world.admin, milestone=second, approved_on=date(2026, 2, 20))
    assert pool_position(today).committed_gbp == committed


def test_payments_never_exceed_the_award(world, today):
    big = milestone(world.award_b, 1, "900000")  # the award is £150,000
    actions.do_receive_milestone_report(world.admin, milestone=big, received_on=date(2026, 1, 5))
    actions.do_approve_milestone(world.admin, milestone=big, approved_on=date(2026, 1, 12))
    with pytest.raises(ActionError, match="over the award"):
        actions.do_record_disbursement(world.admin, milestone=big, paid_on=date(2026, 1, 30), reference="PAY-X")
    assert not Disbursement.objects.exists()


def test_the_back_office_refuses_milestones_that_add_up_to_more_than_the_award(world, admin_client):
    milestone(world.award_b, 1, "100000")
    response = admin_client.post(
        "/admin/grants/milestone/add/",
        {
            "award": world.award_b.pk,
            "number": 2,
            "title": "Too much",
            "due_on": "2026-06-30",
            "amount_0": "60000.00",
            "amount_1": "GBP",
        },
    )
    assert response.status_code == 200
    assert "The milestones add up to £160,000.00, not the award&#x27;s £150,000.00: take off £10,000.00" in (
        response.content.decode()
    )
    assert world.award_b.milestones.count() == 1


def test_a_backdated_payment_must_leave_pounds_on_every_day_since(world, today):
    """£1,974,567.89 in pounds (£740k converted plus funder B's receipt). A payment dated 30 Jan leaves little; a
    second payment back-dated before it must not make the pounds of 30 Jan negative."""
    world.round.budget = Money("5000000.00", "GBP")
    world.round.save()
    cash = pool_position(today).cash["GBP"]
    big = ProjectFactory(round=world.round, research_area=world.area, reference="R1-0060")
    award = actions.do_award_project(world.admin, project=big, amount="1000000.00", awarded_on=date(2025, 11, 20))
    first = milestone(award, 1, "1000000.00")
    approve_and_pay(world, first, paid_on=date(2026, 1, 30), reference="PAY-BIG")
    rest = cash - Decimal("1000000.00")
    other = ProjectFactory(round=world.round, research_area=world.area, reference="R1-0061")
    award2 = actions.do_award_project(world.admin, project=other, amount="1000000.00", awarded_on=date(2025, 11, 20))
    second = milestone(award2, 1, str(rest + Decimal("0.01")))
    actions.do_receive_milestone_report(world.admin, milestone=second, received_on=date(2026, 1, 2))
    actions.do_approve_milestone(world.admin, milestone=second, approved_on=date(2026, 1, 3))
    with pytest.raises(ActionError, match="convert more cash first"):
        actions.do_record_disbursement(world.admin, milestone=second, paid_on=date(2026, 1, 5), reference="PAY-2")


# Conversions


def test_a_dealt_rate_far_from_the_reference_rate_is_refused_as_a_slip(world, today):
    receipt_left = world.receipt_a  # USD 1,000,000 still unconverted
    with pytest.raises(ActionError) as refusal:
        actions.do_record_conversion(
            world.admin,
            receipt=receipt_left,
            amount_sold="0.01",
            gbp_credited="999999999999.99",
            converted_on=date(2025, 9, 1),
            bank_reference="FX-SLIP",
        )
    assert "more than 20% away from the reference rate" in refusal.value.message_dict["gbp_credited"][0]


def test_money_dated_before_the_stored_rates_is_refused_in_words_and_nothing_is_written(world, today):
    # The world's rates start in January 2025. A booking the fund cannot value would blank every page that values it.
    funder = FunderFactory(currency="USD")
    with pytest.raises(
        ActionError, match=r"cannot value money on 3 Jun 2024: there is no EUR/\w+ reference rate"
    ) as refused:
        actions.do_record_pledge(
            world.admin, funder=funder, amount="1000.00", currency="USD", pledged_on=date(2024, 6, 3), reference="OLD"
        )
    assert "backfill_rates --since 2024-06-03" in str(refused.value)
    assert not Pledge.objects.filter(reference="OLD").exists()
    pledge = actions.do_record_pledge(
        world.admin, funder=funder, amount="1000.00", currency="USD", pledged_on=date(2025, 6, 3), reference="NEW"
    )
    with pytest.raises(ActionError, match="cannot value money on 4 Jun 2024"):
        actions.do_record_receipt(
            world.admin,
            pledge=pledge,
            amount="1000.00",
            currency="USD",
            received_on=date(2024, 6, 4),
            bank_reference="X",
        )


# Restrictions


def test_money_restricted_to_another_round_never_pays_for_this_one(world, today):
    round2 = RoundFactory(fund=world.fund, number=2, name="Round 2", budget=Money("9000000.00", "GBP"))
    world.round.budget = Money("50000000.00", "GBP")
    world.round.save()
    funder_c = FunderFactory(name="Round-2 Funder", slug="funder-c", currency="GBP")
    pledge_received(
        world.admin,
        funder_c,
        amount="5000000.00",
        currency="GBP",
        pledged_on=date(2025, 8, 1),
        received_on=date(2025, 8, 2),
        reference="PC-1",
        restricted_to_round=round2,
    )
    # Round 1's own money: A's and B's receipts, less the £450,000 already awarded, about £2.2M.
    refused = 0
    for n in range(6):
        project = ProjectFactory(round=world.round, research_area=world.area, reference=f"R1-07{n:02d}")
        try:
            actions.do_award_project(world.admin, project=project, amount="1000000.00", awarded_on=date(2025, 11, 20))
        except ActionError as exc:
            assert "pledge restrictions" in " ".join(exc.messages)
            assert list(exc.message_dict) == ["amount"]
            refused += 1
    assert refused == 4
    # Round 1's awards (£450,000 before, £2,000,000 now) are paid for by A and B alone, B within what it gave.
    assert not AwardAttribution.objects.filter(funder=funder_c).exists()
    attributed = {
        funder: sum(a.amount.amount for a in AwardAttribution.objects.filter(funder=funder))
        for funder in (world.funder_a, world.funder_b)
    }
    assert sum(attributed.values()) == Decimal("2450000.00")
    assert attributed[world.funder_b] <= Decimal("1234567.89")


def test_compute_only_money_is_never_in_the_pool(world, today):
    before = pool_position(today).pool_gbp
    pledge = actions.do_record_pledge(
        world.admin,
        funder=world.funder_b,
        amount="500000.00",
        currency="GBP",
        pledged_on=date(2026, 1, 5),
        reference="PB-COMPUTE",
        compute_only=True,
    )
    assert pool_position(today).pool_gbp == before
    actions.do_record_receipt(
        world.admin,
        pledge=pledge,
        amount="500000.00",
        currency="GBP",
        received_on=date(2026, 1, 6),
        bank_reference="BANK-B-COMPUTE",
    )
    assert pool_position(today).pool_gbp == before
    assert pool_position(today).compute_cash == {"GBP": Decimal("500000.00")}


def test_a_refusal_writes_nothing_anywhere(world, today):
    counts = (Award.objects.count(), LedgerTransaction.objects.count(), AwardAttribution.objects.count())
    with pytest.raises(ActionError):
        actions.do_award_project(
            world.admin, project=world.waiting, amount="999999.99", awarded_on=today - timedelta(days=1)
        )
    assert (Award.objects.count(), LedgerTransaction.objects.count(), AwardAttribution.objects.count()) == counts
