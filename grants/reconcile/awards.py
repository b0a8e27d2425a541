"""Each award: its funders' parts add up to it and their shares to exactly 1, the parts of its payments add up to
what was paid (by the policy, on the funders' dashboards and in the API), the ledger holds it; and the 360Giving file
publishes one grant per award that stands, with its amounts."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from alignment_fund.money import total
from grants.exports.giving360 import prefix
from grants.models import Account
from grants.reconcile.facts import ZERO, Facts
from grants.reconcile.fund import LEDGER
from grants.reconcile.rows import Rows
from grants.reconcile.surfaces import Surfaces, amount

ONE = Decimal("1.000000")
GIVING = "360Giving"


def check_awards(facts: Facts, now: Facts, surfaces: Surfaces, rows: Rows) -> None:
    on_dashboards: dict[int, Decimal] = defaultdict(Decimal)
    for parts in surfaces.dashboard_parts.values():
        for award_id, paid in parts.items():
            on_dashboards[award_id] += paid
    in_api: dict[int, dict[str, Decimal]] = defaultdict(lambda: {"amount": ZERO, "disbursed": ZERO})
    for row in surfaces.api_attributions:
        in_api[row["award"]["id"]]["amount"] += amount(row["amount"])
        in_api[row["award"]["id"]]["disbursed"] += amount(row["disbursed"])
    for award in facts.awards.values():
        label = f"award {award.reference}"
        parts = total(part for part, _ in award.attributions.values())
        rows.add(f"{label}: funders' parts", "attributions", award.amount, parts)
        rows.add(
            f"{label}: funders' shares", "attributions", ONE, sum((s for _, s in award.attributions.values()), ZERO)
        )
        paid_parts = total(facts.parts.get((award.pk, funder_id), ZERO) for funder_id in award.attributions)
        rows.add(f"{label}: parts of its payments", "attribution policy", award.paid, paid_parts)
        rows.add(
            f"{label}: parts of its payments", "funders' dashboards", award.paid, on_dashboards.get(award.pk, ZERO)
        )
        rows.add(
            f"{label}: awarded (GBP)",
            LEDGER,
            award.counted,
            facts.ledger_by_award.get((Account.GRANTS_AWARDED, award.pk), ZERO),
        )
        rows.add(
            f"{label}: committed (GBP)",
            LEDGER,
            award.committed,
            -facts.ledger_by_award.get((Account.GRANTS_COMMITTED, award.pk), ZERO),
        )
    # The API's attributions and the 360Giving file are the present: held to everything recorded.
    for award in now.awards.values():
        label = f"award {award.reference}"
        shown = in_api.get(award.pk, {"amount": ZERO, "disbursed": ZERO})
        rows.add(f"{label}: funders' parts", "API /api/attributions/ (administrator)", award.amount, shown["amount"])
        rows.add(
            f"{label}: parts of its payments", "API /api/attributions/ (administrator)", award.paid, shown["disbursed"]
        )
    check_360giving(now, surfaces, rows)


def check_360giving(now: Facts, surfaces: Surfaces, rows: Rows) -> None:
    """One grant per award that stands (a terminated one is left out), with its amount and what was paid on it."""
    standing = {f"{prefix()}-{a.reference}": a for a in now.awards.values() if a.stands}
    grants = {grant["id"]: grant for grant in surfaces.package["grants"]}
    rows.add("grants published", GIVING, len(standing), len(surfaces.package["grants"]))
    rows.each(
        "grant {}: amount awarded",
        GIVING,
        {k: a.amount for k, a in standing.items()},
        {k: Decimal(g["amountAwarded"]) for k, g in grants.items()},
    )
    rows.each(
        "grant {}: amount disbursed",
        GIVING,
        {k: a.paid for k, a in standing.items()},
        {k: Decimal(g["amountDisbursed"]) for k, g in grants.items()},
    )
    rows.each(
        "grant {}: its payments",
        GIVING,
        {k: a.paid for k, a in standing.items()},
        {k: total(Decimal(p["value"]) for p in g.get("disbursementTransaction", [])) for k, g in grants.items()},
    )
    rows.add(
        "total awarded",
        GIVING,
        total(a.amount for a in standing.values()),
        total(Decimal(g["amountAwarded"]) for g in grants.values()),
    )
    rows.add(
        "total disbursed",
        GIVING,
        total(a.paid for a in standing.values()),
        total(Decimal(g["amountDisbursed"]) for g in grants.values()),
    )
