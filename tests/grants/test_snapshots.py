from datetime import date
from decimal import Decimal

from djmoney.money import Money

from grants import actions
from grants.models import SummarySnapshot
from grants.reads.snapshots import take_snapshot

AS_OF = date(2026, 3, 31)


def test_taking_it_twice_over_an_unchanged_fund_writes_one_snapshot(world):
    first, created = take_snapshot(AS_OF)
    again, created_again = take_snapshot(AS_OF)
    assert created and not created_again and first.pk == again.pk
    assert SummarySnapshot.objects.count() == 1


def test_a_change_that_is_not_a_money_movement_still_makes_a_new_snapshot(world):
    take_snapshot(AS_OF)
    world.round.budget = Money("2000000.00", "GBP")
    world.round.save()
    snapshot, created = take_snapshot(AS_OF)
    assert created
    assert snapshot.data["rounds"][0]["budget"]["GBP"] == "2000000.00"


def test_a_terminated_award_counts_for_what_it_paid(world, settings):
    settings.FUND_TODAY = "2026-03-31"
    actions.do_terminate_award(world.admin, award=world.award_a, terminated_on=date(2026, 3, 1))
    snapshot, _ = take_snapshot(AS_OF)
    attributed = sum(Decimal(row["attributed"]["GBP"]) for row in snapshot.data["funders"])
    assert attributed == Decimal("150000.00")  # award B only: award A paid nothing before it ended
    assert Decimal(snapshot.data["fund"]["committed"]["GBP"]) == Decimal("150000.00")
