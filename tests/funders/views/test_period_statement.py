"""A funder's statement for a period: page, CSV and PDF, reconciled with the ledger at the period's boundaries.

The world is the shared small fund, plus a second pledge for funder A whose money arrived in September 2025 and was
sold for pounds in October: the third quarter of 2025 ends between that receipt and its conversion. Expected figures
come from the dashboard as of each boundary (built from the source tables, not the ledger) and from rates worked out
here from the stored ECB rows."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.db import transaction
from django.test import Client
from django.test.utils import override_settings
from djmoney.money import Money
from pypdf import PdfReader

from alignment_fund.money import format_money
from alignment_fund.rates.models import ExchangeRate
from alignment_fund.rates.storage import store
from grants import actions
from grants.models import Milestone
from grants.reads.funder_view import funder_dashboard
from grants.reads.periods import BadPeriod, parse_period, period_choices
from grants.reads.statement import funder_statement
from tests.conftest import shipped_rates
from tests.factories import UserFactory, build_world
from tests.funders.views.conftest import TODAY, value

QUARTERS = ["2025-Q3", "2025-Q4", "2026-Q1"]


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with (
        django_db_blocker.unblock(),
        override_settings(FUND_TODAY=TODAY.isoformat()),
        transaction.atomic(),
    ):
        store(shipped_rates(date(2025, 1, 1)), ExchangeRate.Source.ECB_HISTORY)
        world = build_world(UserFactory(username="statement-admin", is_staff=True, is_superuser=True))
        pledge = actions.do_record_pledge(
            world.admin,
            funder=world.funder_a,
            amount="500000.00",
            currency="USD",
            pledged_on=date(2025, 9, 1),
            reference="PA-2",
        )
        receipt = actions.do_record_receipt(
            world.admin,
            pledge=pledge,
            amount="400000.00",
            currency="USD",
            received_on=date(2025, 9, 22),
            bank_reference="BANK-A-2",
        )
        actions.do_record_conversion(
            world.admin,
            receipt=receipt,
            amount_sold="300000.00",
            gbp_credited="225000.00",
            converted_on=date(2025, 10, 8),
            bank_reference="FX-A-2",
        )
        milestone = Milestone.objects.create(
            award=world.award_a, number=1, title="Probes", due_on=date(2025, 12, 31), amount=Money("90000.00", "GBP")
        )
        actions.do_receive_milestone_report(world.admin, milestone=milestone, received_on=date(2025, 12, 20))
        actions.do_approve_milestone(world.admin, milestone=milestone, approved_on=date(2026, 1, 5))
        actions.do_record_disbursement(world.admin, milestone=milestone, paid_on=date(2026, 1, 30), reference="P-1")
        yield world
        transaction.set_rollback(True)


@pytest.fixture
def funder_a(world, db):
    return world.funder_a


def statement(funder, key: str):
    return funder_statement(funder, parse_period(key, TODAY), TODAY)


# Periods


@pytest.mark.parametrize(
    "text, start, end",
    [
        ("2025-Q3", date(2025, 7, 1), date(2025, 9, 30)),
        ("2025-q4", date(2025, 10, 1), date(2025, 12, 31)),
        ("2025", date(2025, 1, 1), date(2025, 12, 31)),
        ("2026", date(2026, 1, 1), TODAY),
        ("2026-Q1", date(2026, 1, 1), TODAY),
        ("all", None, TODAY),
        (None, None, TODAY),
    ],
)
def test_it_reads_quarters_years_and_since_the_start(text, start, end):
    period = parse_period(text, TODAY)
    assert (period.start, period.end) == (start, end)


@pytest.mark.parametrize("text", ["2026-Q5", "Q1", "26", "1999", "2026-Q2", "2027", "<script>"])
def test_it_refuses_periods_it_cannot_read_or_that_have_not_started(text):
    with pytest.raises(BadPeriod):
        parse_period(text, TODAY)


def test_its_menu_runs_from_the_first_pledge_to_today():
    keys = [key for key, _ in period_choices(date(2025, 7, 1), TODAY)]
    assert keys == ["2026", "2026-Q1", "2025", "2025-Q4", "2025-Q3", "all"]


# Reconciled at the boundaries


def figures(position) -> dict:
    return {
        "currencies": {
            row.currency: (row.pledged, row.received, row.outstanding, row.sold, row.credited, row.held)
            for row in position.currencies
        },
        "held": (position.held_gbp, position.held_usd),
        "awards": (position.attributed, position.paid, position.committed),
    }


def test_each_quarter_opens_where_the_one_before_closed(funder_a):
    statements = [statement(funder_a, key) for key in QUARTERS]
    for before, after in zip(statements, statements[1:], strict=False):
        assert after.opening.on == before.closing.on
        assert figures(after.opening) == figures(before.closing)
    year = statement(funder_a, "2025")
    assert figures(year.closing) == figures(statements[1].closing)
    assert year.receipts_gbp == statements[0].receipts_gbp + statements[1].receipts_gbp
    assert year.fx_difference_gbp == statements[0].fx_difference_gbp + statements[1].fx_difference_gbp


@pytest.mark.parametrize("key", [*QUARTERS, "2025", "all"])
def test_the_closing_position_is_the_dashboard_of_that_day(funder_a, key):
    closing = statement(funder_a, key).closing
    dashboard = funder_dashboard(funder_a, closing.on)
    for totals in dashboard.by_currency:
        row = closing.currency(totals.currency)
        assert (row.pledged, row.received, row.outstanding) == (totals.pledged, totals.received, totals.outstanding)
    sold = sum(c.amount_sold for r in dashboard.receipts for c in r.conversions)
    assert closing.currency("USD").sold == sold
    assert closing.gbp_credited == dashboard.converted_gbp == closing.currency("USD").credited
    assert closing.currency("USD").held == closing.currency("USD").received - sold
    assert closing.currency("GBP").held == dashboard.converted_gbp
    assert closing.attributed == dashboard.attributed.amount
    assert closing.paid == dashboard.attributed.disbursed
    assert closing.committed == dashboard.attributed.committed


def test_a_quarter_ending_between_a_receipt_and_its_conversion(funder_a):
    q3, q4 = statement(funder_a, "2025-Q3"), statement(funder_a, "2025-Q4")
    assert q3.closing.currency("USD").held == Decimal("1400000.00")  # 1M of the first receipt sold in August
    assert [c.bank_reference for c in q3.conversions] == ["FX-A-1"]
    (conversion,) = q4.conversions
    assert conversion.bank_reference == "FX-A-2" and conversion.received_on == date(2025, 9, 22)
    at_reference = value("300000.00", "USD", "GBP", date(2025, 9, 22))
    assert conversion.gbp_at_reference == at_reference
    assert conversion.fx_difference == Decimal("225000.00") - at_reference
    assert q4.receipts == ()
    assert q4.closing.currency("USD").held == Decimal("1100000.00")
    # The revaluation is what is left of the change in cash held once the conversion is accounted for.
    usd_held_value = {
        date_: value(held, "USD", "GBP", date_)
        for date_, held in [(date(2025, 9, 30), "1400000.00"), (date(2025, 12, 31), "1100000.00")]
    }
    assert q3.closing.held_gbp == usd_held_value[date(2025, 9, 30)] + Decimal("740000.00")
    assert q4.revaluation_gbp == (q4.closing.held_gbp - q3.closing.held_gbp - conversion.fx_difference)


@pytest.mark.parametrize("key", [*QUARTERS, "2025", "all"])
def test_the_reconciliation_adds_up(funder_a, key):
    s = statement(funder_a, key)
    assert (
        s.opening.balance_gbp + s.receipts_gbp + s.fx_difference_gbp + s.revaluation_gbp - s.awards_gbp
        == s.closing.balance_gbp
    )


def test_the_awards_and_payments_of_a_period_are_only_those_in_it(funder_a, world):
    q4, q1 = statement(funder_a, "2025-Q4"), statement(funder_a, "2026-Q1")
    (award,) = q4.awards
    assert award.reference == world.award_a.reference and award.paid == 0
    assert award.attributed == q4.awards_gbp > 0
    (payment,) = q1.awards
    assert payment.attributed == 0 and payment.paid == q1.paid_gbp > 0


# The page, the CSV and the PDF


@pytest.fixture
def contact_a(world, db):
    client = Client()
    client.force_login(world.contact_a)
    return client


def test_the_page_shows_the_statement_of_the_period_chosen(contact_a, funder_a):
    response = contact_a.get("/funder/statement/?period=2025-Q4")
    assert response.status_code == 200
    text = response.content.decode()
    s = statement(funder_a, "2025-Q4")
    assert "Q4 2025" in text and 'value="2025-Q4" selected' in text
    assert format_money(s.closing.balance_gbp, "GBP") in text
    assert format_money(s.conversions[0].fx_difference, "GBP") in text
    assert 'href="/funder/statement.pdf?period=2025-Q4"' in text


@pytest.mark.parametrize("url", ["/funder/statement/", "/funder/statement.csv", "/funder/statement.pdf"])
def test_a_bad_period_gets_a_clear_message_not_an_error(contact_a, url):
    response = contact_a.get(url + "?period=2025-Q9")
    assert response.status_code == 400
    assert "is not a period" in response.content.decode()


def test_the_csv_streams_the_period_with_its_reconciliation(contact_a, funder_a):
    response = contact_a.get("/funder/statement.csv?period=2025-Q4")
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="funder-a-statement-2025-Q4-2025-12-31.csv"' in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    by_record = {row["record"]: row for row in rows}
    s = statement(funder_a, "2025-Q4")
    assert by_record["opening cash held value"]["amount"] == f"{s.opening.held_gbp:.2f}"
    assert by_record["total balance"]["amount"] == f"{s.closing.balance_gbp:.2f}"
    assert by_record["reconciliation: fx difference"]["amount"] == f"{s.fx_difference_gbp:.2f}"
    (conversion,) = [row for row in rows if row["record"] == "conversion"]
    assert conversion["reference"] == "FX-A-2"
    assert Decimal(conversion["fx_difference_gbp"]) == s.conversions[0].fx_difference
    assert not [row for row in rows if row["record"] in ("receipt", "pledge")]


def test_the_old_address_still_gives_the_statement_since_the_start(contact_a, funder_a):
    response = contact_a.get("/funder/statement.csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0]["reference"] == "all"
    assert {row["reference"] for row in rows if row["record"] == "receipt"} == {"BANK-A-1", "BANK-A-2"}
    assert not [row for row in rows if row["record"].startswith("opening")]


def test_the_pdf_holds_the_same_figures(contact_a, funder_a):
    response = contact_a.get("/funder/statement.pdf?period=2025-Q4")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    s = statement(funder_a, "2025-Q4")
    assert "Open Funder A" in text and "Q4 2025" in text
    for figure in (s.closing.balance_gbp, s.opening.balance_gbp, s.conversions[0].fx_difference):
        assert format_money(figure, "GBP") in text


def test_administrators_open_any_funders_statement(world, db, funder_a):
    client = Client()
    client.force_login(world.admin)
    page = client.get(f"/portfolio/funders/{world.funder_b.pk}/statement/?period=all")
    assert page.status_code == 200 and world.funder_b.name in page.content.decode()
    response = client.get(f"/portfolio/funders/{funder_a.pk}/statement.csv?period=2025-Q4")
    assert response.status_code == 200 and response.streaming
