"""/portfolio/receipts/new/: record money that arrived against a pledge."""

from datetime import date

import pytest
from django.urls import reverse
from djmoney.money import Money

from funders.models import Pledge, Receipt
from grants import actions
from grants.models import LedgerTransaction
from tests.grants.views.conftest import field_errors

URL = reverse("grants:record_receipt")


@pytest.fixture
def pledge(world):
    return actions.do_record_pledge(
        world.admin,
        funder=world.funder_a,
        amount="500000",
        currency="USD",
        pledged_on=date(2026, 1, 5),
        reference="PA-2",
    )


def form_data(for_pledge, **changes):
    data = {
        "funder": for_pledge.funder_id,
        "pledge": for_pledge.pk,
        "amount": "500000.00",
        "currency": "USD",
        "received_on": "2026-02-19",
        "bank_reference": "BANK-A-2",
    }
    data.update(changes)
    return data


def counts():
    return Receipt.objects.count(), LedgerTransaction.objects.count()


def test_a_link_from_a_pledge_fills_in_what_is_still_to_arrive(client, world, pledge):
    client.force_login(world.admin)
    form = client.get(URL, {"pledge": pledge.pk}).context["form"]
    assert str(form["amount"].value()) == "500000.00"
    assert form["currency"].value() == "USD"


def test_a_link_with_a_bad_pledge_id_just_shows_the_empty_form(client, world):
    client.force_login(world.admin)
    assert client.get(URL, {"pledge": "nope"}).status_code == 200
    assert client.get(URL, {"pledge": "99999"}).status_code == 200


def test_it_records_a_receipt_and_its_ledger_entry(client, world, pledge):
    client.force_login(world.admin)
    before = counts()
    response = client.post(URL, form_data(pledge))
    assert response.status_code == 302 and response.url == reverse("grants:portfolio")
    assert counts() == (before[0] + 1, before[1] + 1)
    receipt = Receipt.objects.get(bank_reference="BANK-A-2")
    assert LedgerTransaction.objects.filter(key=f"receipt:{receipt.pk}").exists()


@pytest.mark.parametrize(
    ("field", "bad"),
    [
        ("amount", "five hundred"),
        ("amount", "500000.01"),  # more than is still to arrive
        ("currency", "GBP"),  # the pledge is in dollars
        ("currency", "ZZZ"),
        ("received_on", "2025-12-31"),  # before the pledge was made
        ("received_on", "31/02/2026"),
        ("bank_reference", "BANK-A-1"),  # already recorded
        ("bank_reference", ""),
        ("pledge", "99999"),
    ],
)
def test_bad_input_answers_with_a_field_error_and_writes_nothing(client, world, pledge, field, bad):
    client.force_login(world.admin)
    before = counts()
    response = client.post(URL, form_data(pledge, **{field: bad}))
    assert response.status_code == 200
    assert field in field_errors(response)
    assert counts() == before


def test_the_refusal_says_how_much_is_still_to_arrive(client, world, pledge):
    client.force_login(world.admin)
    response = client.post(URL, form_data(pledge, amount="600000"))
    (message,) = field_errors(response)["amount"]
    assert "500,000.00" in message and "still to arrive" in message


def offered(response) -> list[str]:
    return [label for value, label in response.context["form"].fields["pledge"].choices if value]


def test_without_a_funder_it_offers_no_pledge_but_a_choice_of_funder(client, world, pledge):
    client.force_login(world.admin)
    response = client.get(URL)
    assert offered(response) == []
    assert 'name="funder"' in response.content.decode() and "Choose the funder first" in response.content.decode()


def test_choosing_a_funder_offers_only_its_pledges_with_money_still_to_arrive(client, world, pledge):
    client.force_login(world.admin)
    # PA-1 has arrived in full; PA-2 is open; funder B's pledge is not funder A's.
    labels = offered(client.get(URL, {"funder": world.funder_a.pk}))
    assert len(labels) == 1 and labels[0].startswith("PA-2") and "$500,000.00 to arrive" in labels[0]
    assert offered(client.get(URL, {"funder": world.funder_a.pk, "q": "nothing-like-it"})) == []
    assert offered(client.get(URL, {"funder": world.funder_b.pk})) == []


def test_a_link_from_a_pledge_offers_that_pledge_chosen(client, world, pledge):
    client.force_login(world.admin)
    response = client.get(URL, {"pledge": pledge.pk})
    assert offered(response)[0].startswith("PA-2")
    assert response.context["form"]["funder"].value() == world.funder_a.pk


def test_the_choices_shown_are_capped_and_cost_the_same_queries_however_many_pledges(
    client, world, django_assert_num_queries
):
    from grants.forms.pages import CHOICES_SHOWN

    for number in range(CHOICES_SHOWN + 5):
        Pledge.objects.create(
            funder=world.funder_a,
            reference=f"BULK-{number}",
            amount=Money("100.00", "USD"),
            pledged_on=date(2026, 1, 5),
        )
    client.force_login(world.admin)
    client.get(URL, {"funder": world.funder_a.pk})  # warm the session
    with django_assert_num_queries(5):  # session, user, the funder chosen, the funders, the pledges offered
        response = client.get(URL, {"funder": world.funder_a.pk})
    assert len(offered(response)) == CHOICES_SHOWN


def test_a_pledge_of_another_funder_is_refused(client, world, pledge):
    client.force_login(world.admin)
    before = counts()
    response = client.post(URL, form_data(pledge, funder=world.funder_b.pk))
    (message,) = field_errors(response)["pledge"]
    assert "not" in message and world.funder_b.name in message
    assert counts() == before


def test_a_reversed_pledge_is_refused(client, world, pledge):
    actions.do_reverse_pledge(world.admin, record=pledge, reason="keyed twice")
    client.force_login(world.admin)
    before = counts()
    response = client.post(URL, form_data(pledge))
    (message,) = field_errors(response)["pledge"]
    assert "reversed" in message
    assert counts() == before


def test_a_pledge_that_has_arrived_in_full_is_refused(client, world, pledge):
    client.force_login(world.admin)
    before = counts()
    pa1 = Pledge.objects.get(reference="PA-1")
    response = client.post(URL, form_data(pa1, bank_reference="BANK-A-9"))
    (message,) = field_errors(response)["pledge"]
    assert "has arrived" in message
    assert counts() == before


def test_a_form_sent_without_a_funder_is_refused(client, world, pledge):
    client.force_login(world.admin)
    before = counts()
    data = form_data(pledge)
    del data["funder"]
    response = client.post(URL, data)
    assert "funder" in field_errors(response)
    assert counts() == before
