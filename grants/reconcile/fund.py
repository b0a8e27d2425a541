"""The fund as a whole: money by currency in the ledger, and the headline figures in GBP and USD on the portfolio,
the administrators' pool (page and API) and the summary snapshot."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from alignment_fund.money import BASE_CURRENCY
from grants.models import Account
from grants.reconcile.facts import ZERO, Facts
from grants.reconcile.rows import Rows
from grants.reconcile.surfaces import Surfaces, amount

LEDGER = "ledger"
PORTFOLIO = "portfolio"
POOL = "administrators' pool"
API_POOL = "API /api/pool/ (administrator)"
SNAPSHOT = "summary snapshot"


def check_ledger(facts: Facts, rows: Rows) -> None:
    """Each account's balance in each currency against the records it was posted from."""

    def balances(account: str, sign: int = 1) -> dict[str, Decimal]:
        return {currency: sign * value for (name, currency), value in facts.ledger.items() if name == account and value}

    exchange = {currency: amount for currency, amount in facts.sold().items() if amount}
    if facts.credited_gbp:
        exchange[BASE_CURRENCY] = -facts.credited_gbp
    every_line: dict[str, Decimal] = defaultdict(Decimal)
    for (_, currency), value in facts.ledger.items():
        every_line[currency] += value
    for currency, value in sorted(every_line.items()):
        rows.add(f"ledger lines add up to nothing in {currency}", LEDGER, ZERO, value)
    rows.each("pledged in {}", LEDGER, facts.pledged(), balances(Account.FUNDER_CAPITAL, -1))
    rows.each("pledges receivable in {}", LEDGER, facts.receivable(), balances(Account.PLEDGES_RECEIVABLE))
    rows.each(
        "compute-only pledges receivable in {}",
        LEDGER,
        facts.receivable(compute_only=True),
        balances(Account.COMPUTE_RECEIVABLE),
    )
    rows.each("cash in {}", LEDGER, facts.cash(), balances(Account.CASH))
    rows.each("compute-only cash in {}", LEDGER, facts.received(compute_only=True), balances(Account.COMPUTE_CASH))
    rows.each("currency exchange in {}", LEDGER, exchange, balances(Account.FX_CLEARING))
    rows.add("awarded (GBP)", LEDGER, facts.awarded, balances(Account.GRANTS_AWARDED).get(BASE_CURRENCY, ZERO))
    rows.add("committed (GBP)", LEDGER, facts.committed, -balances(Account.GRANTS_COMMITTED).get(BASE_CURRENCY, ZERO))
    # Every balance is read from the day totals: each must hold its day's lines, no more and no fewer.
    differ = [
        key
        for key in set(facts.lines_by_day) | set(facts.day_totals)
        if facts.lines_by_day.get(key) != facts.day_totals.get(key)
    ]
    rows.add("day totals that differ from their lines", LEDGER, 0, len(differ))
    counted = sum(count for _, count in facts.day_totals.values())
    rows.add("lines added up in the day totals", LEDGER, sum(n for _, n in facts.lines_by_day.values()), counted)


def check_fund(facts: Facts, surfaces: Surfaces, rows: Rows) -> None:
    cash_gbp, cash_usd = facts.both(facts.cash())
    receivable_gbp, receivable_usd = facts.both(facts.receivable())
    pledged_gbp, pledged_usd = facts.both(facts.pledged())
    received_gbp, received_usd = facts.both(facts.received())
    expected = {
        "pledged": (pledged_gbp, pledged_usd),
        "received": (received_gbp, received_usd),
        "cash value": (cash_gbp, cash_usd),
        "pledges receivable value": (receivable_gbp, receivable_usd),
        "pool value": (cash_gbp + receivable_gbp, cash_usd + receivable_usd),
        "awarded": (facts.awarded, facts.usd(facts.awarded)),
        "committed": (facts.committed, facts.usd(facts.committed)),
        "disbursed": (facts.disbursed, facts.usd(facts.disbursed)),
        "headroom": facts.headroom(),
    }

    def check(surface: str, shown: dict[str, tuple]) -> None:
        for figure, values in shown.items():
            for currency, want, got in zip(("GBP", "USD"), expected[figure], values, strict=True):
                if got is not ...:  # ... marks a currency the surface does not show the figure in
                    rows.add(f"{figure} ({currency})", surface, want, got)

    page = surfaces.portfolio
    pool = page.pool
    rows.each("cash in {}", PORTFOLIO, facts.cash(), pool.cash)
    rows.each("pledges receivable in {}", PORTFOLIO, facts.receivable(), pool.receivable)
    rows.each("compute-only cash in {}", PORTFOLIO, facts.received(compute_only=True), pool.compute_cash)
    pledged_by_currency: dict[str, Decimal] = defaultdict(Decimal)
    for row in page.funders:
        for line in row.lines:
            pledged_by_currency[line.currency] += line.pledged
    rows.each("pledged in {}", f"{PORTFOLIO}: funders table", facts.pledged(), pledged_by_currency)
    check(
        PORTFOLIO,
        {
            "pledged": (page.pledged_gbp, page.pledged_usd),
            "cash value": (pool.cash_gbp, pool.cash_usd),
            "pledges receivable value": (pool.receivable_gbp, pool.receivable_usd),
            "pool value": (pool.pool_gbp, pool.pool_usd),
            "awarded": (pool.awarded_gbp, ...),
            "committed": (pool.committed_gbp, page.committed_usd),
            "disbursed": (pool.disbursed_gbp, page.disbursed_usd),
            "headroom": (pool.headroom_gbp, pool.headroom_usd),
        },
    )

    admin = surfaces.administrators_pool
    check(POOL, {figure.label.lower(): (figure.gbp, figure.usd) for figure in admin.headline})
    rows.add("awards made", POOL, len(facts.awards), admin.award_count)

    api = surfaces.api_pool
    names = {"value": "pool value"}
    check(
        API_POOL,
        {
            names.get(key, key): (amount(api[key]["gbp"]), amount(api[key]["usd"]))
            for key in ("value", "pledged", "received", "awarded", "committed", "disbursed", "headroom")
        },
    )
    rows.add("awards made", API_POOL, len(facts.awards), api["award_count"])

    fund = surfaces.snapshot["fund"]
    rows.each("cash in {}", SNAPSHOT, facts.cash(), {c: Decimal(v) for c, v in fund["cash"].items()})
    rows.each(
        "pledges receivable in {}", SNAPSHOT, facts.receivable(), {c: Decimal(v) for c, v in fund["receivable"].items()}
    )
    names = {"cash_value": "cash value", "pledged_not_received_value": "pledges receivable value"}
    check(
        SNAPSHOT,
        {
            names.get(key, key): (Decimal(fund[key]["GBP"]), Decimal(fund[key]["USD"]))
            for key in ("cash_value", "pledged_not_received_value", "awarded", "committed", "disbursed", "headroom")
        },
    )
