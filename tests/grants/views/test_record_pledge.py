"""/portfolio/pledges/new/: record a funder's pledge."""

import pytest
from django.urls import reverse

from funders.models import Pledge
from grants.models import LedgerTransaction
from tests.grants.views.conftest import TODAY, field_errors

URL = reverse("grants:record_pledge")


def form_data(world, **changes):
    data = {
        "funder": world.funder_a.pk,
        "reference": "PA-9",
        "amount": "1,250,000.00",
        "currency": "USD",
        "pledged_on": "2026-02-19",
        "restricted_to_round": "",
        "restricted_to_area": "",
        "note": "",
    }
    data.update(changes)
    return data


def counts():
    return Pledge.objects.count(), LedgerTransaction.objects.count()


def test_the_form_defaults_to_the_funds_today(client, world):
    client.force_login(world.admin)
    response = client.get(URL)
    assert response.status_code == 200
    assert response.context["form"]["pledged_on"].value() == TODAY


def test_it_records_a_pledge_and_its_ledger_entry(client, world):
    client.force_login(world.admin)
    before = counts()
    response = client.post(URL, form_data(world))
    assert response.status_code == 302 and response.url == reverse("grants:portfolio")
    assert counts() == (before[0] + 1, before[1] + 1)
    pledge = Pledge.objects.get(reference="PA-9")
    assert str(pledge.amount.amount) == "1250000.00" and pledge.amount_currency == "USD"
    assert LedgerTransaction.objects.filter(key=f"pledge:{pledge.pk}").exists()
    messages = [str(m) for m in client.get(response.url).context["messages"]]
    assert messages == ["Pledge PA-9 from Open Funder A recorded: $1,250,000.00."]


@pytest.mark.parametrize(
    ("field", "bad"),
    [
        ("amount", "12abc"),
        ("amount", "-5"),
        ("amount", "0"),
        ("amount", "1.005"),
        ("amount", "1e400"),
        ("amount", "1234567890123.00"),
        ("currency", "XYZ"),
        ("pledged_on", "2026-13-45"),
        ("pledged_on", "yesterday"),
        ("funder", "99999"),
        ("funder", "not-an-id"),
        ("reference", ""),
        ("restricted_to_round", "99999"),
    ],
)
def test_bad_input_answers_with_a_field_error_and_writes_nothing(client, world, field, bad):
    client.force_login(world.admin)
    before = counts()
    response = client.post(URL, form_data(world, **{field: bad}))
    assert response.status_code == 200
    assert field in field_errors(response)
    assert counts() == before


def test_a_reference_already_used_is_refused_on_its_field(client, world):
    client.force_login(world.admin)
    before = counts()
    response = client.post(URL, form_data(world, reference="PA-1"))
    assert response.status_code == 200
    assert "reference" in field_errors(response)
    assert counts() == before


def test_missing_fields_are_all_reported(client, world):
    client.force_login(world.admin)
    response = client.post(URL, {})
    assert response.status_code == 200
    assert {"funder", "reference", "amount", "pledged_on", "currency"} <= set(field_errors(response))
