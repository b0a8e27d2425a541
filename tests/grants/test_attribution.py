"""Whose money pays for an award: which pledges may, what each funder's money has already paid for, and the
shortfall when restrictions leave too little."""

from datetime import date
from decimal import Decimal

import pytest
from djmoney.money import Money

from grants import actions
from grants.models import Milestone
from grants.reads.attribution import (
    NotEnoughFreeMoney,
    attributed_so_far,
    eligible_pledges,
    funder_money_short,
    plan_attribution,
    release_from_award,
    split_award,
)
from tests.factories import FunderFactory, ProjectFactory, RoundFactory, pledge_received


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


# An award amended down gives money back the policy's way round: private money (drawn last) first, the latest funder
# to join first, then the disclosed funders' pro rata to their parts. Funders 1 and 2 disclose; 3 and 4 do not.
PARTS = {1: Decimal("100.00"), 2: Decimal("50.00"), 3: Decimal("30.00"), 4: Decimal("20.00")}


@pytest.mark.parametrize(
    "released, left",
    [
        ("10.00", {1: "100.00", 2: "50.00", 3: "30.00", 4: "10.00"}),
        ("20.00", {1: "100.00", 2: "50.00", 3: "30.00", 4: "0.00"}),
        ("35.00", {1: "100.00", 2: "50.00", 3: "15.00", 4: "0.00"}),
        ("50.00", {1: "100.00", 2: "50.00", 3: "0.00", 4: "0.00"}),
        # Past the private money: £10.00 more from the disclosed funders, 2 : 1, to the penny.
        ("60.00", {1: "93.33", 2: "46.67", 3: "0.00", 4: "0.00"}),
        ("50.50", {1: "99.67", 2: "49.83", 3: "0.00", 4: "0.00"}),
        ("200.00", {1: "0.00", 2: "0.00", 3: "0.00", 4: "0.00"}),
    ],
)
def test_an_award_amended_down_releases_private_money_latest_first_then_disclosed_pro_rata(released, left):
    new = release_from_award(PARTS, {1, 2}, Decimal(released))
    assert new == {funder: Decimal(amount) for funder, amount in left.items()}
    assert PARTS[4] == Decimal("20.00")  # the parts given are not changed


def test_a_disclosed_funder_with_no_part_gives_nothing_back_and_one_with_pence_gives_its_share():
    new = release_from_award({1: Decimal("0.00"), 2: Decimal("90.00")}, {1, 2}, Decimal("30.00"))
    assert new == {1: Decimal("0.00"), 2: Decimal("60.00")}
    new = release_from_award({1: Decimal("0.50"), 2: Decimal("99.50")}, {1, 2}, Decimal("10.00"))
    assert new == {1: Decimal("0.45"), 2: Decimal("89.55")}


def test_a_funder_is_short_when_awards_used_more_than_its_money_was_worth_on_a_day(world, django_assert_num_queries):
    # A disclosed funder restricted to learning theory pays in £60,000 in two halves and pays for a £60,000 award in
    # full. Its compute credits (received first) are not money an award can use.
    funder = FunderFactory(name="Open C", currency="GBP", disclose_amounts=True)
    pledge_received(
        world.admin,
        funder,
        amount="10000.00",
        currency="GBP",
        pledged_on=date(2025, 7, 1),
        received_on=date(2025, 8, 1),
        reference="PC-COMPUTE",
        compute_only=True,
    )
    pledge = pledge_received(
        world.admin,
        funder,
        amount="60000.00",
        received="30000.00",
        currency="GBP",
        pledged_on=date(2025, 7, 1),
        received_on=date(2025, 9, 1),
        reference="PC-1",
        restricted_to_area=world.other_area,
    )
    actions.do_record_receipt(
        world.admin,
        pledge=pledge,
        amount="30000.00",
        currency="GBP",
        received_on=date(2025, 9, 2),
        bank_reference="BANK-PC-1-2",
    )
    project = ProjectFactory(round=world.round, research_area=world.other_area, reference="R1-0060")
    award = actions.do_award_project(world.admin, project=project, amount="60000.00", awarded_on=date(2025, 11, 20))
    assert [(p.funder_id, p.amount.amount) for p in award.attributions.all()] == [(funder.pk, Decimal("60000.00"))]

    assert funder_money_short(funder.pk, date(2025, 8, 15)) == (Decimal("0.00"), Decimal("60000.00"))
    assert funder_money_short(funder.pk, date(2025, 9, 1)) == (Decimal("30000.00"), Decimal("60000.00"))
    # Worth exactly what was used; its receipts are read with their conversions, however many there are.
    with django_assert_num_queries(6):
        assert funder_money_short(funder.pk, date(2025, 9, 2)) is None
    # A funder no award has used is never short, even before it gave anything.
    assert funder_money_short(FunderFactory().pk, date(2025, 1, 1)) is None
    # Funder A's dollars, not yet received on 31 Jul 2025, pay for award A.
    assert funder_money_short(world.funder_a.pk, date(2025, 7, 31)) == (Decimal("0.00"), Decimal("300000.00"))
    assert funder_money_short(world.funder_a.pk, date(2025, 8, 20)) is None


def test_a_funder_with_a_live_award_and_an_ended_one_has_used_both_parts(world):
    # Funder A pays for a second interpretability award; award A then ends with nothing paid on it.
    project = ProjectFactory(round=world.round, research_area=world.area, reference="R1-0070")
    actions.do_award_project(world.admin, project=project, amount="100000.00", awarded_on=date(2025, 11, 20))
    actions.do_terminate_award(world.admin, award=world.award_a, terminated_on=date(2025, 11, 21))
    assert attributed_so_far()[world.funder_a.pk] == Decimal("100000.00")


# The policy's edges, on the split itself


def test_a_funder_with_no_free_money_takes_no_part_disclosed_or_private():
    assert split_award(Decimal("100.00"), {1: Decimal("0.00"), 2: Decimal("500.00")}, {1, 2}) == {2: Decimal("100.00")}
    free = {1: Decimal("50.00"), 2: Decimal("0.00"), 3: Decimal("100.00")}
    assert split_award(Decimal("100.00"), free, {1}) == {1: Decimal("50.00"), 3: Decimal("50.00")}


def test_disclosed_money_that_covers_the_award_exactly_draws_nothing_on_private_money():
    assert split_award(Decimal("100.00"), {1: Decimal("100.00"), 2: Decimal("50.00")}, {1}) == {1: Decimal("100.00")}


def test_a_private_funder_with_pence_left_gives_them():
    free = {1: Decimal("99.50"), 2: Decimal("0.50")}
    assert split_award(Decimal("100.00"), free, {1}) == {1: Decimal("99.50"), 2: Decimal("0.50")}
