from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from grants import actions
from grants.models import Award, AwardAttribution
from projects.models import Project
from tests.factories import ProjectFactory, UserFactory
from tests.projects.views.conftest import milestone

URL = "/awards/"


def _html(client, user) -> str:
    client.force_login(user)
    response = client.get(URL)
    assert response.status_code == 200
    return response.content.decode()


def test_it_sends_anonymous_visitors_to_sign_in(client, world):
    assert client.get(URL).status_code == 302


def test_a_researcher_sees_their_award_and_nothing_of_anyone_elses(client, world):
    html = _html(client, world.researcher_a)
    assert "Sparse probes" in html and "£300,000.00" in html
    assert "PAC bounds" not in html
    assert world.award_b.reference not in html
    assert "£150,000.00" not in html
    assert "Waiting project" not in html


def test_it_shows_no_funder_and_no_attribution(client, world):
    html = _html(client, world.researcher_a)
    assert "Open Funder A" not in html and "Quiet Funder B" not in html
    for attribution in AwardAttribution.objects.filter(award=world.award_a):
        assert attribution.basis not in html and f"{attribution.share}" not in html


def test_the_next_payment_follows_the_monthly_run_after_the_approved_report(client, world, schedule):
    client.force_login(world.researcher_a)
    (status,) = client.get(URL).context["awards"]
    # Milestone 2 was approved on 9 Feb 2026: paid in arrears, in the run on the last business day of March.
    assert status.next_payment.milestone_number == 2
    assert status.next_payment.expected_on == date(2026, 3, 31)
    assert status.paid == status.milestones[0].amount
    assert [m.report_status for m in status.milestones] == ["approved", "approved", "due", "not_due"]
    html = _html(client, world.researcher_a)
    assert "Expected in the payment run of <strong>31 Mar 2026</strong>" in html
    assert "Paid 30 Jan 2026" in html and "PAY-A-1" in html
    assert "Report due" in html and "Not yet due" in html


def test_the_timeline_marks_where_the_award_stands(client, world, schedule):
    client.force_login(world.researcher_a)
    (status,) = client.get(URL).context["awards"]
    assert status.status == Award.Status.ACTIVE  # the first payment made it active
    assert [(s.label, s.state) for s in status.steps] == [
        ("Offered", "done"),
        ("Accepted", "done"),
        ("Active", "current"),
        ("Completed", "upcoming"),
    ]


def test_a_terminated_award_says_so_and_expects_no_more_payments(client, world, schedule):
    Award.objects.filter(pk=world.award_a.pk).update(
        status=Award.Status.TERMINATED, terminated_on=world.award_a.awarded_on
    )
    client.force_login(world.researcher_a)
    (status,) = client.get(URL).context["awards"]
    assert status.next_payment is None
    assert status.steps[-1].state == "terminated"
    assert "This award has ended early" in client.get(URL).content.decode()


def test_it_shows_the_compute_and_expert_support_granted(client, world):
    project = ProjectFactory(round=world.round, research_area=world.area, lead=world.researcher_a, reference="R1-0200")
    actions.do_award_project(
        world.admin,
        project=project,
        amount="80000.00",
        awarded_on=date(2025, 11, 20),
        compute_provider="Cloud Co",
        compute_quantity="20,000 GPU-hours",
        compute_value="40000.00",
        mentor="Dr Mentor",
    )
    html = _html(client, world.researcher_a)
    assert "20,000 GPU-hours from Cloud Co" in html and "notional value £40,000.00" in html
    assert "Mentoring by Dr Mentor" in html
    assert "None granted" in html  # award A has neither


def test_a_user_with_no_projects_gets_an_empty_state_that_says_what_to_do(client, world):
    html = _html(client, world.outsider)
    assert "You have no awards yet" in html
    assert "Sparse probes" not in html


def test_a_lead_whose_project_is_still_waiting_sees_it_and_no_award(client, world):
    lead = UserFactory(username="waiting-lead")
    Project.objects.filter(pk=world.waiting.pk).update(lead=lead)
    html = _html(client, lead)
    assert "You have no awards yet" in html
    assert "Waiting project" in html and "Vetted" in html


def test_its_query_count_does_not_grow_with_awards_or_milestones(client, world):
    # One award with a milestone already, so that every level of the page's prefetching has rows to fetch.
    milestone(world.award_a, 1, date(2026, 1, 28), amount="25000.00")
    client.force_login(world.researcher_a)
    with CaptureQueriesContext(connection) as before:
        client.get(URL)
    for n in range(3):
        project = ProjectFactory(
            round=world.round, research_area=world.area, lead=world.researcher_a, reference=f"R1-03{n:02d}"
        )
        award = actions.do_award_project(world.admin, project=project, amount="50000.00", awarded_on=date(2025, 11, 20))
        for number in (1, 2):
            milestone(award, number, date(2026, number, 28), amount="25000.00")
    with CaptureQueriesContext(connection) as after:
        response = client.get(URL)
    assert len(response.context["awards"]) == 4
    assert len(after.captured_queries) == len(before.captured_queries)


@pytest.mark.parametrize("who", ["contact_a", "admin"])
def test_people_who_lead_nothing_see_no_awards_not_even_those_their_money_supports(client, world, who):
    html = _html(client, getattr(world, who))
    assert "You have no awards yet" in html
    assert "Sparse probes" not in html
