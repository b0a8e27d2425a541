"""Pledges, receipts and conversions in the back office: added through the operations, append-only afterwards, and
the pledge list valued in pounds at each pledge's date."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from djmoney.money import Money

from alignment_fund.rates.models import RateBook
from alignment_fund.templatetags.money import format_money, rate
from funders.models import Conversion, Pledge, Receipt
from grants.models import LedgerLine, LedgerTransaction
from tests.factories import FunderFactory

PLEDGE_ADD = reverse("admin:funders_pledge_add")
PLEDGE_LIST = reverse("admin:funders_pledge_changelist")
RECEIPT_ADD = reverse("admin:funders_receipt_add")
CONVERSION_ADD = reverse("admin:funders_conversion_add")


@pytest.fixture
def back_office(client, admin_user):
    client.force_login(admin_user)
    return client


def management_forms(response) -> dict:
    """The inline formsets' management data a browser would post back with a change form."""
    data = {}
    for inline in response.context["inline_admin_formsets"]:
        form = inline.formset.management_form
        data.update({form[name].html_name: form[name].value() for name in form.fields})
    return data


def _ledger_size() -> tuple[int, int]:
    return LedgerTransaction.objects.count(), LedgerLine.objects.count()


def _expected_gbp_value(amount: str, currency: str, on: date) -> str:
    quote = RateBook.load().quote(currency, "GBP", on)
    return f"{format_money(quote.convert(Decimal(amount)), 'GBP')} at {rate(quote)}"


# Adding a pledge


def test_a_pledge_added_in_the_admin_posts_one_ledger_transaction(back_office, world):
    transactions, lines = _ledger_size()
    response = back_office.post(
        PLEDGE_ADD,
        {
            "reference": "PA-2",
            "funder": world.funder_a.pk,
            "amount_0": "7500000.00",
            "amount_1": "USD",
            "pledged_on": "2026-02-19",
            "note": "Administered by Renaissance Philanthropy",
        },
    )
    assert response.status_code == 302
    pledge = Pledge.objects.get(reference="PA-2")
    assert pledge.amount == Money("7500000.00", "USD")
    assert pledge.recorded_by == world.admin
    assert LedgerTransaction.objects.count() == transactions + 1
    assert LedgerLine.objects.count() == lines + 2
    posted = LedgerTransaction.objects.get(key=f"pledge:{pledge.pk}")
    assert posted.kind == LedgerTransaction.Kind.PLEDGE
    assert posted.posted_by == world.admin
    assert sorted(line.amount.amount for line in posted.lines.all()) == [Decimal("-7500000.00"), Decimal("7500000.00")]


def test_it_refuses_a_pledge_with_a_reference_already_used_and_writes_nothing(back_office, world):
    before = _ledger_size()
    response = back_office.post(
        PLEDGE_ADD,
        {
            "reference": "PA-1",
            "funder": world.funder_a.pk,
            "amount_0": "10.00",
            "amount_1": "USD",
            "pledged_on": "2026-02-19",
        },
    )
    assert response.status_code == 200
    assert "A pledge with reference PA-1 is already recorded." in response.text
    assert Pledge.objects.count() == 2
    assert _ledger_size() == before


@pytest.mark.parametrize("amount", ["0.00", "-5.00"])
def test_it_refuses_a_pledge_of_nothing(back_office, world, amount):
    before = _ledger_size()
    response = back_office.post(
        PLEDGE_ADD,
        {
            "reference": "PA-9",
            "funder": world.funder_a.pk,
            "amount_0": amount,
            "amount_1": "USD",
            "pledged_on": "2026-02-19",
        },
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert not Pledge.objects.filter(reference="PA-9").exists()
    assert _ledger_size() == before


def test_a_posted_pledge_keeps_its_amount_and_date_but_its_note_can_change(back_office, world):
    url = reverse("admin:funders_pledge_change", args=[world.pledge_a.pk])
    response = back_office.post(
        url,
        {
            **management_forms(back_office.get(url)),
            "amount_0": "1.00",
            "amount_1": "GBP",
            "pledged_on": "2020-01-01",
            "reference": "CHANGED",
            "illustrative": "on",
            "note": "Public figure",
        },
    )
    assert response.status_code == 302
    world.pledge_a.refresh_from_db()
    assert world.pledge_a.amount == Money("2000000.00", "USD")
    assert world.pledge_a.pledged_on == date(2025, 7, 1)
    assert world.pledge_a.reference == "PA-1"
    assert world.pledge_a.note == "Public figure"
    assert world.pledge_a.illustrative is True


def test_posted_money_cannot_be_deleted_in_the_admin(back_office, world):
    for name, obj in [
        ("pledge", world.pledge_a),
        ("receipt", world.receipt_a),
        ("conversion", Conversion.objects.first()),
    ]:
        assert back_office.get(reverse(f"admin:funders_{name}_delete", args=[obj.pk])).status_code == 403
        response = back_office.get(reverse(f"admin:funders_{name}_changelist"))
        assert "delete_selected" not in response.text


# The pledge list in pounds


def test_the_pledge_list_shows_each_pledges_gbp_value_with_the_rate_and_source(back_office, world):
    openai_like = FunderFactory(name="Lab Funder", slug="lab", currency="USD")
    back_office.post(
        PLEDGE_ADD,
        {
            "reference": "OA-1",
            "funder": openai_like.pk,
            "amount_0": "7500000.00",
            "amount_1": "USD",
            "pledged_on": "2026-02-19",
        },
    )
    response = back_office.get(PLEDGE_LIST)
    assert response.status_code == 200
    expected = _expected_gbp_value("7500000.00", "USD", date(2026, 2, 19))
    assert expected in response.text
    assert expected.startswith("£5,")
    assert "ECB reference (history file), 19 Feb 2026)" in expected
    assert _expected_gbp_value("2000000.00", "USD", date(2025, 7, 1)) in response.text
    assert "£1,234,567.89 (in pounds)" in response.text


def test_the_pledge_page_shows_the_same_gbp_value(back_office, world):
    response = back_office.get(reverse("admin:funders_pledge_change", args=[world.pledge_a.pk]))
    assert _expected_gbp_value("2000000.00", "USD", date(2025, 7, 1)) in response.text


def test_the_pledge_list_says_when_no_rate_is_known(back_office, world, admin_user):
    # The operations refuse money dated before the stored rates; rates removed later (a wrong history reloaded, say)
    # leave the list saying so rather than failing.
    from alignment_fund.rates.models import ExchangeRate

    ExchangeRate.objects.filter(currency="USD", rate_date__lte=date(2025, 7, 1)).delete()
    response = back_office.get(PLEDGE_LIST)
    assert "no rate on or before 1 Jul 2025" in response.text


@pytest.mark.parametrize("extra_pledges", [5, 25])
def test_the_pledge_list_costs_the_same_queries_however_many_pledges(
    back_office, world, admin_user, django_assert_max_num_queries, extra_pledges
):
    from grants import actions

    for n in range(extra_pledges):
        currency = ["USD", "EUR", "CAD", "AUD", "GBP"][n % 5]
        actions.do_record_pledge(
            admin_user,
            funder=world.funder_a,
            amount=f"{1000 + n}.00",
            currency=currency,
            pledged_on=date(2025, 3, 1 + n % 28),
            reference=f"BULK-{n}",
        )
    with django_assert_max_num_queries(11):
        response = back_office.get(PLEDGE_LIST)
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 2 + extra_pledges


# Receipts and conversions


def test_a_receipt_added_in_the_admin_posts_its_ledger_transaction(back_office, world, admin_user):
    from grants import actions

    pledge = actions.do_record_pledge(
        admin_user,
        funder=world.funder_a,
        amount="500.00",
        currency="EUR",
        pledged_on=date(2025, 9, 1),
        reference="PE-1",
    )
    before, _ = _ledger_size()
    response = back_office.post(
        RECEIPT_ADD,
        {
            "pledge": pledge.pk,
            "amount_0": "200.00",
            "amount_1": "EUR",
            "received_on": "2025-09-10",
            "bank_reference": "B-E-1",
        },
    )
    assert response.status_code == 302
    receipt = Receipt.objects.get(bank_reference="B-E-1")
    assert LedgerTransaction.objects.get(key=f"receipt:{receipt.pk}").kind == LedgerTransaction.Kind.RECEIPT
    assert LedgerTransaction.objects.count() == before + 1


def test_it_refuses_a_receipt_for_more_than_is_still_to_arrive(back_office, world):
    before = _ledger_size()
    response = back_office.post(
        RECEIPT_ADD,
        {
            "pledge": world.pledge_b.pk,
            "amount_0": "1.00",
            "amount_1": "GBP",
            "received_on": "2025-09-10",
            "bank_reference": "B-X",
        },
    )
    assert response.status_code == 200
    assert "Only £0.00 of this pledge is still to arrive." in response.text
    assert not Receipt.objects.filter(bank_reference="B-X").exists()
    assert _ledger_size() == before


def test_it_refuses_a_receipt_in_another_currency_than_the_pledge(back_office, world):
    response = back_office.post(
        RECEIPT_ADD,
        {
            "pledge": world.pledge_a.pk,
            "amount_0": "1.00",
            "amount_1": "EUR",
            "received_on": "2025-09-10",
            "bank_reference": "B-Y",
        },
    )
    assert response.status_code == 200
    assert "This pledge is in USD: record the receipt in that currency." in response.text
    assert not Receipt.objects.filter(bank_reference="B-Y").exists()


def test_a_conversion_added_in_the_admin_posts_its_ledger_transaction(back_office, world):
    response = back_office.post(
        CONVERSION_ADD,
        {
            "receipt": world.receipt_a.pk,
            "amount_sold_0": "500000.00",
            "amount_sold_1": "USD",
            "gbp_credited_0": "371000.00",
            "gbp_credited_1": "GBP",
            "converted_on": "2025-09-01",
            "bank_reference": "FX-A-2",
        },
    )
    assert response.status_code == 302
    conversion = Conversion.objects.get(bank_reference="FX-A-2")
    assert conversion.dealt_rate == Decimal("0.742")
    assert LedgerTransaction.objects.filter(key=f"conversion:{conversion.pk}").exists()


def test_it_refuses_to_convert_more_than_is_unconverted(back_office, world):
    before = _ledger_size()
    response = back_office.post(
        CONVERSION_ADD,
        {
            "receipt": world.receipt_a.pk,
            "amount_sold_0": "1000000.01",
            "amount_sold_1": "USD",
            "gbp_credited_0": "740000.00",
            "gbp_credited_1": "GBP",
            "converted_on": "2025-09-01",
            "bank_reference": "FX-A-3",
        },
    )
    assert response.status_code == 200
    assert "1,000,000.00 of this receipt is unconverted." in response.text
    assert _ledger_size() == before


def test_the_conversion_list_shows_the_dealt_and_the_reference_rate(back_office, world):
    response = back_office.get(reverse("admin:funders_conversion_changelist"))
    assert "1 USD = £0.7400" in response.text
    quote = RateBook.load().quote("USD", "GBP", date(2025, 8, 15))
    assert rate(quote) in response.text


@pytest.mark.parametrize(
    ("url", "field", "listed"), [(RECEIPT_ADD, "pledge", "PA-1"), (CONVERSION_ADD, "receipt", "BANK-A-1")]
)
def test_the_add_pages_search_for_the_pledge_or_receipt_rather_than_list_every_one(
    back_office, world, url, field, listed
):
    response = back_office.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "admin-autocomplete" in html and f'name="{field}"' in html
    assert listed not in html  # an option appears only once chosen
    model = "receipt" if field == "pledge" else "conversion"
    found = back_office.get(
        "/admin/autocomplete/",
        {"app_label": "funders", "model_name": model, "field_name": field, "term": listed[:4]},
    ).json()
    expected = world.receipt_a.pledge_id if field == "pledge" else world.receipt_a.pk
    assert str(expected) in [result["id"] for result in found["results"]]
