"""What a funder's contact sees: their own money in full, and the pool as a whole only as far as that is safe.

`funder_dashboard(funder, on)` is the funder's own position on a date: pledges and receipts in their currency and in
GBP and USD (at the date of each and today, with the rates), their share of the money pledged, and the awards their
money supports from the fixed attribution (committed against disbursed), beside the pool as the funder may see it
(grants.reads.pool_overview, which states the disclosure rule). It is a frozen dataclass computed in a fixed number of
queries, whatever the number of pledges or awards, and read by the page, the CSV statement and the API alike.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from alignment_fund.money import BASE_CURRENCY, share, total
from alignment_fund.rates.models import QuotedRate, RateBook, RateUnavailable
from funders.models import Conversion, Funder, Pledge, Receipt, describe_restriction
from grants.reads.funder_charts import ContributionMonth, RatePoint, contributions, gbp_usd_history
from grants.reads.funder_parts import pounds, support_by_group
from grants.reads.pool_overview import (
    ZERO,
    PoolFigure,
    PoolOverview,
    load_rate_book,
    pool_overview,
    quote_or_none,
)
from grants.reads.position import Valued, value


def _valued(amount: Decimal, currency: str, on: date, book: RateBook) -> Valued | None:
    """The amount in GBP and USD at the reference rates of `on`, or None when no rate is known that early."""
    try:
        return value(amount, currency, on, book)
    except RateUnavailable:
        return None


# The funder's own position


@dataclass(frozen=True)
class Both:
    """One amount in GBP and in USD."""

    gbp: Decimal
    usd: Decimal


def _sum_valued(values: Iterable[Valued | None]) -> Both | None:
    values = list(values)
    if any(valued is None for valued in values):
        return None
    return Both(total(valued.gbp for valued in values), total(valued.usd for valued in values))


@dataclass(frozen=True)
class OwnPledge:
    """One of the funder's own pledges as its page shows it: valued when pledged and today, with what has arrived."""

    reference: str
    pledged_on: date
    amount: Decimal
    currency: str
    restriction: str
    compute_only: bool
    illustrative: bool
    at_pledge: Valued | None
    today: Valued | None
    received: Decimal
    outstanding: Decimal


@dataclass(frozen=True)
class OwnConversion:
    """Cash sold for pounds at the rate the bank dealt, beside the reference rate of that day."""

    converted_on: date
    bank_reference: str
    amount_sold: Decimal
    currency: str
    gbp_credited: Decimal
    dealt_rate: Decimal
    reference_rate: QuotedRate | None


@dataclass(frozen=True)
class OwnReceipt:
    """Money the funder paid in against one of its pledges: valued on arrival and today, with what was sold for
    pounds."""

    pledge_reference: str
    received_on: date
    bank_reference: str
    amount: Decimal
    currency: str
    at_receipt: Valued | None
    today: Valued | None
    conversions: tuple[OwnConversion, ...]


@dataclass(frozen=True)
class CurrencyTotals:
    """What the funder pledged and paid in one currency (never added across currencies)."""

    currency: str
    pledged: Decimal
    received: Decimal
    outstanding: Decimal
    pledged_today: Valued | None
    received_today: Valued | None


@dataclass(frozen=True)
class AllocationGroup:
    label: str
    award_count: int
    amount: Decimal
    disbursed: Decimal
    committed: Decimal

    @property
    def disbursed_share(self) -> Decimal:
        return share(self.disbursed, self.amount)


def _group(label: str, rows: list[tuple]) -> AllocationGroup:
    """Rows of `support_by_group` (awards, supported, paid and committed pennies from the fifth column) as one group."""
    return AllocationGroup(
        label=label,
        award_count=sum(row[4] for row in rows),
        amount=pounds(sum(row[5] for row in rows)),
        disbursed=pounds(sum(row[6] for row in rows)),
        committed=pounds(sum(row[7] for row in rows)),
    )


LISTED = 50  # pledges and receipts the dashboard lists; the statement has them all


@dataclass(frozen=True)
class FunderDashboard:
    funder: Funder
    on: date
    pledges: tuple[OwnPledge, ...]
    receipts: tuple[OwnReceipt, ...]
    pledge_count: int  # of all the pledges, which `pledges` may hold only the first of (`funder_dashboard_page_of`)
    receipt_count: int
    by_currency: tuple[CurrencyTotals, ...]
    pledged_at_pledge: Both | None
    pledged_today: Both | None
    received_at_receipt: Both | None
    received_today: Both | None
    outstanding_today: Both | None
    converted_gbp: Decimal
    by_round: tuple[AllocationGroup, ...]
    by_area: tuple[AllocationGroup, ...]
    attributed: AllocationGroup
    share_of_pledged: Decimal | None
    share_of_received: Decimal | None
    pool: PoolOverview
    rates_today: tuple[QuotedRate, ...]
    rates_stale: bool
    chart_currency: str
    contributions: tuple[ContributionMonth, ...]
    gbp_usd_history: tuple[RatePoint, ...]

    @property
    def has_money(self) -> bool:
        return bool(self.pledges)

    @property
    def single_currency(self) -> str | None:
        """The currency of all the funder's pledges, if there is just one."""
        return self.by_currency[0].currency if len(self.by_currency) == 1 else None

    @property
    def gbp_usd_month_ends(self) -> tuple[RatePoint, ...]:
        """The last GBP/USD rate of each month: the chart's table, short enough to read."""
        last: dict[tuple[int, int], RatePoint] = {}
        for point in self.gbp_usd_history:
            last[(point.on.year, point.on.month)] = point
        return tuple(last.values())


def funder_dashboard_page_of(funder_id: int, on: date) -> FunderDashboard:
    """What the funder's page shows and remembers: the dashboard of the funder with this id, read afresh (its record
    read after the fund's version, so a change to it is never remembered under the version before), listing the
    first `LISTED` pledges and receipts. Every total, count and chart is of all of them; reading back a thousand
    of each from the cache cost more than the rest of the page."""
    dashboard = funder_dashboard(Funder.objects.get(pk=funder_id), on)
    return replace(dashboard, pledges=dashboard.pledges[:LISTED], receipts=dashboard.receipts[:LISTED])


def funder_dashboard(funder: Funder, on: date) -> FunderDashboard:
    """The funder's own money and the awards it supports on `on`, beside the pool as it may see it."""
    # Plain values, not model instances: a funder at the stress size has a thousand pledges and receipts.
    own_pledges = Pledge.objects.filter(funder=funder, pledged_on__lte=on)
    pledges = list(
        own_pledges.values_list(
            "pk",
            "reference",
            "pledged_on",
            "amount",
            "amount_currency",
            "restricted_to_round__name",
            "restricted_to_area__name",
            "compute_only",
            "illustrative",
        )
    )
    receipts_by_pledge: dict[int, list[tuple]] = {}
    own_receipts = Receipt.objects.filter(pledge__in=own_pledges.values("pk"), received_on__lte=on)
    for row in own_receipts.values_list(
        "pk", "pledge_id", "received_on", "bank_reference", "amount", "amount_currency"
    ):
        receipts_by_pledge.setdefault(row[1], []).append(row)
    conversions_by_receipt: dict[int, list[tuple]] = {}
    for row in Conversion.objects.filter(receipt__in=own_receipts.values("pk"), converted_on__lte=on).values_list(
        "receipt_id",
        "converted_on",
        "bank_reference",
        "amount_sold",
        "amount_sold_currency",
        "gbp_credited",
        "dealt_rate",
    ):
        conversions_by_receipt.setdefault(row[0], []).append(row)
    first = min((row[2] for row in pledges), default=on)
    book = load_rate_book(on, since=first)

    pledge_lines, receipt_lines = [], []
    by_currency: dict[str, dict[str, Decimal]] = {}
    converted_gbp = ZERO
    for pk, reference, pledged_on, amount, currency, round_name, area_name, compute_only, illustrative in pledges:
        receipts = receipts_by_pledge.get(pk, [])
        received = total(row[4] for row in receipts)
        sums = by_currency.setdefault(currency, {"pledged": ZERO, "received": ZERO})
        sums["pledged"] += amount
        sums["received"] += received
        pledge_lines.append(
            OwnPledge(
                reference=reference,
                pledged_on=pledged_on,
                amount=amount,
                currency=currency,
                restriction=describe_restriction(round_name, area_name, compute_only),
                compute_only=compute_only,
                illustrative=illustrative,
                at_pledge=_valued(amount, currency, pledged_on, book),
                today=_valued(amount, currency, on, book),
                received=received,
                outstanding=amount - received,
            )
        )
        for receipt_pk, _, received_on, bank_reference, receipt_amount, receipt_currency in receipts:
            conversions = []
            for (
                _,
                converted_on,
                conversion_reference,
                sold,
                sold_currency,
                credited,
                dealt_rate,
            ) in conversions_by_receipt.get(receipt_pk, []):
                converted_gbp += credited
                conversions.append(
                    OwnConversion(
                        converted_on=converted_on,
                        bank_reference=conversion_reference,
                        amount_sold=sold,
                        currency=sold_currency,
                        gbp_credited=credited,
                        dealt_rate=dealt_rate,
                        reference_rate=quote_or_none(book, sold_currency, BASE_CURRENCY, converted_on),
                    )
                )
            receipt_lines.append(
                OwnReceipt(
                    pledge_reference=reference,
                    received_on=received_on,
                    bank_reference=bank_reference,
                    amount=receipt_amount,
                    currency=receipt_currency,
                    at_receipt=_valued(receipt_amount, receipt_currency, received_on, book),
                    today=_valued(receipt_amount, receipt_currency, on, book),
                    conversions=tuple(conversions),
                )
            )
    receipt_lines.sort(key=lambda line: (line.received_on, line.bank_reference))
    currency_totals = tuple(
        CurrencyTotals(
            currency=currency,
            pledged=sums["pledged"],
            received=sums["received"],
            outstanding=sums["pledged"] - sums["received"],
            pledged_today=_valued(sums["pledged"], currency, on, book),
            received_today=_valued(sums["received"], currency, on, book),
        )
        for currency, sums in sorted(by_currency.items())
    )

    attributed, by_round, by_area = _support(funder, on)
    pool = pool_overview(on, funder, book)
    own_pledged = _sum_valued(totals.pledged_today for totals in currency_totals)
    own_received = _sum_valued(totals.received_today for totals in currency_totals)

    currencies = sorted(by_currency) or [funder.currency]
    rates = []
    for currency in currencies:
        for target in ("GBP", "USD"):
            if currency != target:
                rates.append(quote_or_none(book, currency, target, on))
    if "GBP" not in currencies or "USD" not in currencies:
        rates.append(quote_or_none(book, BASE_CURRENCY, "USD", on))
    rates_today = tuple({quote.pair: quote for quote in rates if quote is not None}.values())
    chart_currency = currencies[0] if len(currencies) == 1 else BASE_CURRENCY

    return FunderDashboard(
        funder=funder,
        on=on,
        pledges=tuple(pledge_lines),
        receipts=tuple(receipt_lines),
        pledge_count=len(pledge_lines),
        receipt_count=len(receipt_lines),
        by_currency=currency_totals,
        pledged_at_pledge=_sum_valued(line.at_pledge for line in pledge_lines),
        # Today's values convert each currency's total once, so a pledge paid in full is worth the same as its
        # receipts (converting line by line could differ by a penny); dated values add up the lines.
        pledged_today=own_pledged,
        received_at_receipt=_sum_valued(line.at_receipt for line in receipt_lines),
        received_today=own_received,
        outstanding_today=_sum_valued(
            _valued(totals.outstanding, totals.currency, on, book) for totals in currency_totals if totals.outstanding
        ),
        converted_gbp=converted_gbp,
        by_round=by_round,
        by_area=by_area,
        attributed=attributed,
        share_of_pledged=_share(own_pledged, pool.pledged, pool),
        share_of_received=_share(own_received, pool.received, pool),
        pool=pool,
        rates_today=rates_today,
        rates_stale=any(quote.is_stale(on) for quote in rates_today) or not rates_today,
        chart_currency=chart_currency,
        contributions=contributions(pledge_lines, receipt_lines, chart_currency),
        gbp_usd_history=gbp_usd_history(book, first, on),
    )


def _share(own: Both | None, counted: PoolFigure, pool: PoolOverview) -> Decimal | None:
    """The funder's part of a pool total that holds only money it may see (its own and disclosed funders'). With no
    other funder counted it would be 100% and say nothing, so there is none."""
    if own is None or not counted.gbp or not pool.others_counted:
        return None
    return share(own.gbp, counted.gbp)


def _support(funder: Funder, on: date) -> tuple[AllocationGroup, tuple, tuple]:
    """The awards the funder's money supports, added up in SQL (grants.reads.funder_parts): all of them, by round (in
    the order of their first award) and by research area (largest first)."""
    rows = support_by_group(funder, on)
    everything = _group("All awards", rows)
    rounds: dict[str, list[tuple]] = {}
    for row in sorted(rows, key=lambda row: (row[2], row[3])):
        rounds.setdefault(row[0], []).append(row)
    areas: dict[str, list[tuple]] = {}
    for row in rows:
        areas.setdefault(row[1], []).append(row)
    by_area = sorted((_group(label, items) for label, items in areas.items()), key=lambda g: (-g.amount, g.label))
    return everything, tuple(_group(label, items) for label, items in rounds.items()), tuple(by_area)
