"""The funder's parts of the awards in SQL (grants.reads.funder_parts) are the attribution policy's parts
(grants.reads.attribution.payment_parts), to the penny: pennies left over by rounding down go to the largest
remainders, ties to the lower funder id, the private funders' group last, and then within that group."""

from datetime import date
from decimal import Decimal

import pytest
from djmoney.money import Money

from grants import actions
from grants.models import AwardAttribution, Milestone
from grants.reads.allocation import disbursed_by_award
from grants.reads.attribution import payment_parts
from grants.reads.funder_parts import paid_parts
from tests.factories import FunderFactory

ON = date(2026, 2, 1)


def _funder_with_cash(world, slug: str, discloses: bool, amount: str):
    funder = FunderFactory(name=slug, slug=slug, currency="GBP", disclose_amounts=discloses, publicly_named=discloses)
    pledge = actions.do_record_pledge(
        world.admin, funder=funder, amount=amount, currency="GBP", pledged_on=date(2025, 7, 1), reference=f"P-{slug}"
    )
    actions.do_record_receipt(
        world.admin, pledge=pledge, amount=amount, currency="GBP", received_on=date(2025, 8, 1), bank_reference=slug
    )
    return funder


@pytest.mark.parametrize("paid", ["33333.33", "0.01", "0.05", "99999.99", "200000.00"])
def test_sql_parts_of_payments_are_the_policys_with_disclosed_and_private_funders(world, paid):
    # Two private funders and one more disclosed one beside the world's own, with free money in odd amounts.
    others = [
        _funder_with_cash(world, "open-c", True, "33333.33"),
        _funder_with_cash(world, "quiet-d", False, "633333.33"),
        _funder_with_cash(world, "quiet-e", False, "316666.67"),
    ]
    award = actions.do_award_project(
        world.admin, project=world.waiting, amount="200000.00", awarded_on=date(2025, 11, 20)
    )
    assert AwardAttribution.objects.filter(award=award).count() > 1
    milestone = Milestone.objects.create(
        award=award, number=1, title="Inception", due_on=date(2025, 12, 31), amount=Money(paid, "GBP")
    )
    actions.do_receive_milestone_report(world.admin, milestone=milestone, received_on=date(2025, 12, 20))
    actions.do_approve_milestone(world.admin, milestone=milestone, approved_on=date(2026, 1, 5))
    actions.do_record_disbursement(world.admin, milestone=milestone, paid_on=date(2026, 1, 30), reference="PAY-1")

    ids = list(AwardAttribution.objects.values_list("award_id", flat=True).distinct())
    expected = payment_parts(disbursed_by_award(ON, award_ids=ids), award_ids=ids)
    for funder in [world.funder_a, world.funder_b, *others]:
        shown = paid_parts(funder, ON)
        mine = AwardAttribution.objects.filter(funder=funder).values_list("award_id", flat=True)
        assert shown == {award_id: expected.get((award_id, funder.pk), Decimal("0.00")) for award_id in mine}
    assert sum(paid_parts(funder, ON).get(award.pk, 0) for funder in [world.funder_a, world.funder_b, *others]) == (
        Decimal(paid)
    )
