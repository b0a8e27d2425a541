"""The administrators' lists of awards and projects: filters kept in the URL, 50 rows a page, totals of the whole
filtered set, and bad filter values left out with a message, never an error. Asked of the demo fund, built once."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from django.db import transaction
from django.test.utils import override_settings

from alignment_fund.models import User
from funders.models import Funder
from grants.demo import DemoBuilder
from grants.models import Award
from projects.models import Project, ResearchArea, Round

DEMO_TODAY = date(2026, 10, 30)


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), override_settings(FUND_TODAY=DEMO_TODAY.isoformat()), transaction.atomic():
        DemoBuilder(DEMO_TODAY).build()
        yield
        transaction.set_rollback(True)


@pytest.fixture
def admin_client(demo, db, client, settings):
    settings.FUND_TODAY = DEMO_TODAY.isoformat()
    client.force_login(User.objects.get(username="admin"))
    return client


def shown(response, testid: str) -> Decimal:
    match = re.search(rf'data-testid="{testid}"(?: data-value="([^"]+)")?>([^<]+)<', response.content.decode())
    return Decimal(match.group(1) or match.group(2))


def references(response) -> list[str]:
    return re.findall(
        r'<tr data-testid="(?:award|project)-row">\s*<td class="nowrap"><a [^>]+>([^<]+)</a>', response.content.decode()
    )


def test_the_awards_list_shows_fifty_a_page_newest_first_with_the_totals_of_all(admin_client):
    response = admin_client.get("/portfolio/awards/")
    assert response.status_code == 200
    awards = list(Award.objects.order_by("-awarded_on", "-reference"))
    assert len(awards) > 50
    assert references(response) == [award.reference for award in awards[:50]]
    assert shown(response, "total-count") == len(awards)
    assert shown(response, "total-awarded") == sum(award.amount.amount for award in awards)
    paid = sum(d.amount.amount for award in awards for d in award.disbursements.all())
    assert shown(response, "total-paid") == paid
    assert 'href="?page=2"' in response.content.decode()
    second = admin_client.get("/portfolio/awards/?page=2")
    assert references(second) == [award.reference for award in awards[50:100]]


def test_filters_narrow_the_list_and_its_totals_and_the_pages_keep_them(admin_client):
    round1 = Round.objects.get(number=1)
    area = ResearchArea.objects.filter(projects__award__round=round1).first()
    url = f"/portfolio/awards/?round={round1.pk}&area={area.pk}&status=active"
    response = admin_client.get(url)
    expected = Award.objects.filter(round=round1, project__research_area=area, status="active")
    assert sorted(references(response)) == sorted(award.reference for award in expected[:50])
    assert shown(response, "total-count") == expected.count()
    assert shown(response, "total-awarded") == sum(award.amount.amount for award in expected)
    everything_of_round = admin_client.get(f"/portfolio/awards/?round={round1.pk}")
    count = Award.objects.filter(round=round1).count()
    assert shown(everything_of_round, "total-count") == count
    if count > 50:
        assert f'href="?round={round1.pk}&amp;page=2"' in everything_of_round.content.decode()


def test_the_text_search_finds_reference_title_and_lead(admin_client):
    award = Award.objects.select_related("project").order_by("reference").first()
    for text in (award.reference, award.project.title.split()[0], award.project.lead_name.split()[-1]):
        response = admin_client.get("/portfolio/awards/", {"q": text})
        assert award.reference in references(response), text
    nothing = admin_client.get("/portfolio/awards/?q=no-such-thing-anywhere")
    assert shown(nothing, "total-count") == 0 and 'data-testid="no-results"' in nothing.content.decode()


def test_the_funder_filter_keeps_the_awards_its_money_supports(admin_client):
    openai = Funder.objects.get(slug="openai")
    response = admin_client.get(f"/portfolio/awards/?funder={openai.pk}")
    expected = Award.objects.filter(attributions__funder=openai)
    assert shown(response, "total-count") == expected.count() > 0
    assert shown(response, "total-awarded") == sum(award.amount.amount for award in expected)


@pytest.mark.parametrize("url", ["/portfolio/awards/", "/portfolio/projects/"])
def test_bad_filter_values_are_left_out_with_a_message(admin_client, url):
    everything = shown(admin_client.get(url), "total-count")
    response = admin_client.get(url + "?round=abc&status=nonsense&area=99999999&funder=-1&page=zzz")
    assert response.status_code == 200
    text = response.content.decode()
    assert 'data-testid="filter-errors"' in text and "Select a valid choice" in text
    assert shown(response, "total-count") == everything
    assert admin_client.get(url + "?page=99999").status_code == 200


def test_the_projects_list_filters_by_area_and_status_with_totals(admin_client):
    area = ResearchArea.objects.order_by("name").first()
    response = admin_client.get(f"/portfolio/projects/?area={area.pk}&status=vetted")
    expected = Project.objects.filter(research_area=area, status="vetted")
    assert shown(response, "total-count") == expected.count()
    assert shown(response, "total-requested") == sum(p.amount_requested.amount for p in expected)
    everything = admin_client.get("/portfolio/projects/")
    projects = Project.objects.all()
    assert shown(everything, "total-count") == projects.count()
    assert shown(everything, "total-awarded") == sum(a.amount.amount for a in Award.objects.all())
    assert len(references(everything)) == min(50, projects.count())


def test_the_round_page_and_the_portfolio_link_to_the_lists(admin_client):
    round1 = Round.objects.get(number=1)
    round_page = admin_client.get(f"/portfolio/rounds/{round1.pk}/").content.decode()
    assert f'href="/portfolio/awards/?round={round1.pk}"' in round_page
    portfolio = admin_client.get("/portfolio/").content.decode()
    assert 'href="/portfolio/awards/"' in portfolio and 'href="/portfolio/projects/"' in portfolio
