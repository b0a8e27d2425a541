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


ON = date(2025, 11, 20)
COMMON = dict(pledged_on=date(2025, 7, 1))


def split_of(world, amount="50000.00", on=ON):
    return {
        funder: (part, basis)
        for funder, part, basis in plan_attribution(world.round, world.waiting, on, Decimal(amount))
    }


def test_each_funders_basis_lists_its_receipts_up_to_the_award_date_and_what_is_free(world):
    funder = FunderFactory(currency="GBP")
    for reference, amount, received_on in (("C-1", "1000.00", date(2025, 8, 1)), ("C-2", "2000.00", date(2025, 8, 3))):
        pledge_received(
            world.admin, funder, amount=amount, currency="GBP", received_on=received_on, reference=reference, **COMMON
        )
    pledge_received(
        world.admin, funder, amount="9000.00", currency="GBP", received_on=date(2026, 1, 10), reference="C-3", **COMMON
    )
    split = split_of(world)
    assert split[funder.pk][1] == ("GBP 1,000.00 received 1 Aug 2025; GBP 2,000.00 received 3 Aug 2025; £3,000.00 free")
    assert world.funder_b.pk not in split  # private money waits while the disclosed funders' money suffices
    assert split[world.funder_a.pk][1].startswith("USD 2,000,000.00 received 1 Aug 2025, valued at USD/GBP 0.7")
    assert ", 1 conversion(s) at the dealt rate; £" in split[world.funder_a.pk][1]
    assert sum(part for part, _ in split.values()) == Decimal("50000.00")


def test_a_conversion_on_the_award_date_counts_at_its_dealt_rate(world):
    basis = split_of(world, on=date(2025, 8, 15))[world.funder_a.pk][1]
    assert ", 1 conversion(s) at the dealt rate" in basis
    assert ", 1 conversion(s)" not in split_of(world, on=date(2025, 8, 14))[world.funder_a.pk][1]


def converted(world, amount, sold, credited, reference):
    funder = FunderFactory(currency="USD")
    pledge = pledge_received(
        world.admin, funder, amount=amount, currency="USD", received_on=date(2025, 8, 1), reference=reference, **COMMON
    )
    actions.do_record_conversion(
        world.admin,
        receipt=pledge.receipts.get(),
        amount_sold=sold,
        gbp_credited=credited,
        converted_on=date(2025, 8, 15),
        bank_reference=f"FX-{reference}",
    )
    return funder


def test_cash_converted_in_full_is_the_pounds_credited_and_any_cents_left_are_valued(world):
    whole = converted(world, "1000.00", "1000.00", "740.00", "G")
    cents_left = converted(world, "1000.50", "1000.00", "740.00", "H")
    split = split_of(world)
    assert split[whole.pk][1] == ("USD 1,000.00 received 1 Aug 2025, 1 conversion(s) at the dealt rate; £740.00 free")
    basis = split[cents_left.pk][1]
    assert basis.startswith("USD 1,000.50 received 1 Aug 2025, valued at USD/GBP 0.7")
    # The 50 cents left, at the 20 Nov 2025 rate of 0.7656, are 38p.
    assert basis.endswith(", 1 conversion(s) at the dealt rate; £740.38 free")


def test_a_basis_is_cut_to_what_the_column_holds(world):
    funder = FunderFactory(currency="GBP")
    for n in range(12):
        pledge_received(
            world.admin,
            funder,
            amount="1000.00",
            currency="GBP",
            received_on=date(2025, 8, 1),
            reference=f"D-{n}",
            **COMMON,
        )
    assert len(split_of(world)[funder.pk][1]) == 400


def test_a_funder_whose_part_rounds_to_nothing_is_left_out_and_a_few_pence_are_kept(world):
    penny, pound = FunderFactory(currency="GBP"), FunderFactory(currency="GBP")
    for funder, amount, reference in ((penny, "0.01", "E"), (pound, "1.00", "F")):
        pledge_received(
            world.admin,
            funder,
            amount=amount,
            currency="GBP",
            received_on=date(2025, 8, 1),
            reference=reference,
            **COMMON,
        )
    split = split_of(world)
    assert penny.pk not in split
    assert Decimal("0.00") < split[pound.pk][0] < Decimal("1.00")
    assert sum(part for part, _ in split.values()) == Decimal("50000.00")


def test_with_nothing_received_yet_nothing_is_free(world):
    with pytest.raises(NotEnoughFreeMoney) as short:
        plan_attribution(world.round, world.waiting, date(2025, 7, 15), Decimal("50000.00"))
    assert str(short.value.free_gbp) == "0.00"


def test_planning_costs_the_same_queries_however_many_receipts(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries():
        with CaptureQueriesContext(connection) as captured:
            plan_attribution(world.round, world.waiting, ON, Decimal("50000.00"))
        return len(captured)

    before = queries()
    for reference in ("Q-1", "Q-2", "Q-3"):
        converted(world, "1000.00", "500.00", "370.00", reference)
    assert queries() == before
