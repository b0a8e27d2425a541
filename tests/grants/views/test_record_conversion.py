"""/portfolio/conversions/new/: record foreign cash sold for pounds."""

from decimal import Decimal

import pytest
from django.urls import reverse

from funders.models import Conversion
from grants.models import LedgerTransaction
from tests.grants.views.conftest import field_errors

URL = reverse("grants:record_conversion")


def form_data(world, **changes):
    data = {
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
    response = client.post(URL, form_data(world, receipt=world.receipt_b.pk, currency="GBP"))
    assert response.status_code == 200
    assert "receipt" in field_errors(response)
    assert counts() == before
