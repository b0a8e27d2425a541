"""The differencing attack on the demo fund, as the reviewer described it.

Microsoft keeps its amounts private. It is the only funder to pledge on 20 Feb 2026 and the only one to pay anything
on 15 Apr 2026. OpenAI's contact looks at the pool the day before and the day itself, through the API and on the
dashboard: every money figure must be OpenAI's own or disclosed funders' money at that day's reference rates
(worked out here from the stored ECB rows, not through the code under test), and award figures must not move.
"""

from __future__ import annotations

import io
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.core.management import call_command
from django.db.models import Q, Sum

from funders.models import Funder, Pledge, Receipt
from grants.models import Award, Disbursement
from tests.funders.views.conftest import renderings, value

# (the day before, the day Microsoft's money moved)
PAIRS = [(date(2026, 2, 19), date(2026, 2, 20)), (date(2026, 4, 14), date(2026, 4, 15))]
AWARD_FIGURES = ("awarded", "committed", "disbursed", "award_count", "rounds", "research_areas")


@pytest.fixture
def demo(db, settings, monkeypatch):
    settings.FUND_TODAY = "2026-10-30"
    monkeypatch.setenv("DEMO_PASSWORD", "demo-Password-1")
    call_command("seed_demo", quiet=True, stdout=io.StringIO())
    from alignment_fund.models import User

    return {name: User.objects.get(username=name) for name in ("openai", "admin")}


def counted_gbp(rows, on: date, into: str = "GBP") -> Decimal:
    """Totals per currency of the given rows' amounts, each valued once, directly, at the reference rate of `on`."""
    by_currency = rows.values_list("amount_currency").annotate(t=Sum("amount")).order_by()
    return sum((value(t, currency, into, on) for currency, t in by_currency), Decimal("0.00"))


def in_pounds(pool: dict):
    """The pool's award figures with their dollar values dropped."""

    def strip(item):
        if isinstance(item, dict):
            return {k: strip(v) for k, v in item.items() if k != "usd"}
        if isinstance(item, list):
            return [strip(v) for v in item]
        return item

    return strip({k: pool[k] for k in AWARD_FIGURES})


def test_microsofts_pledge_and_receipt_cannot_be_read_off_openais_pool_by_comparing_days(
    demo, client_for, client, settings
):
    openai = Funder.objects.get(slug="openai")
    microsoft = Funder.objects.get(name="Microsoft")
    assert not microsoft.disclose_amounts
    counted = Q(funder__disclose_amounts=True) | Q(funder=openai)
    api = client_for(demo["openai"])
    admin = client_for(demo["admin"])
    client.force_login(demo["openai"])

    for before, on in PAIRS:
        # The demo has the shape of the attack: nothing but Microsoft's money moves on the day.
        assert not Award.objects.filter(awarded_on=on).exists()
        assert not Disbursement.objects.filter(paid_on=on).exists()
        assert {p.funder_id for p in Pledge.objects.filter(pledged_on=on)} <= {microsoft.pk}
        assert {r.pledge.funder_id for r in Receipt.objects.filter(received_on=on).select_related("pledge")} <= {
            microsoft.pk
        }
        pools = {day: api.get("/api/pool/", {"on": day.isoformat()}).json() for day in (before, on)}
        for day, pool in pools.items():
            pledged = counted_gbp(Pledge.objects.filter(counted, pledged_on__lte=day), day)
            received = counted_gbp(
                Receipt.objects.filter(Q(pledge__in=Pledge.objects.filter(counted)), received_on__lte=day), day
            )
            assert pool["pledged"]["gbp"]["amount"] == f"{pledged:.2f}", day
            assert pool["received"]["gbp"]["amount"] == f"{received:.2f}", day
            # Dollars the one way every figure is made: each currency converted directly, then added.
            pledged_usd = counted_gbp(Pledge.objects.filter(counted, pledged_on__lte=day), day, into="USD")
            assert pool["pledged"]["usd"]["amount"] == f"{pledged_usd:.2f}", day
            assert "value" not in pool and "headroom" not in pool
            awarded = Decimal(pool["awarded"]["gbp"]["amount"])
            assert pool["awarded"]["usd"]["amount"] == f"{value(awarded, 'GBP', 'USD', day):.2f}"

            # What the administrators see differs by exactly Microsoft's money; none of it reaches OpenAI's contact.
            full = admin.get("/api/pool/", {"on": day.isoformat()}).json()
            private = {
                "pledged": counted_gbp(Pledge.objects.filter(funder=microsoft, pledged_on__lte=day), day),
                "received": counted_gbp(Receipt.objects.filter(pledge__funder=microsoft, received_on__lte=day), day),
            }
            assert Decimal(full["pledged"]["gbp"]["amount"]) - pledged == private["pledged"]
            assert Decimal(full["received"]["gbp"]["amount"]) - received == private["received"]
            secrets = [Decimal(full[k]["gbp"]["amount"]) for k in ("value", "headroom")]
            for figure, amount in private.items():
                if amount:
                    secrets += [amount, Decimal(full[figure]["gbp"]["amount"])]

            settings.FUND_TODAY = day.isoformat()
            response = client.get("/funder/")
            dashboard = response.context["dashboard"]
            assert (dashboard.pool.pledged.gbp, dashboard.pool.received.gbp) == (pledged, received)
            assert dashboard.share_of_pledged == (dashboard.pledged_today.gbp / pledged).quantize(
                Decimal("0.000001"), ROUND_HALF_UP
            )
            seen = response.content.decode() + str(pool)
            for secret in secrets:
                for text in renderings(secret):
                    assert text not in seen, f"{text} ({secret}) is shown to OpenAI on {day}"

        # Awards in pounds do not move at all; their dollar figures move with GBP/USD only.
        assert in_pounds(pools[before]) == in_pounds(pools[on])
        assert pools[before]["funders_counted"] == pools[on]["funders_counted"]
