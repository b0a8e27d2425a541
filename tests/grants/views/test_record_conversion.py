"""/portfolio/conversions/new/: record foreign cash sold for pounds."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from funders.models import Conversion
from grants.models import LedgerTransaction
from tests.grants.views.conftest import field_errors

URL = reverse("grants:record_conversion")


def form_data(world, **changes):
    data = {
        "funder": world.funder_a.pk,
        "receipt": world.receipt_a.pk,  # $2,000,000.00 received, $1,000,000.00 of it still in dollars
        "amount_sold": "400,000.00",
        "currency": "USD",
        "gbp_credited": "298,765.43",
        "converted_on": "2026-02-19",
        "bank_reference": "FX-A-2",
    }
    data.update(changes)
    return data


def counts():
    return Conversion.objects.count(), LedgerTransaction.objects.count()


def test_a_link_from_a_receipt_fills_in_what_is_unconverted(client, world):
    client.force_login(world.admin)
    form = client.get(URL, {"receipt": world.receipt_a.pk}).context["form"]
    assert str(form["amount_sold"].value()) == "1000000.00"


def test_it_records_a_conversion_at_the_dealt_rate(client, world):
    client.force_login(world.admin)
    before = counts()
    response = client.post(URL, form_data(world))
    assert response.status_code == 302 and response.url == reverse("grants:portfolio")
    assert counts() == (before[0] + 1, before[1] + 1)
    conversion = Conversion.objects.get(bank_reference="FX-A-2")
    assert conversion.gbp_credited.amount == Decimal("298765.43")
    assert conversion.dealt_rate == Decimal("0.7469135750")
    assert LedgerTransaction.objects.filter(key=f"conversion:{conversion.pk}").exists()


@pytest.mark.parametrize(
    ("field", "bad"),
    [
        ("amount_sold", "lots"),
        ("amount_sold", "1000000.01"),  # more than is unconverted
        ("currency", "EUR"),  # the receipt is in dollars
        ("gbp_credited", "£abc"),
        ("gbp_credited", ""),
        ("converted_on", "2025-07-31"),  # before the money arrived
        ("converted_on", "2026-02-30"),
        ("bank_reference", "FX-A-1"),  # already recorded
    ],
)
def test_bad_input_answers_with_a_field_error_and_writes_nothing(client, world, field, bad):
    client.force_login(world.admin)
    before = counts()
    response = client.post(URL, form_data(world, **{field: bad}))
    assert response.status_code == 200
    assert field in field_errors(response)
    assert counts() == before


def test_a_receipt_in_pounds_cannot_be_chosen(client, world):
    client.force_login(world.admin)
    before = counts()
    response = client.post(URL, form_data(world, receipt=world.receipt_b.pk, funder=world.funder_b.pk, currency="GBP"))
    assert response.status_code == 200
    assert "receipt" in field_errors(response)
    assert counts() == before


def offered(response) -> list[str]:
    return [label for value, label in response.context["form"].fields["receipt"].choices if value]


def test_choosing_a_funder_offers_only_its_receipts_with_foreign_cash_unconverted(client, world):
    client.force_login(world.admin)
    labels = offered(client.get(URL, {"funder": world.funder_a.pk}))
    assert len(labels) == 1 and labels[0].startswith("BANK-A-1") and "$1,000,000.00 unconverted" in labels[0]
    assert offered(client.get(URL, {"funder": world.funder_b.pk})) == []  # B's receipt is in pounds
    assert offered(client.get(URL)) == []


def test_a_receipt_of_another_funder_is_refused(client, world):
    client.force_login(world.admin)
    before = counts()
    response = client.post(URL, form_data(world, funder=world.funder_b.pk))
    (message,) = field_errors(response)["receipt"]
    assert "not" in message and world.funder_b.name in message
    assert counts() == before


def test_a_reversed_receipt_is_refused(client, world):
    from funders.models import Receipt

    receipt = Receipt.objects.create(
        pledge=world.receipt_a.pledge,
        amount=world.receipt_a.amount,
        received_on=world.receipt_a.received_on,
        bank_reference="BANK-A-REVERSED",
    )
    Receipt.objects.filter(pk=receipt.pk).update(reversed_at=timezone.now(), reversal_reason="keyed twice")
    client.force_login(world.admin)
    before = counts()
    response = client.post(URL, form_data(world, receipt=receipt.pk))
    (message,) = field_errors(response)["receipt"]
    assert "reversed" in message
    assert counts() == before
