"""Whose money pays for an award: which pledges may, what each funder's money has already paid for, and the
shortfall when restrictions leave too little."""

from datetime import date
from decimal import Decimal

import pytest
from djmoney.money import Money

from grants import actions
from grants.models import Milestone
from grants.reads.attribution import NotEnoughFreeMoney, attributed_so_far, eligible_pledges, plan_attribution
from tests.factories import FunderFactory, RoundFactory, pledge_received


def test_pledges_restricted_to_the_projects_round_or_area_may_pay_for_it(world):
    funder = FunderFactory(currency="GBP")
    common = dict(currency="GBP", pledged_on=date(2025, 8, 1), received_on=date(2025, 8, 2))
    this_round = pledge_received(
        world.admin, funder, amount="1000.00", reference="R-THIS", restricted_to_round=world.round, **common
    )
    this_area = pledge_received(
        world.admin, funder, amount="1000.00", reference="A-THIS", restricted_to_area=world.area, **common
    )
    other_round = RoundFactory(fund=world.fund, number=2, name="Round 2")
    pledge_received(
        world.admin, funder, amount="1000.00", reference="R-OTHER", restricted_to_round=other_round, **common
    )
    pledge_received(
        world.admin, funder, amount="1000.00", reference="A-OTHER", restricted_to_area=world.other_area, **common
    )
    pledge_received(world.admin, funder, amount="1000.00", reference="COMPUTE", compute_only=True, **common)
    eligible = set(eligible_pledges(world.round, world.waiting))
    assert eligible == {world.pledge_a, world.pledge_b, this_round, this_area}


def test_a_live_award_uses_all_of_its_attribution_and_a_terminated_one_only_what_it_paid(world):
    parts = {p.funder_id: p.amount.amount for p in world.award_a.attributions.all()}
    others = {p.funder_id: p.amount.amount for p in world.award_b.attributions.all()}
    both = {
        funder: parts.get(funder, Decimal("0.00")) + others.get(funder, Decimal("0.00")) for funder in {*parts, *others}
    }
    assert attributed_so_far() == both

    # A third of award A is paid, then it ends: each funder's money paid for a third of its part.
    milestone = Milestone.objects.create(
        award=world.award_a, number=1, title="Inception", due_on=date(2025, 12, 31), amount=Money("100000", "GBP")
    )
    actions.do_receive_milestone_report(world.admin, milestone=milestone, received_on=date(2026, 1, 5))
    actions.do_approve_milestone(world.admin, milestone=milestone, approved_on=date(2026, 1, 12))
    actions.do_record_disbursement(world.admin, milestone=milestone, paid_on=date(2026, 2, 27), reference="PAY-1")
    actions.do_terminate_award(world.admin, award=world.award_a, terminated_on=date(2026, 3, 10))
    third = Decimal(1) / Decimal(3)
    assert attributed_so_far() == {
        funder: (parts.get(funder, Decimal("0.00")) * third).quantize(Decimal("0.01"))
        + others.get(funder, Decimal("0.00"))
        for funder in both
    }


def test_what_ended_awards_used_costs_the_same_queries_however_many_ended(world, django_assert_num_queries):
    actions.do_terminate_award(world.admin, award=world.award_a, terminated_on=date(2026, 3, 10))
    actions.do_terminate_award(world.admin, award=world.award_b, terminated_on=date(2026, 3, 10))
    with django_assert_num_queries(4):
        used = attributed_so_far()
    assert used == {world.funder_a.pk: Decimal("0.00"), world.funder_b.pk: Decimal("0.00")}


def test_a_shortfall_says_how_much_was_free_and_by_when(world):
    on = date(2025, 11, 20)
    with pytest.raises(NotEnoughFreeMoney) as short:
        plan_attribution(world.round, world.waiting, on, Decimal("100000000.00"))
    free = short.value.free_gbp
    assert short.value.received_by == on
    assert Decimal("2000000.00") < free < Decimal("3000000.00")
    assert str(short.value) == (
        f"Only £{free:,.2f} of funders' money received by 20 Nov 2025 is free for this project once pledge "
        "restrictions (round, research area, compute only) are honoured."
    )
    # Exactly what was free can be planned.
    assert sum(part for _, part, _ in plan_attribution(world.round, world.waiting, on, free)) == free
