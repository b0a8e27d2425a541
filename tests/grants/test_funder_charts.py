"""The funder dashboard's contributions chart: a row a month, whatever the number of pledges and receipts."""

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

from grants.reads.funder_charts import ContributionMonth, contributions


def pledge(on, amount, currency="USD", gbp=None):
    at = SimpleNamespace(gbp=Decimal(gbp)) if gbp is not None else None
    return SimpleNamespace(pledged_on=on, amount=Decimal(amount), currency=currency, at_pledge=at)


def receipt(on, amount, currency="USD", gbp=None):
    at = SimpleNamespace(gbp=Decimal(gbp)) if gbp is not None else None
    return SimpleNamespace(received_on=on, amount=Decimal(amount), currency=currency, at_receipt=at)


def test_pledges_and_receipts_are_added_up_by_month_with_running_totals():
    months = contributions(
        [pledge(date(2025, 7, 1), "1000.00"), pledge(date(2025, 7, 20), "500.00"), pledge(date(2025, 9, 2), "1.00")],
        [receipt(date(2025, 7, 25), "400.00"), receipt(date(2025, 9, 30), "600.00")],
        "USD",
    )
    assert months == (
        ContributionMonth(
            date(2025, 7, 1),
            date(2025, 7, 25),
            2,
            1,
            Decimal("1500.00"),
            Decimal("400.00"),
            Decimal("1500.00"),
            Decimal("400.00"),
        ),
        ContributionMonth(
            date(2025, 9, 1),
            date(2025, 9, 30),
            1,
            1,
            Decimal("1.00"),
            Decimal("600.00"),
            Decimal("1501.00"),
            Decimal("1000.00"),
        ),
    )


def test_in_pounds_each_event_counts_at_its_own_days_value_and_one_without_a_rate_leaves_the_totals_unknown():
    months = contributions(
        [pledge(date(2025, 7, 1), "1000.00", "USD", gbp="750.00"), pledge(date(2025, 8, 1), "10.00", "EUR")],
        [receipt(date(2025, 7, 2), "1000.00", "USD", gbp="745.10")],
        "GBP",
    )
    july, august = months
    assert (july.pledged, july.received, july.cumulative_pledged) == (
        Decimal("750.00"),
        Decimal("745.10"),
        Decimal("750.00"),
    )
    assert august.pledged is None and august.cumulative_pledged is None
    assert august.cumulative_received == Decimal("745.10")


def test_no_pledges_no_months():
    assert contributions([], [], "GBP") == ()
