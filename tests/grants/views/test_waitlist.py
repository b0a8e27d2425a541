"""/portfolio/waitlist/: which vetted projects the current round's headroom funds, and what the next one needs."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from djmoney.money import Money

from grants import actions
from tests.factories import ProjectFactory, RoundFactory
from tests.grants.views.conftest import figure, value

URL = reverse("grants:waitlist")


@pytest.fixture
def queue(world):
    """Behind the world's waiting project (£200,000, score 7.5): one at £300,000 (score 7.0), then one at £60,000
    (score 6.0). The round has £550,000 of headroom."""
    second = ProjectFactory(
        round=world.round,
        research_area=world.area,
        reference="R1-0010",
        amount_requested=Money("300000.00", "GBP"),
        panel_score=Decimal("7.00"),
    )
    third = ProjectFactory(
        round=world.round,
        research_area=world.area,
        reference="R1-0011",
        amount_requested=Money("60000.00", "GBP"),
        panel_score=Decimal("6.00"),
    )
    return world.waiting, second, third


def test_it_ranks_by_score_with_the_cumulative_amount(client, world, queue):
    client.force_login(world.admin)
    response = client.get(URL)
    assert response.status_code == 200
    rows = response.context["waitlist"].rows
    assert [r.project for r in rows] == list(queue)
    assert [r.cumulative_gbp for r in rows] == [Decimal("200000.00"), Decimal("500000.00"), Decimal("560000.00")]


def test_it_funds_strictly_by_rank_and_names_the_next_one(client, world, queue):
    first, second, third = queue
    client.force_login(world.admin)
    response = client.get(URL)
    html = response.content.decode()
    assert f'data-testid="waitlist-row-{first.pk}" data-funded="true"' in html
    assert f'data-testid="waitlist-row-{second.pk}" data-funded="true"' in html
    # £60,000 more than fits: the cheap third project is next, and not funded ahead of the rank.
    assert f'data-testid="waitlist-row-{third.pk}" data-funded="false"' in html
    assert response.context["waitlist"].next_row.project == third


def test_it_says_how_much_more_would_fund_the_next_one_in_pounds_and_dollars(client, world, queue):
    client.force_login(world.admin)
    response = client.get(URL)
    assert figure(response, "waitlist-headroom") == Decimal("550000.00")
    assert figure(response, "more-needed-gbp") == Decimal("10000.00")
    assert figure(response, "more-needed-usd") == value("10000.00", "GBP", "USD")


def test_a_cheaper_project_behind_the_next_one_waits_its_turn(client, world):
    ProjectFactory(
        round=world.round,
        research_area=world.area,
        reference="R1-0020",
        amount_requested=Money("400000.00", "GBP"),
        panel_score=Decimal("7.20"),
    )
    cheap = ProjectFactory(
        round=world.round,
        research_area=world.area,
        reference="R1-0021",
        amount_requested=Money("50000.00", "GBP"),
        panel_score=Decimal("5.00"),
    )
    client.force_login(world.admin)
    rows = {r.project.pk: r for r in client.get(URL).context["waitlist"].rows}
    assert not rows[cheap.pk].funded and not rows[cheap.pk].is_next


def test_when_the_headroom_covers_everything_nothing_more_is_needed(client, world):
    client.force_login(world.admin)
    response = client.get(URL)
    assert response.context["waitlist"].next_row is None
    assert 'data-testid="more-needed-gbp"' not in response.content.decode()


def test_waiting_projects_of_other_rounds_are_listed_apart(client, world):
    later = RoundFactory(
        fund=world.fund, number=2, name="Round 2", opens_on=date(2026, 3, 1), closes_on=date(2026, 4, 1)
    )
    ProjectFactory(round=world.round, research_area=world.area, reference="R1-0030")
    client.force_login(world.admin)
    response = client.get(URL)
    # Round 2 has opened, so it is the current round: round 1's waiting projects are listed apart.
    assert response.context["waitlist"].round == later
    assert {p.reference for p in response.context["waitlist"].other_rounds} == {"R1-0003", "R1-0030"}


def test_each_row_links_to_the_award_form(client, world):
    client.force_login(world.admin)
    html = client.get(URL).content.decode()
    assert reverse("grants:award_project", args=[world.waiting.pk]) in html


def test_it_costs_the_same_queries_with_more_projects_waiting(client, world):
    client.force_login(world.admin)
    with CaptureQueriesContext(connection) as before:
        client.get(URL)
    for n in range(4):
        ProjectFactory(round=world.round, research_area=world.other_area, reference=f"R1-07{n}")
    actions.do_award_project(
        world.admin,
        project=ProjectFactory(round=world.round, research_area=world.area, reference="R1-0800"),
        amount="60000",
        awarded_on=date(2026, 1, 10),
    )
    with CaptureQueriesContext(connection) as after:
        client.get(URL)
    assert len(after) == len(before)


def test_the_ranking_comes_a_page_at_a_time_with_its_running_total(client, world):
    for n in range(55):
        ProjectFactory(
            round=world.round,
            research_area=world.area,
            reference=f"R1-1{n:03}",
            amount_requested=Money("50000.01", "GBP"),
            panel_score=Decimal("5.00") - Decimal(n) / 100,
        )
    client.force_login(world.admin)
    first = client.get(URL).context["waitlist"]
    second = client.get(URL, {"page": 2}).context["waitlist"]
    assert first.waiting_count == 56 and len(first.rows) == 50 and len(second.rows) == 6
    assert [row.rank for row in second.rows] == list(range(51, 57))
    # The world's waiting project (£200,000) ranks first; then £50,000.01 each, to the penny.
    assert second.rows[-1].cumulative_gbp == Decimal("200000.00") + 55 * Decimal("50000.01")
    assert first.waiting_total_gbp == second.rows[-1].cumulative_gbp
    # £550,000 of headroom funds the first project and six more (a seventh would pass it by 7p): the eighth is next.
    assert first.funded_count == 7 and first.funded_total_gbp == Decimal("200000.00") + 6 * Decimal("50000.01")
    assert first.next_row.rank == 8 and first.rows[7].is_next and not any(row.funded for row in second.rows)


def test_a_project_that_takes_the_headroom_to_the_penny_is_funded(client, world):
    ProjectFactory(
        round=world.round,
        research_area=world.area,
        reference="R1-0040",
        amount_requested=Money("349999.99", "GBP"),
        panel_score=Decimal("7.00"),
    )
    ProjectFactory(
        round=world.round,
        research_area=world.area,
        reference="R1-0041",
        amount_requested=Money("0.01", "GBP"),
        panel_score=Decimal("6.00"),
    )
    client.force_login(world.admin)
    waitlist = client.get(URL).context["waitlist"]
    assert waitlist.headroom_gbp == Decimal("550000.00")
    assert [row.funded for row in waitlist.rows] == [True, True, True]
    assert waitlist.next_row is None and waitlist.funded_total_gbp == Decimal("550000.00")
