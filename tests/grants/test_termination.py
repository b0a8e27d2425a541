from datetime import date
from decimal import Decimal

import pytest
from djmoney.money import Money

from grants import actions
from grants.actions import ActionError
from grants.models import Award, LedgerTransaction, Milestone
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
