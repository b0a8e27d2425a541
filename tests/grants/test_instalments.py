"""Pledge instalments: entered with a pledge on every path (pages, back office, API, import), checked by the pledge
operation, counted in the payment calendar, and flagged when late: on the portfolio, and on the funder's own page
only."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.db import transaction
from django.test.utils import override_settings
from django.urls import reverse

from alignment_fund.rates.models import ExchangeRate
from alignment_fund.rates.storage import store
from alignment_fund.spreadsheets.reading import read_csv
from funders.models import Pledge, PledgeInstalment
from grants import actions
from grants.actions import ActionError
from grants.imports.pledges import import_pledges
from grants.reads.calendar import payment_calendar
from grants.reads.instalments import overdue_instalments
from tests.conftest import shipped_rates
from tests.factories import UserFactory, build_world

TODAY = date(2026, 2, 20)


def csv_table(rows):
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return read_csv(out.getvalue().encode())


@pytest.fixture(scope="module")
def fund(django_db_setup, django_db_blocker):
    with (
        django_db_blocker.unblock(),
        override_settings(
            FUND_TODAY=TODAY.isoformat(), PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]
        ),
        transaction.atomic(),
    ):
        store(shipped_rates(date(2025, 1, 1)), ExchangeRate.Source.ECB_HISTORY)
        yield build_world(UserFactory(username="alice-admin", is_staff=True, is_superuser=True))
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _fund_today(settings):
    settings.FUND_TODAY = TODAY.isoformat()


def pledge(fund, funder=None, amount="300000.00", currency="GBP", reference="PI-1", instalments=()):
    return actions.do_record_pledge(
        fund.admin,
        funder=funder or fund.funder_b,
        amount=amount,
        currency=currency,
        pledged_on=date(2026, 1, 5),
        reference=reference,
        instalments=list(instalments),
    )


def test_instalments_are_recorded_with_their_pledge(fund, db):
    p = pledge(fund, instalments=[(date(2026, 6, 30), "200000"), (date(2026, 3, 31), "100000.00")])
    assert [(i.expected_on, i.amount.amount, i.amount_currency) for i in p.instalments.all()] == [
        (date(2026, 3, 31), Decimal("100000.00"), "GBP"),
        (date(2026, 6, 30), Decimal("200000.00"), "GBP"),
    ]


@pytest.mark.parametrize(
    ("instalments", "message"),
    [
        ([(date(2026, 6, 30), "200000")], "add up to £200,000.00, not the £300,000.00 pledged"),
        ([(date(2025, 12, 31), "300000")], "before the pledge was made"),
        ([(date(2026, 6, 30), "150000"), (date(2026, 6, 30), "150000")], "same day"),
        ([(date(2026, 6, 30), "0"), (date(2026, 7, 30), "300000")], "more than zero"),
    ],
)
def test_instalments_that_do_not_fit_the_pledge_are_refused_and_nothing_is_written(fund, db, instalments, message):
    with pytest.raises(ActionError) as refused:
        pledge(fund, instalments=instalments)
    assert any(message in text for text in refused.value.message_dict["instalments"])
    assert not Pledge.objects.filter(reference="PI-1").exists()


def test_the_calendar_counts_expected_receipts_in_their_month(fund, db):
    before = payment_calendar(TODAY)
    assert before.expected_gbp == 0 and all(month.receipts_gbp == 0 for month in before.months)
    pledge(fund, instalments=[(date(2026, 1, 31), "100000"), (date(2026, 6, 30), "200000")])
    actions.do_record_receipt(
        fund.admin,
        pledge=Pledge.objects.get(reference="PI-1"),
        amount="40000",
        currency="GBP",
        received_on=date(2026, 2, 2),
        bank_reference="PI-BANK-1",
    )
    calendar = payment_calendar(TODAY)
    by_month = {month.month: month for month in calendar.months}
    # January's instalment is late: 60,000 of it is still to come, counted this month; June's in June.
    assert by_month[date(2026, 2, 1)].receipts_gbp == Decimal("60000.00")
    assert by_month[date(2026, 6, 1)].receipts_gbp == Decimal("200000.00")
    assert calendar.expected_gbp == Decimal("260000.00") and calendar.late_receipts_gbp == Decimal("60000.00")
    feb, jun = before.months[0], before.months[4]
    assert by_month[date(2026, 2, 1)].cash_after_gbp == feb.cash_after_gbp + Decimal("40000.00") + Decimal("60000.00")
    assert by_month[date(2026, 6, 1)].cash_after_gbp == jun.cash_after_gbp + Decimal("300000.00")


def test_foreign_instalments_count_only_toward_cash_once_converted(fund, db):
    pledge(fund, funder=fund.funder_a, currency="USD", amount="100000", instalments=[(date(2026, 4, 30), "100000")])
    calendar = payment_calendar(TODAY)
    april = next(m for m in calendar.months if m.month == date(2026, 4, 1))
    assert 0 < april.receipts_gbp < Decimal("100000")  # dollars valued in pounds at today's rate
    before_april = next(m for m in calendar.months if m.month == date(2026, 3, 1))
    assert april.cash_after_gbp == before_april.cash_after_gbp - april.payments_gbp  # not GBP cash
    assert april.cash_and_foreign_after_gbp - before_april.cash_and_foreign_after_gbp == april.receipts_gbp


def test_the_calendar_page_shows_expected_receipts(fund, db, client):
    pledge(fund, instalments=[(date(2026, 6, 30), "300000")])
    client.force_login(fund.admin)
    page = client.get(reverse("grants:calendar")).content.decode()
    assert 'data-testid="calendar-receipts-2026-06" data-value="300000.00"' in page.replace("\n", " ") or (
        'data-value="300000.00" data-testid="calendar-receipts-2026-06"' in page
    )


def test_a_late_instalment_is_flagged_on_the_portfolio_and_on_its_own_funders_page_only(fund, db, client):
    pledge(
        fund,
        funder=fund.funder_a,
        currency="USD",
        amount="50000",
        reference="PA-LATE",
        instalments=[(date(2026, 2, 1), "50000")],
    )
    assert [i.pledge_reference for i in overdue_instalments(TODAY)] == ["PA-LATE"]
    client.force_login(fund.admin)
    assert "PA-LATE" in client.get(reverse("grants:portfolio")).content.decode()
    client.force_login(fund.contact_a)
    own = client.get(reverse("funder:dashboard")).content.decode()
    assert 'data-testid="overdue-instalments"' in own and "PA-LATE" in own
    client.force_login(fund.contact_b)
    other = client.get(reverse("funder:dashboard")).content.decode()
    assert "PA-LATE" not in other and 'data-testid="overdue-instalments"' not in other


def test_the_pledge_page_takes_instalments(fund, db, client):
    client.force_login(fund.admin)
    form = {
        "funder": fund.funder_b.pk,
        "reference": "PI-PAGE",
        "amount": "300,000",
        "currency": "GBP",
        "pledged_on": "2026-01-05",
        "instalments-TOTAL_FORMS": "4",
        "instalments-INITIAL_FORMS": "0",
        "instalments-0-expected_on": "2026-03-31",
        "instalments-0-amount": "100,000",
        "instalments-1-expected_on": "2026-09-30",
        "instalments-1-amount": "150000",
    }
    refused = client.post(reverse("grants:record_pledge"), form)
    assert refused.status_code == 200 and "not the £300,000.00 pledged" in refused.content.decode()
    assert not Pledge.objects.filter(reference="PI-PAGE").exists()
    form["instalments-1-amount"] = "200000"
    assert client.post(reverse("grants:record_pledge"), form).status_code == 302
    assert Pledge.objects.get(reference="PI-PAGE").instalments.count() == 2


def test_the_back_office_takes_instalments_inline(fund, db, client):
    client.force_login(fund.admin)
    url = reverse("admin:funders_pledge_add")
    assert b"xpected instalments" in client.get(url).content
    form = {
        "reference": "PI-ADMIN",
        "funder": fund.funder_b.pk,
        "amount_0": "300000",
        "amount_1": "GBP",
        "pledged_on": "2026-01-05",
        "note": "",
        "instalments-TOTAL_FORMS": "2",
        "instalments-INITIAL_FORMS": "0",
        "instalments-MIN_NUM_FORMS": "0",
        "instalments-MAX_NUM_FORMS": "24",
        "instalments-0-expected_on": "2026-03-31",
        "instalments-0-amount": "100000",
        "instalments-1-expected_on": "2026-09-30",
        "instalments-1-amount": "100000",
    }
    refused = client.post(url, form)
    assert refused.status_code == 200 and "not the £300,000.00 pledged" in refused.content.decode()
    assert not Pledge.objects.filter(reference="PI-ADMIN").exists()
    form["instalments-1-amount"] = "200000"
    response = client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:3000]
    saved = Pledge.objects.get(reference="PI-ADMIN")
    assert [i.amount.amount for i in saved.instalments.all()] == [Decimal("100000.00"), Decimal("200000.00")]
    assert b"100,000.00" in client.get(reverse("admin:funders_pledge_change", args=[saved.pk])).content


def test_the_api_reads_and_writes_instalments(fund, db, client):
    client.force_login(fund.admin)
    body = {
        "funder": fund.funder_b.pk,
        "amount": {"amount": "300000.00", "currency": "GBP"},
        "pledged_on": "2026-01-05",
        "reference": "PI-API",
        "instalments": [
            {"expected_on": "2026-03-31", "amount": {"amount": "100000.00", "currency": "GBP"}},
            {"expected_on": "2026-09-30", "amount": {"amount": "100000.00", "currency": "USD"}},
        ],
    }
    refused = client.post("/api/pledges/", body, content_type="application/json")
    assert refused.status_code == 400 and "instalments" in refused.json()
    # A malformed instalment is named by its place in the list, one level deep, as the schema documents errors.
    malformed = {**body, "instalments": [body["instalments"][0], {"expected_on": "soon", "amount": "100000"}]}
    answer = client.post("/api/pledges/", malformed, content_type="application/json").json()
    assert set(answer) == {"instalments.1.expected_on", "instalments.1.amount"}
    assert all(isinstance(message, str) for messages in answer.values() for message in messages)
    body["instalments"][1]["amount"] = {"amount": "200000.00", "currency": "GBP"}
    created = client.post("/api/pledges/", body, content_type="application/json")
    assert created.status_code == 201, created.json()
    assert created.json()["instalments"] == body["instalments"]
    shown = client.get(f"/api/pledges/{created.json()['id']}/").json()
    assert shown["instalments"][0] == {
        "expected_on": "2026-03-31",
        "amount": {"amount": "100000.00", "currency": "GBP"},
    }


def test_the_import_takes_an_instalments_column(fund, db):
    header = ["funder", "pledge reference", "amount", "currency", "pledged on", "instalments"]
    good = [header, ["funder-b", "PI-CSV", "300000", "GBP", "2026-01-05", "2026-03-31 100,000; 2026-09-30 200000"]]
    report = import_pledges(csv_table(good), actor=fund.admin)
    assert not report.file_errors and all(not row.errors for row in report.rows)
    assert [i.expected_on for i in PledgeInstalment.objects.filter(pledge__reference="PI-CSV")] == [
        date(2026, 3, 31),
        date(2026, 9, 30),
    ]
    bad = [header, ["funder-b", "PI-CSV2", "300000", "GBP", "2026-01-05", "2026-03-31 100,000; soon"]]
    refused = import_pledges(csv_table(bad), actor=fund.admin)
    assert any(e.column == "instalments" and "soon" in e.message for row in refused.rows for e in row.errors)
    short = [header, ["funder-b", "PI-CSV3", "300000", "GBP", "2026-01-05", "2026-03-31 100000"]]
    refused = import_pledges(csv_table(short), actor=fund.admin)
    assert not Pledge.objects.filter(reference__in=["PI-CSV2", "PI-CSV3"]).exists()
    assert any(e.column == "instalments" and "pledged" in e.message for row in refused.rows for e in row.errors)
