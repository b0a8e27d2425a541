"""Each funder: its own money and its parts of the awards on the portfolio's funders table, the summary snapshot, its
dashboard (with the pool as it may see it), its CSV statement and the API as its contact reads it."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from alignment_fund.money import BASE_CURRENCY, total
from grants.models import Award
from grants.reconcile.facts import ZERO, Facts, FunderFacts
from grants.reconcile.fund import PORTFOLIO, SNAPSHOT
from grants.reconcile.rows import Rows
from grants.reconcile.surfaces import Surfaces, amount


def check_funders(facts: Facts, now: Facts, surfaces: Surfaces, rows: Rows) -> None:
    table = {row.funder.pk: row for row in surfaces.portfolio.funders}
    snapshot = {row["funder"]: row["attributed"] for row in surfaces.snapshot["funders"]}
    for funder in surfaces.funders:
        expected = facts.funders[funder.pk]
        name = funder.name
        row = table.get(funder.pk)
        lines = {line.currency: line for line in row.lines} if row else {}
        surface = f"{PORTFOLIO}: funders table"
        rows.each(f"{name}: pledged in {{}}", surface, expected.pledged, {c: x.pledged for c, x in lines.items()})
        rows.each(f"{name}: received in {{}}", surface, expected.received, {c: x.received for c, x in lines.items()})
        rows.each(f"{name}: converted from {{}}", surface, expected.sold, {c: x.sold for c, x in lines.items()})
        rows.each(
            f"{name}: GBP credited for {{}}", surface, expected.credited, {c: x.gbp_credited for c, x in lines.items()}
        )
        if expected.supported or row is not None:
            rows.add(f"{name}: attributed (GBP)", surface, expected.supported, row.attributed_gbp if row else ZERO)
        shown = snapshot.get(name)
        if expected.supported or shown:
            gbp, usd = (Decimal(shown["GBP"]), Decimal(shown["USD"])) if shown else (ZERO, ZERO)
            rows.add(f"{name}: attributed (GBP)", SNAPSHOT, expected.supported, gbp)
            rows.add(f"{name}: attributed (USD)", SNAPSHOT, facts.usd(expected.supported), usd)
        check_dashboard(facts, expected, surfaces, rows)
        check_statement(expected, surfaces, rows)
        check_api(facts, now, funder.pk, surfaces, rows)


def _award_count(facts: Facts, funder_id: int) -> int:
    return sum(1 for award in facts.awards.values() if funder_id in award.attributions)


def check_dashboard(facts: Facts, expected: FunderFacts, surfaces: Surfaces, rows: Rows) -> None:
    dashboard = surfaces.dashboards[expected.pk]
    name = expected.name
    surface = f"{name}'s dashboard"
    rows.each(
        f"{name}: pledged in {{}}", surface, expected.pledged, {t.currency: t.pledged for t in dashboard.by_currency}
    )
    rows.each(
        f"{name}: received in {{}}", surface, expected.received, {t.currency: t.received for t in dashboard.by_currency}
    )
    rows.add(f"{name}: GBP credited for its cash", surface, total(expected.credited.values()), dashboard.converted_gbp)
    outstanding = {c: v - expected.received.get(c, ZERO) for c, v in expected.pledged.items()}
    for figure, amounts, both in (
        ("pledged", expected.pledged, dashboard.pledged_today),
        ("received", expected.received, dashboard.received_today),
        ("still to arrive", {c: v for c, v in outstanding.items() if v}, dashboard.outstanding_today),
    ):
        if amounts or both is not None:
            want = facts.both(amounts)
            got = (both.gbp, both.usd) if both is not None else (None, None)
            rows.add(f"{name}: {figure} today (GBP)", surface, want[0], got[0])
            rows.add(f"{name}: {figure} today (USD)", surface, want[1], got[1])
    rows.add(
        f"{name}: awards its money supports",
        surface,
        _award_count(facts, expected.pk),
        dashboard.attributed.award_count,
    )
    rows.add(f"{name}: attributed (GBP)", surface, expected.supported, dashboard.attributed.amount)
    rows.add(f"{name}: attributed payments (GBP)", surface, expected.paid, dashboard.attributed.disbursed)
    rows.add(f"{name}: attributed committed (GBP)", surface, expected.committed, dashboard.attributed.committed)
    check_pool(facts, expected.pk, f"{name}'s pool overview", _pool_figures(dashboard.pool), rows)


def _pool_figures(pool) -> dict[str, tuple]:
    figures = {figure.label.lower(): (figure.gbp, figure.usd) for figure in pool.headline}
    figures["awards made"] = pool.award_count
    return figures


def _api_pool_figures(answer: dict) -> dict[str, tuple]:
    figures = {
        key: (amount(answer[key]["gbp"]), amount(answer[key]["usd"]))
        for key in ("pledged", "received", "awarded", "committed", "disbursed")
    }
    figures["awards made"] = answer["award_count"]
    return figures


def check_pool(facts: Facts, funder_id: int, surface: str, shown: dict, rows: Rows) -> None:
    """The pool as a funder's contact may see it: money in added up over the funders who disclose their amounts
    and its own; awards whole."""
    visible = facts.visible_to(funder_id)
    expected = {
        "pledged": facts.both(facts.pledged(funders=visible)),
        "received": facts.both(facts.received(funders=visible)),
        "awarded": (facts.awarded, facts.usd(facts.awarded)),
        "committed": (facts.committed, facts.usd(facts.committed)),
        "disbursed": (facts.disbursed, facts.usd(facts.disbursed)),
    }
    for figure, (gbp, usd) in expected.items():
        got_gbp, got_usd = shown[figure]
        rows.add(f"pool: {figure} (GBP)", surface, gbp, got_gbp)
        rows.add(f"pool: {figure} (USD)", surface, usd, got_usd)
    rows.add("pool: awards made", surface, len(facts.awards), shown["awards made"])


def check_statement(expected: FunderFacts, surfaces: Surfaces, rows: Rows) -> None:
    """The statement's totals: its own money by currency, what it converted, and its parts of the awards."""
    name = expected.name
    surface = f"{name}'s statement"
    shown: dict[str, dict[str, Decimal]] = defaultdict(dict)
    for row in surfaces.statements[expected.pk]:
        if row["record"].startswith("total"):
            shown[row["record"]][row.get("currency", "")] = Decimal(row["amount"])
            if row["record"] == "total converted":
                shown["total GBP credited"][row["currency"]] = Decimal(row["gbp_then"])
    rows.each(f"{name}: pledged in {{}}", surface, expected.pledged, shown["total pledged"])
    rows.each(f"{name}: received in {{}}", surface, expected.received, shown["total received"])
    rows.each(f"{name}: converted from {{}}", surface, expected.sold, shown["total converted"])
    rows.each(f"{name}: GBP credited for {{}}", surface, expected.credited, shown["total GBP credited"])
    held = {
        currency: expected.received.get(currency, 0) - expected.sold.get(currency, 0)
        for currency in set(expected.received) | set(expected.sold)
    }
    held[BASE_CURRENCY] = held.get(BASE_CURRENCY, 0) + sum(expected.credited.values())
    rows.each(f"{name}: cash held in {{}}", surface, held, shown["total cash held"])
    before, this = surfaces.quarter_statements[expected.pk]
    quarters = f"{name}'s statements of {before.period.label} and {this.period.label}"
    rows.add(
        f"{name}: balance where one quarter ends and the next opens",
        quarters,
        before.closing.balance_gbp,
        this.opening.balance_gbp,
    )
    rows.add(
        f"{name}: awards attributed where one quarter ends and the next opens",
        quarters,
        before.closing.attributed,
        this.opening.attributed,
    )
    reconciled = (
        this.opening.balance_gbp + this.receipts_gbp + this.fx_difference_gbp + this.revaluation_gbp - this.awards_gbp
    )
    rows.add(
        f"{name}: the quarter's closing balance from its movements", quarters, this.closing.balance_gbp, reconciled
    )
    rows.add(
        f"{name}: awards attributed, quarter's closing and since the start",
        quarters,
        expected.supported,
        this.closing.attributed,
    )
    for figure, want, record in (
        ("attributed", expected.supported, "total attributed"),
        ("attributed payments", expected.paid, "total attributed payments"),
        ("attributed committed", expected.committed, "total attributed committed"),
    ):
        rows.add(f"{name}: {figure} (GBP)", surface, want, shown[record].get(BASE_CURRENCY))


def check_api(facts: Facts, now: Facts, funder_id: int, surfaces: Surfaces, rows: Rows) -> None:
    """Its parts of the awards as the API gives them (to its contact, or to administrators if it has none), and the
    pool as its contact reads it. The attributions are the present, so they are held to everything recorded."""
    expected = now.funders[funder_id]
    name = expected.name
    if funder_id in surfaces.contacts:
        answers = surfaces.api_contact_attributions[funder_id]
        surface = f"API /api/attributions/ ({name}'s contact)"
    else:
        answers = [row for row in surfaces.api_attributions if row["funder"]["id"] == funder_id]
        surface = "API /api/attributions/ (administrator)"
    supported = total(
        amount(row["disbursed"] if row["award"]["status"] == Award.Status.TERMINATED else row["amount"])
        for row in answers
    )
    rows.add(f"{name}: awards its money supports", surface, _award_count(now, funder_id), len(answers))
    rows.add(f"{name}: attributed (GBP)", surface, expected.supported, supported)
    rows.add(
        f"{name}: attributed payments (GBP)", surface, expected.paid, total(amount(r["disbursed"]) for r in answers)
    )
    rows.add(
        f"{name}: attributed committed (GBP)",
        surface,
        expected.committed,
        total(amount(r["committed"]) for r in answers),
    )
    if funder_id in surfaces.api_contact_pools:
        shown = _api_pool_figures(surfaces.api_contact_pools[funder_id])
        check_pool(facts, funder_id, f"API /api/pool/ ({name}'s contact)", shown, rows)
