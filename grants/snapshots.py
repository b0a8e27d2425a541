"""The allocation summary: one consistent snapshot of the fund, its rounds, funders and research areas."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import Max, Sum

from alignment_fund.money import BASE_CURRENCY

from .models import AwardAttribution, ExchangeRate, LedgerTransaction, SummarySnapshot
from .models.rates import RateBook
from .position import pool_position, round_positions


def _s(value: Decimal) -> str:
    return f"{value:.2f}"


def build_summary(as_of: date) -> dict:
    """Everything the snapshot holds, as strings and currency codes (JSON-safe, exact)."""
    book = RateBook.load(until=as_of)
    pool = pool_position(as_of, book)
    usd = pool.gbp_usd

    def both(amount_gbp: Decimal) -> dict:
        return {"GBP": _s(amount_gbp), "USD": _s(usd.convert(amount_gbp))}

    by_funder = (
        AwardAttribution.objects.filter(award__awarded_on__lte=as_of)
        .values("funder__name", "funder__disclose_amounts")
        .annotate(total=Sum("amount"))
        .order_by("funder__name")
    )
    by_area = (
        AwardAttribution.objects.filter(award__awarded_on__lte=as_of)
        .values("award__project__research_area__name")
        .annotate(total=Sum("amount"))
        .order_by("award__project__research_area__name")
    )
    return {
        "as_of": as_of.isoformat(),
        "currency": BASE_CURRENCY,
        "fund": {
            "cash": {c: _s(v) for c, v in pool.cash.items()},
            "receivable": {c: _s(v) for c, v in pool.receivable.items()},
            "cash_value": both(pool.cash_gbp),
            "pledged_not_received_value": both(pool.receivable_gbp),
            "committed": both(pool.committed_gbp),
            "awarded": both(pool.awarded_gbp),
            "disbursed": both(pool.disbursed_gbp),
            "headroom": both(pool.headroom_gbp),
        },
        "rounds": [
            {
                "round": r.round.name,
                "budget": both(r.budget_gbp),
                "awarded": both(r.awarded_gbp),
                "disbursed": both(r.disbursed_gbp),
                "committed": both(r.committed_gbp),
                "headroom": both(r.headroom_gbp),
            }
            for r in round_positions(pool)
        ],
        "funders": [
            {
                "funder": row["funder__name"],
                "disclosed": row["funder__disclose_amounts"],
                "attributed": both(row["total"]),
            }
            for row in by_funder
        ],
        "research_areas": [
            {"research_area": row["award__project__research_area__name"], "attributed": both(row["total"])}
            for row in by_area
        ],
        "rates": [
            {
                "pair": q.pair,
                "rate": f"{q.rate}",
                "date": q.rate_date.isoformat(),
                "source": q.source,
                "derived_from": q.derived_from,
            }
            for q in pool.rates_used()
        ],
    }


@transaction.atomic
def take_snapshot(as_of: date) -> tuple[SummarySnapshot, bool]:
    """Store the summary for `as_of` unless one from the same ledger and rates exists. Returns (snapshot, created).

    Running it twice over an unchanged ledger and rate table writes nothing the second time."""
    version = LedgerTransaction.objects.filter(occurred_on__lte=as_of).aggregate(v=Max("pk"))["v"] or 0
    rates_as_of = ExchangeRate.objects.filter(rate_date__lte=as_of).aggregate(d=Max("rate_date"))["d"]
    existing = SummarySnapshot.objects.filter(as_of=as_of, ledger_version=version, rates_as_of=rates_as_of).first()
    if existing is not None:
        return existing, False
    return SummarySnapshot.objects.get_or_create(
        as_of=as_of, ledger_version=version, rates_as_of=rates_as_of, defaults={"data": build_summary(as_of)}
    )
