"""/portfolio/exports/ledger.csv: the whole ledger for auditors, administrators only."""

import csv
import io
from collections import defaultdict
from decimal import Decimal

from django.urls import reverse

from grants.models import LedgerLine

URL = reverse("grants:export_ledger")


def test_it_lists_every_line_and_each_posting_balances_per_currency(client, world):
    client.force_login(world.admin)
    response = client.get(URL)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="alignment-fund-ledger-')
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == LedgerLine.objects.count()
    balance = defaultdict(Decimal)
    for row in rows:
        balance[(row["key"], row["currency"])] += Decimal(row["amount"])
    assert set(balance.values()) == {Decimal("0.00")}
    assert {row["key"] for row in rows} >= {f"award:{world.award_a.pk}", f"receipt:{world.receipt_a.pk}"}


def test_it_is_not_for_funders_or_researchers(client, world):
    for user in [world.contact_a, world.researcher_a]:
        client.force_login(user)
        assert client.get(URL).status_code == 404


def test_the_portfolio_links_the_exports(client, world):
    client.force_login(world.admin)
    page = client.get(reverse("grants:portfolio")).content.decode()
    for name in ["export_360giving_json", "export_360giving_csv", "export_ledger"]:
        assert f'href="{reverse(f"grants:{name}")}"' in page
