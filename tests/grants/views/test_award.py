"""/portfolio/awards/<pk>/: an award's milestones, payments, attribution to funders and ledger entries."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from djmoney.money import Money

from grants import actions
from grants.models import AwardAttribution, Milestone
from tests.grants.views.conftest import figure


@pytest.fixture
def milestones(world):
    first = Milestone.objects.create(
        award=world.award_a, number=1, title="Inception", due_on=date(2025, 12, 31), amount=Money("100000", "GBP")
    )
    second = Milestone.objects.create(
        award=world.award_a, number=2, title="Final", due_on=date(2026, 6, 30), amount=Money("200000", "GBP")
    )
    actions.do_receive_milestone_report(world.admin, milestone=first, received_on=date(2026, 1, 2))
    actions.do_approve_milestone(world.admin, milestone=first, approved_on=date(2026, 1, 5))
    actions.do_record_disbursement(world.admin, milestone=first, paid_on=date(2026, 1, 30), reference="PAY-A-1")
    return first, second


def url(award):
    return reverse("grants:award", args=[award.pk])


def test_it_shows_amount_paid_and_still_to_pay(client, world, milestones):
    client.force_login(world.admin)
    response = client.get(url(world.award_a))
    assert response.status_code == 200
    assert figure(response, "award-amount") == Decimal("300000.00")
    assert figure(response, "award-paid") == Decimal("100000.00")
    assert figure(response, "award-to-pay") == Decimal("200000.00")


def test_it_shows_each_milestones_report_and_payment(client, world, milestones):
    client.force_login(world.admin)
    html = client.get(url(world.award_a)).content.decode()
    assert "PAY-A-1" in html
    assert "Not yet due" in html
    _, second = milestones
    assert reverse("grants:milestone_received", args=[second.pk]) in html


def test_it_shows_the_status_along_the_awards_life(client, world, milestones):
    client.force_login(world.admin)
    response = client.get(url(world.award_a))
    steps = response.context["award_page"].lifecycle
    # Paying the first milestone made the award active.
    assert [s["label"] for s in steps if s["done"]] == ["Offered", "Accepted"]
    assert [s["label"] for s in steps if s["current"]] == ["Active"]


def test_it_shows_the_attribution_with_shares_and_basis(client, world):
    client.force_login(world.admin)
    html = client.get(url(world.award_a)).content.decode()
    for row in AwardAttribution.objects.filter(award=world.award_a):
        assert row.basis in html
        assert f"£{row.amount.amount:,.2f}" in html


def test_it_shows_the_awards_ledger_entries(client, world, milestones):
    client.force_login(world.admin)
    html = client.get(url(world.award_a)).content.decode()
    assert f"award:{world.award_a.pk}" in html
    assert "disbursement:" in html
    assert f"award:{world.award_b.pk}" not in html


def test_without_milestones_it_says_where_to_add_them(client, world):
    client.force_login(world.admin)
    assert "No milestones yet" in client.get(url(world.award_b)).content.decode()


def test_an_unknown_award_is_not_found(client, world):
    client.force_login(world.admin)
    assert client.get(reverse("grants:award", args=[99999])).status_code == 404


def test_it_costs_the_same_queries_with_more_milestones(client, world, milestones):
    client.force_login(world.admin)
    with CaptureQueriesContext(connection) as before:
        client.get(url(world.award_a))
    for n in range(3, 7):
        Milestone.objects.create(
            award=world.award_a, number=n, title=f"M{n}", due_on=date(2026, n, 1), amount=Money("1000", "GBP")
        )
    with CaptureQueriesContext(connection) as after:
        client.get(url(world.award_a))
    assert len(after) == len(before)
