"""/portfolio/milestones/<pk>/approve/: approve a milestone report."""

from datetime import date

import pytest
from django.urls import reverse
from djmoney.money import Money

from grants import actions
from grants.models import Milestone
from tests.grants.views.conftest import field_errors


@pytest.fixture
def milestone(world):
    return Milestone.objects.create(
        award=world.award_a, number=1, title="Inception", due_on=date(2026, 1, 31), amount=Money("100000", "GBP")
    )


def url(milestone):
    return reverse("grants:milestone_approve", args=[milestone.pk])


def test_it_approves_a_received_report(client, world, milestone):
    actions.do_receive_milestone_report(world.admin, milestone=milestone, received_on=date(2026, 2, 2))
    client.force_login(world.admin)
    response = client.post(url(milestone), {"approved_on": "2026-02-10"})
    assert response.status_code == 302
    milestone.refresh_from_db()
    assert milestone.approved_on == date(2026, 2, 10)
    assert milestone.approved_by == world.admin


def test_a_report_not_yet_received_cannot_be_approved(client, world, milestone):
    client.force_login(world.admin)
    response = client.post(url(milestone), {"approved_on": "2026-02-10"})
    assert response.status_code == 200
    assert field_errors(response)["approved_on"] == ["The milestone report has not been received yet."]
    milestone.refresh_from_db()
    assert milestone.approved_on is None


def test_a_report_cannot_be_approved_before_it_arrived(client, world, milestone):
    actions.do_receive_milestone_report(world.admin, milestone=milestone, received_on=date(2026, 2, 2))
    client.force_login(world.admin)
    response = client.post(url(milestone), {"approved_on": "2026-02-01"})
    assert response.status_code == 200
    assert "approved_on" in field_errors(response)
    milestone.refresh_from_db()
    assert milestone.approved_on is None


def test_a_bad_date_answers_with_a_field_error(client, world, milestone):
    client.force_login(world.admin)
    response = client.post(url(milestone), {"approved_on": "10 Feb"})
    assert response.status_code == 200
    assert "approved_on" in field_errors(response)
