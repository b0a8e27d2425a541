"""/portfolio/projects/<pk>/award/: award a vetted project, within the headroom and the £50k–£1M rule."""

from decimal import Decimal

import pytest
from django.urls import reverse

from grants.models import Award, AwardAttribution, LedgerTransaction
from projects.models import Project
from tests.factories import ProjectFactory
from tests.grants.views.conftest import field_errors, figure

LIMITS = "An award must be between £50,000.00 and £1,000,000.00 inclusive."


def url(project):
    return reverse("grants:award_project", args=[project.pk])


def form_data(**changes):
    data = {"amount": "200,000.00", "currency": "GBP", "awarded_on": "2026-02-19", "status": "offered"}
    data.update(changes)
    return data


def counts():
    return Award.objects.count(), AwardAttribution.objects.count(), LedgerTransaction.objects.count()


@pytest.fixture
def big(world):
    """A vetted project asking for more than the round's £550,000.00 of headroom."""
    return ProjectFactory(round=world.round, research_area=world.area, reference="R1-0100")


def test_it_shows_the_headroom_before_and_after(client, world):
    client.force_login(world.admin)
    response = client.get(url(world.waiting))
    assert response.status_code == 200
    assert figure(response, "headroom-before") == Decimal("550000.00")
    assert figure(response, "headroom-after") == Decimal("350000.00")  # after the £200,000.00 requested


def test_it_awards_the_project_and_the_headroom_falls(client, world):
    client.force_login(world.admin)
    before = counts()
    response = client.post(url(world.waiting), form_data())
    award = Award.objects.get(project=world.waiting)
    assert response.status_code == 302 and response.url == award.get_absolute_url()
    assert award.amount.amount == Decimal("200000.00")
    after = counts()
    assert after[0] == before[0] + 1 and after[1] > before[1] and after[2] == before[2] + 1
    assert LedgerTransaction.objects.filter(key=f"award:{award.pk}").exists()
    world.waiting.refresh_from_db()
    assert world.waiting.status == Project.Status.AWARDED
    portfolio = client.get(reverse("grants:portfolio"))
    assert figure(portfolio, f"round-headroom-{world.round.pk}") == Decimal("350000.00")


@pytest.mark.parametrize("amount", ["49999.99", "49,999.99", "1000000.01", "£1,000,000.01"])
def test_it_refuses_amounts_outside_the_limits(client, world, amount):
    client.force_login(world.admin)
    before = counts()
    response = client.post(url(world.waiting), form_data(amount=amount))
    assert response.status_code == 200
    assert field_errors(response)["amount"] == [LIMITS]
    assert counts() == before


def test_the_limits_are_inclusive(client, world):
    client.force_login(world.admin)
    response = client.post(url(world.waiting), form_data(amount="50000.00"))
    assert response.status_code == 302


def test_it_refuses_more_than_the_headroom_and_says_how_much_is_left(client, world, big):
    client.force_login(world.admin)
    before = counts()
    response = client.post(url(big), form_data(amount="550000.01"))
    assert response.status_code == 200
    (message,) = field_errors(response)["amount"]
    assert "more than the headroom: £550,000.00 can still be awarded in Round 1" in message
    assert figure(response, "headroom-after") == Decimal("-0.01")
    assert counts() == before


def test_exactly_the_headroom_can_be_awarded(client, world, big):
    client.force_login(world.admin)
    assert client.post(url(big), form_data(amount="550000.00")).status_code == 302


def test_it_refuses_an_award_in_dollars(client, world):
    client.force_login(world.admin)
    before = counts()
    response = client.post(url(world.waiting), form_data(currency="USD", amount="200000"))
    assert response.status_code == 200
    assert "pounds sterling" in field_errors(response)["amount"][0]
    assert counts() == before


@pytest.mark.parametrize(
    ("field", "bad"),
    [
        ("amount", "two hundred"),
        ("amount", ""),
        ("awarded_on", "2026-02-31"),
        ("status", "completed"),
        ("currency", "XXX"),
    ],
)
def test_bad_input_answers_with_a_field_error_and_writes_nothing(client, world, field, bad):
    client.force_login(world.admin)
    before = counts()
    response = client.post(url(world.waiting), form_data(**{field: bad}))
    assert response.status_code == 200
    assert field in field_errors(response)
    assert counts() == before


def test_an_awarded_project_cannot_be_awarded_again(client, world):
    client.force_login(world.admin)
    project = world.award_a.project
    before = counts()
    response = client.post(url(project), form_data())
    assert response.status_code == 200
    assert 'data-testid="not-awardable"' in response.content.decode()
    assert counts() == before


def test_an_unknown_project_is_not_found(client, world):
    client.force_login(world.admin)
    assert client.post(reverse("grants:award_project", args=[99999]), form_data()).status_code == 404
