"""/portfolio/receipts/new/: record money that arrived against a pledge."""

from datetime import date

import pytest
from django.urls import reverse

from funders.models import Receipt
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
