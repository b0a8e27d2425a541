"""/portfolio/rounds/<pk>/: a round's budget, awards, waiting projects and restricted pledges."""

from datetime import date
from decimal import Decimal

from django.urls import reverse

from grants import actions
from tests.grants.views.conftest import figure


def test_it_shows_the_rounds_figures(client, world):
    client.force_login(world.admin)
    response = client.get(reverse("grants:round", args=[world.round.pk]))
    assert response.status_code == 200
    assert figure(response, "round-budget") == Decimal("1000000.00")
    assert figure(response, "round-awarded") == Decimal("450000.00")
    assert figure(response, "round-disbursed") == 0
    assert figure(response, "round-headroom") == Decimal("550000.00")


def test_it_lists_the_awards_and_the_projects_waiting(client, world):
    client.force_login(world.admin)
    html = client.get(reverse("grants:round", args=[world.round.pk])).content.decode()
    assert world.award_a.reference in html and world.award_b.reference in html
    assert world.waiting.reference in html


def test_it_lists_pledges_restricted_to_the_round(client, world):
    actions.do_record_pledge(
        world.admin,
        funder=world.funder_b,
        amount="10000",
        currency="GBP",
        pledged_on=date(2026, 1, 5),
        reference="PB-R1",
        restricted_to_round=world.round,
    )
    client.force_login(world.admin)
    assert "PB-R1" in client.get(reverse("grants:round", args=[world.round.pk])).content.decode()


def test_an_unknown_round_is_not_found(client, world):
    client.force_login(world.admin)
    assert client.get(reverse("grants:round", args=[99999])).status_code == 404
