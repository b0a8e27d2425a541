from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from djmoney.money import Money

from grants import actions
from grants.actions import ActionError
from grants.models import Account, Award, LedgerLine
from grants.reads.position import pool_position
from projects.models import Project
from tests.factories import ProjectFactory


def test_the_world_awards_post_to_the_ledger(world):
    committed = LedgerLine.objects.balance_by_currency(Account.GRANTS_COMMITTED)
    assert committed == {"GBP": Decimal("-450000.00")}
    assert world.award_a.project.status == Project.Status.AWARDED


@pytest.mark.parametrize("amount", ["49999.99", "1000000.01"])
def test_it_refuses_awards_outside_the_limits(world, amount):
    with pytest.raises(ActionError, match="between £50,000.00 and £1,000,000.00"):
        actions.do_award_project(world.admin, project=world.waiting, amount=amount, awarded_on=date(2025, 11, 20))
    assert not Award.objects.filter(project=world.waiting).exists()


def test_it_refuses_an_award_in_dollars(world):
    with pytest.raises(ActionError, match="pounds sterling"):
        actions.do_award_project(
            world.admin, project=world.waiting, amount=Money("100000", "USD"), awarded_on=date(2025, 11, 20)
        )


@pytest.mark.parametrize(("amount", "currency"), [("49999.99", "GBP"), ("1000000.01", "GBP"), ("100000.00", "USD")])
def test_the_database_refuses_what_the_rules_forbid(world, amount, currency):
    with pytest.raises(IntegrityError), transaction.atomic():
        Award.objects.create(
            reference="X-1",
            project=world.waiting,
            round=world.round,
            amount=Money(amount, currency),
            awarded_on=date(2025, 11, 20),
        )


def test_it_refuses_an_award_beyond_the_rounds_headroom(world):
    # Round budget £1M, £450k awarded: £550k left, less than the fund's cash.
    big = ProjectFactory(round=world.round, research_area=world.area, reference="R1-0100")
    with pytest.raises(ActionError, match="more than the headroom: £550,000.00 can still be awarded"):
        actions.do_award_project(world.admin, project=big, amount="550000.01", awarded_on=date(2025, 11, 20))
    award = actions.do_award_project(world.admin, project=big, amount="550000.00", awarded_on=date(2025, 11, 20))
    assert award.amount == Money("550000.00", "GBP")


def test_it_refuses_an_award_beyond_the_funds_cash(world):
    world.round.budget = Money("50000000.00", "GBP")
    world.round.save()
    headroom = pool_position(date(2025, 11, 20)).headroom_gbp
    spent = Decimal("0.00")
    n = 0
    while headroom - spent > Decimal("1000000.00"):
        n += 1
        project = ProjectFactory(round=world.round, research_area=world.area, reference=f"R1-09{n:02d}")
        actions.do_award_project(world.admin, project=project, amount="1000000.00", awarded_on=date(2025, 11, 20))
        spent += Decimal("1000000.00")
    left = headroom - spent
    last = ProjectFactory(round=world.round, research_area=world.area, reference="R1-0999")
    with pytest.raises(ActionError, match="more than the headroom"):
        actions.do_award_project(
            world.admin, project=last, amount=left + Decimal("0.01"), awarded_on=date(2025, 11, 20)
        )
    assert pool_position(date(2025, 11, 20)).headroom_gbp == left


def test_attribution_is_pro_rata_and_adds_up_to_the_penny(world):
    parts = list(world.award_a.attributions.all())
    assert {p.funder for p in parts} == {world.funder_a, world.funder_b}
    assert sum(p.amount.amount for p in parts) == Decimal("300000.00")
    assert all(p.basis for p in parts)


def test_an_award_can_come_with_the_standard_milestone_schedule(world):
    award = actions.do_award_project(
        world.admin, project=world.waiting, amount="200000.01", awarded_on=date(2025, 11, 20), plan_milestones=True
    )
    milestones = list(award.milestones.order_by("number"))
    assert [m.title for m in milestones] == ["Inception report", "Interim results", "Draft paper", "Final report"]
    assert sum(m.amount.amount for m in milestones) == Decimal("200000.01")
    assert [m.due_on for m in milestones] == [
        date(2026, 2, 28),
        date(2026, 5, 31),
        date(2026, 8, 31),
        date(2026, 11, 30),
    ]
    assert award.reference == f"AP-{world.waiting.reference}"


def test_a_large_award_is_scheduled_over_eighteen_months(world):
    world.round.budget = Money("5000000.00", "GBP")
    world.round.save()
    award = actions.do_award_project(
        world.admin, project=world.waiting, amount="900000.00", awarded_on=date(2025, 11, 20), plan_milestones=True
    )
    assert award.milestones.order_by("-number").first().due_on == date(2027, 5, 31)


def test_an_award_checks_the_rounds_budget_as_stored_not_as_the_callers_copy(world):
    from projects.models import Round

    project = world.waiting
    stale_copy = project.round
    Round.objects.filter(pk=stale_copy.pk).update(budget=Money("450000.00", "GBP"))  # awarded so far: £450,000
    project.round = stale_copy  # the caller still holds the round with its old, larger budget
    with pytest.raises(ActionError, match="headroom"):
        actions.do_award_project(world.admin, project=project, amount="100000.00", awarded_on=date(2026, 1, 10))
