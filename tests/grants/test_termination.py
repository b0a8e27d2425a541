from datetime import date
from decimal import Decimal

import pytest
from djmoney.money import Money

from grants import actions
from grants.actions import ActionError
from grants.models import Account, Award, LedgerTransaction, Milestone
from grants.reads.position import pool_position, round_positions


@pytest.fixture
def paid_once(world):
    """Award A (£300,000) with two milestones, the first paid."""
    first = Milestone.objects.create(
        award=world.award_a, number=1, title="Inception", due_on=date(2025, 12, 31), amount=Money("100000", "GBP")
    )
    Milestone.objects.create(
        award=world.award_a, number=2, title="Final", due_on=date(2026, 6, 30), amount=Money("200000", "GBP")
    )
    actions.do_receive_milestone_report(world.admin, milestone=first, received_on=date(2026, 1, 5))
    actions.do_approve_milestone(world.admin, milestone=first, approved_on=date(2026, 1, 12))
    actions.do_record_disbursement(world.admin, milestone=first, paid_on=date(2026, 2, 27), reference="PAY-1")
    return world


def test_terminating_releases_only_what_is_unpaid(paid_once):
    world = paid_once
    on = date(2026, 3, 10)
    before = pool_position(on)
    actions.do_terminate_award(world.admin, award=world.award_a, terminated_on=on)
    after = pool_position(on)
    assert after.headroom_gbp - before.headroom_gbp == Decimal("200000.00")
    assert after.committed_gbp == before.committed_gbp - Decimal("200000.00")
    (position,) = round_positions(after, [world.round])
    # The round counts the £100,000 that was paid, not the £300,000 that was offered.
    assert position.awarded_gbp == Decimal("250000.00")
    assert Award.objects.get(pk=world.award_a.pk).status == Award.Status.TERMINATED


def test_terminating_twice_is_refused_and_posts_once(paid_once):
    world = paid_once
    actions.do_terminate_award(world.admin, award=world.award_a, terminated_on=date(2026, 3, 10))
    count = LedgerTransaction.objects.count()
    with pytest.raises(ActionError, match="already terminated"):
        actions.do_terminate_award(world.admin, award=world.award_a, terminated_on=date(2026, 3, 11))
    assert LedgerTransaction.objects.count() == count


def test_the_admin_terminates_through_its_action_not_a_status_edit(paid_once, client):
    world = paid_once
    client.force_login(world.admin)
    url = f"/admin/grants/award/{world.award_a.pk}/change/"
    assert 'value="terminated"' not in client.get(url).content.decode()
    response = client.post(
        "/admin/grants/award/", {"action": "terminate", "_selected_action": [world.award_a.pk]}, follow=True
    )
    assert response.status_code == 200
    assert Award.objects.get(pk=world.award_a.pk).status == Award.Status.TERMINATED
    assert LedgerTransaction.objects.filter(key=f"termination:{world.award_a.pk}").count() == 1


def test_terminating_posts_the_unpaid_part_back_for_its_round_and_award_and_says_so(paid_once):
    world = paid_once
    actions.do_terminate_award(world.admin, award=world.award_a, terminated_on=date(2026, 3, 10), reason="Team left.")
    posted = LedgerTransaction.objects.get(key=f"termination:{world.award_a.pk}")
    assert (posted.kind, posted.occurred_on, posted.posted_by, posted.memo) == (
        LedgerTransaction.Kind.REVERSAL,
        date(2026, 3, 10),
        world.admin,
        "Award AP-R1-0001 terminated: £200,000.00 unpaid released. Team left.",
    )
    assert sorted(posted.lines.values_list("account", "amount", "amount_currency", "round", "award")) == [
        (Account.GRANTS_AWARDED, Decimal("-200000.00"), "GBP", world.round.pk, world.award_a.pk),
        (Account.GRANTS_COMMITTED, Decimal("200000.00"), "GBP", world.round.pk, world.award_a.pk),
    ]


def test_an_award_never_paid_releases_all_of_it_and_may_end_the_day_it_was_made(world):
    award = world.award_b
    actions.do_terminate_award(world.admin, award=award, terminated_on=award.awarded_on)
    posted = LedgerTransaction.objects.get(key=f"termination:{award.pk}")
    assert posted.memo == "Award AP-R1-0002 terminated: £150,000.00 unpaid released."
    assert sorted(posted.lines.values_list("account", "amount")) == [
        (Account.GRANTS_AWARDED, Decimal("-150000.00")),
        (Account.GRANTS_COMMITTED, Decimal("150000.00")),
    ]


def pay(world, award, amount):
    milestone = Milestone.objects.create(
        award=award, number=1, title="All", due_on=date(2025, 12, 31), amount=Money(amount, "GBP")
    )
    actions.do_receive_milestone_report(world.admin, milestone=milestone, received_on=date(2026, 1, 5))
    actions.do_approve_milestone(world.admin, milestone=milestone, approved_on=date(2026, 1, 12))
    actions.do_record_disbursement(world.admin, milestone=milestone, paid_on=date(2026, 2, 27), reference="PAY-ALL")


def test_a_fully_paid_award_is_completed_with_nothing_to_release(world):
    # Its last payment completes it (do_record_disbursement): there is nothing left to end early.
    pay(world, world.award_b, "150000.00")
    assert Award.objects.get(pk=world.award_b.pk).status == Award.Status.COMPLETED
    with pytest.raises(ActionError, match="already completed"):
        actions.do_terminate_award(world.admin, award=world.award_b, terminated_on=date(2026, 3, 10))
    assert not LedgerTransaction.objects.filter(key=f"termination:{world.award_b.pk}").exists()


def test_an_award_amended_down_to_what_was_paid_ends_with_nothing_to_release(world):
    pay(world, world.award_b, "100000.00")
    actions.do_amend_award(
        world.admin, award=world.award_b, amount="100000.00", reason="Scope cut", amended_on=date(2026, 3, 1)
    )
    actions.do_terminate_award(world.admin, award=world.award_b, terminated_on=date(2026, 3, 10))
    assert Award.objects.get(pk=world.award_b.pk).status == Award.Status.TERMINATED
    assert not LedgerTransaction.objects.filter(key=f"termination:{world.award_b.pk}").exists()


def test_even_fifty_pence_left_unpaid_is_released(world):
    pay(world, world.award_b, "149999.50")
    actions.do_terminate_award(world.admin, award=world.award_b, terminated_on=date(2026, 3, 10))
    posted = LedgerTransaction.objects.get(key=f"termination:{world.award_b.pk}")
    assert posted.lines.get(account=Account.GRANTS_COMMITTED).amount == Money("0.50", "GBP")


def test_a_termination_is_refused_field_by_field(paid_once, settings):
    world = paid_once
    settings.FUND_TODAY = "2026-03-31"

    def refusal(on):
        with pytest.raises(ActionError) as refused:
            actions.do_terminate_award(world.admin, award=world.award_a, terminated_on=on)
        return refused.value.message_dict

    assert refusal(date(2026, 4, 1)) == {
        "terminated_on": ["The date an award ends cannot be after today (31 Mar 2026)."]
    }
    assert refusal(date(1999, 12, 31)) == {"terminated_on": ["The date an award ends must be on or after 1 Jan 2000."]}
    assert refusal(date(2025, 11, 9)) == {"terminated_on": ["An award cannot end before it was made."]}
    actions.do_terminate_award(world.admin, award=world.award_a, terminated_on=date(2026, 3, 10))
    assert refusal(date(2026, 3, 11)) == {"status": ["This award is already terminated."]}


def test_an_award_cannot_end_before_a_payment_made_on_it(paid_once):
    world = paid_once
    with pytest.raises(ActionError) as refused:
        actions.do_terminate_award(world.admin, award=world.award_a, terminated_on=date(2026, 2, 26))
    assert refused.value.message_dict == {
        "terminated_on": ["A payment was made on this award on 27 Feb 2026: it cannot end before that day."]
    }
    assert Award.objects.get(pk=world.award_a.pk).status != Award.Status.TERMINATED
    actions.do_terminate_award(world.admin, award=world.award_a, terminated_on=date(2026, 2, 27))
    assert Award.objects.get(pk=world.award_a.pk).terminated_on == date(2026, 2, 27)


def test_before_its_termination_date_an_award_counts_whole_on_every_page(paid_once):
    """Figures asked for an earlier day show the award as it stood then: running, committed in full."""
    from grants.reads.pool_overview import administrators_pool
    from grants.reads.portfolio import area_rows

    world = paid_once
    before, ended = date(2026, 3, 5), date(2026, 3, 10)
    area_before = {row.area.pk: row.awarded_gbp for row in area_rows(before)}
    pool_before = administrators_pool(before).awarded
    actions.do_terminate_award(world.admin, award=world.award_a, terminated_on=ended)
    assert {row.area.pk: row.awarded_gbp for row in area_rows(before)} == area_before
    assert administrators_pool(before).awarded == pool_before
    # From the day it ended it counts for the £100,000 it paid.
    area = world.award_a.project.research_area_id
    assert area_before[area] - {row.area.pk: row.awarded_gbp for row in area_rows(ended)}[area] == Decimal("200000")
