"""The allocation summary: one consistent snapshot of the fund, its rounds, funders and research areas."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Max

from alignment_fund.money import BASE_CURRENCY
from alignment_fund.rates.models import ExchangeRate, RateBook
from funders.models import Funder
from grants.models import LedgerTransaction, SummarySnapshot
from grants.reads.allocation import attributed_by_area, attributed_by_funder
from grants.reads.position import pool_position, round_positions
from projects.models import ResearchArea

SNAPSHOT_LOCK = 0x5A4D4D41  # the advisory lock the summary job takes: any fixed number no other job uses


def _s(value: Decimal) -> str:
    return f"{value:.2f}"


def attributed_by_name(as_of: date) -> tuple[dict, dict]:
    """Attributed money (grants.reads.allocation) by funder, as (name, disclosed), and by research area name. Funders
    and areas with nothing yet attributed are not listed."""
    by_funder_id, by_area_id = attributed_by_funder(as_of), attributed_by_area(as_of)
    funders = {
        pk: (name, disclosed) for pk, name, disclosed in Funder.objects.values_list("pk", "name", "disclose_amounts")
    }
    areas = dict(ResearchArea.objects.values_list("pk", "name"))
    by_funder: dict[tuple[str, bool], Decimal] = defaultdict(lambda: Decimal("0.00"))
    by_area: dict[str, Decimal] = defaultdict(lambda: Decimal("0.00"))
    for funder_id, amount in by_funder_id.items():
        by_funder[funders[funder_id]] += amount
    for area_id, amount in by_area_id.items():
        by_area[areas[area_id]] += amount
    return by_funder, by_area


def build_summary(as_of: date) -> dict:
    """Everything the snapshot holds, as strings and currency codes (JSON-safe, exact)."""
    book = RateBook.load(until=as_of)
    pool = pool_position(as_of, book)

    def both(amount_gbp: Decimal, amount_usd: Decimal | None = None) -> dict:
        """A figure in pounds and dollars; money of several currencies comes with its dollars computed from them."""
        return {"GBP": _s(amount_gbp), "USD": _s(pool.usd(amount_gbp) if amount_usd is None else amount_usd)}

    by_funder, by_area = attributed_by_name(as_of)
    return {
        "as_of": as_of.isoformat(),
        "currency": BASE_CURRENCY,
        "fund": {
            "cash": {c: _s(v) for c, v in pool.cash.items()},
            "receivable": {c: _s(v) for c, v in pool.receivable.items()},
            "cash_value": both(pool.cash_gbp, pool.cash_usd),
            "pledged_not_received_value": both(pool.receivable_gbp, pool.receivable_usd),
            "committed": both(pool.committed_gbp),
            "awarded": both(pool.awarded_gbp),
            "disbursed": both(pool.disbursed_gbp),
            "headroom": both(pool.headroom_gbp, pool.headroom_usd),
        },
        "rounds": [
            {
                "round": r.round.name,
                "budget": both(r.budget_gbp),
                "awarded": both(r.awarded_gbp),
                "disbursed": both(r.disbursed_gbp),
                "committed": both(r.committed_gbp),
                "headroom": both(r.headroom_gbp, r.headroom_usd),
            }
            for r in round_positions(pool)
        ],
        "funders": [
            {"funder": name, "disclosed": disclosed, "attributed": both(total)}
            for (name, disclosed), total in sorted(by_funder.items())
        ],
        "research_areas": [
            {"research_area": name, "attributed": both(total)} for name, total in sorted(by_area.items())
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
    """Store the summary for `as_of` unless an identical one exists. Returns (snapshot, created).

    Snapshots are told apart by a digest of what they hold, so anything that changes a figure (a money write, new
    rates, a round's budget, a funder's disclosure, an award's status) makes a new one, and running twice over an
    unchanged fund writes nothing the second time. Several workers may run it at once: on PostgreSQL they take
    turns (a transaction-scoped advisory lock), so each sees the fund as the one before it left it, and the unique
    (as_of, digest) constraint stops two identical snapshots whatever the engine."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SNAPSHOT_LOCK])
    data = build_summary(as_of)
    digest = hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()
    version = LedgerTransaction.objects.filter(occurred_on__lte=as_of).aggregate(v=Max("pk"))["v"] or 0
    rates_as_of = ExchangeRate.objects.filter(rate_date__lte=as_of).aggregate(d=Max("rate_date"))["d"]
    return SummarySnapshot.objects.get_or_create(
        as_of=as_of,
        digest=digest,
        defaults={"data": data, "ledger_version": version, "rates_as_of": rates_as_of},
    )
