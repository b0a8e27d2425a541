import csv
import io
from collections import defaultdict
from datetime import date
from decimal import Decimal

import pytest
from djmoney.money import Money

from grants import actions
from grants.models import AwardAttribution, Milestone
from tests.funders.views.conftest import rate, renderings, value

URL = "/funder/statement.csv"


def _rows(client, user) -> list[dict[str, str]]:
    client.force_login(user)
    response = client.get(URL)
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_it_sends_anonymous_visitors_to_sign_in(client, world):
    assert client.get(URL).status_code == 302


@pytest.mark.parametrize("who", ["outsider", "researcher_a", "admin"])
def test_it_answers_404_to_anyone_who_is_not_a_funders_contact(client, world, who):
    client.force_login(getattr(world, who))
    assert client.get(URL).status_code == 404


def test_it_downloads_as_a_dated_csv_file_named_for_the_funder(client, world):
    client.force_login(world.contact_a)
    response = client.get(URL)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="funder-a-statement-2026-02-20.csv"'


def test_every_amount_has_its_currency_and_every_conversion_its_rate_date_and_source(client, world):
    rows = _rows(client, world.contact_a)
    for row in rows:
        if row["amount"]:
            assert row["currency"] in {"GBP", "USD"}, row
        if row["gbp_then"] and row["currency"] != "GBP" and not row["record"].startswith("total"):
            assert row["gbp_rate_then"] and row["rate_date_then"] and row["rate_source"], row
    (pledge,) = [r for r in rows if r["record"] == "pledge"]
    assert (pledge["date"], pledge["amount"], pledge["currency"]) == ("2025-07-01", "2000000.00", "USD")
    assert Decimal(pledge["gbp_then"]) == value("2000000.00", "USD", "GBP", date(2025, 7, 1))
    assert Decimal(pledge["gbp_rate_then"]) == rate("USD", "GBP", date(2025, 7, 1))
    assert pledge["rate_date_then"] == "2025-07-01"
    assert Decimal(pledge["gbp_today"]) == value("2000000.00", "USD", "GBP")
    assert "ECB reference" in pledge["rate_source"]
    (conversion,) = [r for r in rows if r["record"] == "conversion"]
    assert (conversion["amount"], conversion["currency"], conversion["gbp_then"]) == ("1000000.00", "USD", "740000.00")
    assert conversion["gbp_rate_then"] == "0.74"
    assert "dealt by the bank" in conversion["rate_source"]


def test_its_totals_match_its_rows_and_the_fixed_attribution(client, world):
    milestone = Milestone.objects.create(
        award=world.award_a, number=1, title="Inception", due_on=date(2025, 12, 31), amount=Money("60000.00", "GBP")
    )
    actions.do_receive_milestone_report(world.admin, milestone=milestone, received_on=date(2025, 12, 20))
    actions.do_approve_milestone(world.admin, milestone=milestone, approved_on=date(2026, 1, 5))
    actions.do_record_disbursement(world.admin, milestone=milestone, paid_on=date(2026, 1, 30), reference="PAY-1")

    rows = _rows(client, world.contact_a)
    sums: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    totals: dict[tuple[str, str], Decimal] = {}
    for row in rows:
        if row["record"].startswith("total "):
            totals[(row["record"].removeprefix("total "), row["currency"])] = Decimal(row["amount"])
        elif row["amount"]:
            sums[(row["record"].removeprefix("attributed ").replace("award", "attributed"), row["currency"])] += (
                Decimal(row["amount"])
            )
    assert totals[("pledged", "USD")] == sums[("pledge", "USD")] == Decimal("2000000.00")
    assert totals[("received", "USD")] == sums[("receipt", "USD")] == Decimal("2000000.00")
    assert totals[("converted", "USD")] == sums[("conversion", "USD")] == Decimal("1000000.00")
    attributed = sum(a.amount.amount for a in AwardAttribution.objects.filter(funder=world.funder_a))
    assert totals[("attributed", "GBP")] == sums[("attributed", "GBP")] == attributed
    assert totals[("attributed payments", "GBP")] == sums[("payments", "GBP")] > 0
    assert totals[("attributed committed", "GBP")] == sums[("committed", "GBP")]
    assert totals[("attributed payments", "GBP")] + totals[("attributed committed", "GBP")] == attributed


def test_it_never_holds_another_funders_name_or_figures(client, world):
    client.force_login(world.contact_a)
    text = b"".join(client.get(URL).streaming_content).decode()
    b_attributed = [a.amount.amount for a in AwardAttribution.objects.filter(funder=world.funder_b)]
    assert "Quiet Funder B" not in text
    for secret in [Decimal("1234567.89"), value("1234567.89", "GBP", "USD"), *b_attributed, sum(b_attributed)]:
        for rendering in renderings(secret):
            assert rendering not in text, f"{rendering} (from {secret}) is in funder A's statement"
    assert "BANK-B-1" not in text and "PB-1" not in text
