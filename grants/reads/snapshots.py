"""The allocation summary: one consistent snapshot of the fund, its rounds, funders and research areas."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Max, Sum

from alignment_fund.money import BASE_CURRENCY, round_money
from alignment_fund.rates.models import ExchangeRate, RateBook
from funders.models import Funder
from grants.models import Award, AwardAttribution, LedgerTransaction, SummarySnapshot
from grants.models.awards import terminated_by
from grants.reads.attribution import payment_parts
from grants.reads.pool_overview import disbursed_by_award
from grants.reads.position import pool_position, round_positions

SNAPSHOT_LOCK = 0x5A4D4D41  # the advisory lock the summary job takes: any fixed number no other job uses


def _s(value: Decimal) -> str:
    return f"{value:.2f}"


def attributed_by_funder_and_area(as_of: date) -> tuple[dict, dict]:
    """Attributed money by funder and by research area. A terminated award counts for the part it paid, the same
    rule the ledger and the funders' dashboards use. The sums are two GROUP BYs in the database; only the terminated
    awards' parts (few) are worked out here."""
    by_funder: dict[tuple[str, bool], Decimal] = defaultdict(lambda: Decimal("0.00"))
    by_area: dict[str, Decimal] = defaultdict(lambda: Decimal("0.00"))
    live = (
        AwardAttribution.objects.filter(award__awarded_on__lte=as_of, amount_currency=BASE_CURRENCY)
        .exclude(terminated_by(as_of, "award__"))
        .order_by()
    )
    for name, disclosed, amount in live.values_list("funder__name", "funder__disclose_amounts").annotate(
        total=Sum("amount")
    ):
        by_funder[(name, disclosed)] += round_money(amount or 0)
    for name, amount in live.values_list("award__project__research_area__name").annotate(total=Sum("amount")):
        by_area[name] += round_money(amount or 0)
    ended = list(Award.objects.filter(awarded_on__lte=as_of).ended_by(as_of).values_list("pk", flat=True))
    if ended:
        funders = {
            pk: (name, disclosed)
            for pk, name, disclosed in Funder.objects.values_list("pk", "name", "disclose_amounts")
        }
        areas = dict(Award.objects.filter(pk__in=ended).values_list("pk", "project__research_area__name"))
        for (award_id, funder_id), part in payment_parts(disbursed_by_award(as_of, ended), award_ids=ended).items():
            by_funder[funders[funder_id]] += part
            by_area[areas[award_id]] += part
    # Funders and areas with nothing yet attributed are listed only once they have a part, as before.
    return by_funder, by_area


def build_summary(as_of: date) -> dict:
    """Everything the snapshot holds, as strings and currency codes (JSON-safe, exact)."""
    book = RateBook.load(until=as_of)
    pool = pool_position(as_of, book)

    def both(amount_gbp: Decimal, amount_usd: Decimal | None = None) -> dict:
        """A figure in pounds and dollars; money of several currencies comes with its dollars computed from them."""
        return {"GBP": _s(amount_gbp), "USD": _s(pool.usd(amount_gbp) if amount_usd is None else amount_usd)}

    by_funder, by_area = attributed_by_funder_and_area(as_of)
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
