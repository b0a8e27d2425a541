"""/portfolio/milestones/<pk>/report-received/: mark a milestone's report received."""

from datetime import date

import pytest
from django.urls import reverse
from djmoney.money import Money

from grants.models import Milestone
from tests.grants.views.conftest import TODAY, field_errors


@pytest.fixture
def milestone(world):
    return Milestone.objects.create(
        award=world.award_a, number=1, title="Inception", due_on=date(2026, 1, 31), amount=Money("100000", "GBP")
    )


def url(milestone):
    return reverse("grants:milestone_received", args=[milestone.pk])


def test_the_form_defaults_to_the_funds_today(client, world, milestone):
    client.force_login(world.admin)
    response = client.get(url(milestone))
    assert response.status_code == 200
    assert response.context["form"]["received_on"].value() == TODAY


def test_it_marks_the_report_received_and_returns_to_the_award(client, world, milestone):
    client.force_login(world.admin)
    response = client.post(url(milestone), {"received_on": "2026-02-02"})
    assert response.status_code == 302
    assert response.url == world.award_a.get_absolute_url() + f"#milestone-{milestone.pk}"
    milestone.refresh_from_db()
    assert milestone.report_received_on == date(2026, 2, 2)


def test_a_report_already_received_is_refused(client, world, milestone):
    client.force_login(world.admin)
    client.post(url(milestone), {"received_on": "2026-02-02"})
    response = client.post(url(milestone), {"received_on": "2026-02-03"})
    assert response.status_code == 200
    assert "received_on" in field_errors(response)
    milestone.refresh_from_db()
    assert milestone.report_received_on == date(2026, 2, 2)


@pytest.mark.parametrize("bad", ["", "2026-02-30", "soon"])
def test_a_bad_date_answers_with_a_field_error_and_writes_nothing(client, world, milestone, bad):
    client.force_login(world.admin)
    response = client.post(url(milestone), {"received_on": bad})
    assert response.status_code == 200
    assert "received_on" in field_errors(response)
    milestone.refresh_from_db()
    assert milestone.report_received_on is None


def test_an_unknown_milestone_is_not_found(client, world):
    client.force_login(world.admin)
    assert (
        client.post(reverse("grants:milestone_received", args=[99999]), {"received_on": "2026-02-02"}).status_code
        == 404
    )
