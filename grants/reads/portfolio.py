"""What the administrator's portfolio page shows: the pool, the rounds, each funder's money, the awards by research
area, the FX exposure, and the money still to collect and to convert.

Pure reads. Sums are SQL grouped by currency (never one `Sum` across currencies); conversion to GBP and USD happens
here, in Python, with dated reference rates from one `RateBook`; results are frozen dataclasses the templates only
display. Every function costs a fixed number of queries, whatever the number of funders, awards or milestones.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Q, Sum

from alignment_fund.money import BASE_CURRENCY, total
from alignment_fund.rates.models import QuotedRate, RateBook
from funders.models import Conversion, Funder, Pledge, Receipt
from grants.models import Milestone, MilestoneReport
from grants.reads.allocation import attributed_by_funder, awards_by_round_and_area
from grants.reads.exposure import FxExposure, fx_exposure
from grants.reads.outstanding import (
    OutstandingPledge,
    UnconvertedReceipt,
    outstanding_pledges,
    pledges_left,
    receipts_left,
    unconverted_receipts,
)
from grants.reads.position import (
    ZERO,
    PoolPosition,
    RoundPosition,
    money_sum,
    pool_position,
    rate_book_for,
    round_positions,
    stale_rates,
)
from grants.reads.reports import final_reports_overdue, reports_waiting_for_review
from projects.models import ResearchArea, Round

GBP = Q(amount_currency=BASE_CURRENCY)
LISTED = 50  # pledges to arrive, receipts to convert and reports listed on the page, oldest first


@dataclass(frozen=True)
class FunderLine:
    """One funder's money in one currency."""

    currency: str
    pledged: Decimal
    received: Decimal
    sold: Decimal
    gbp_credited: Decimal
    value_gbp: Decimal
    rate: QuotedRate

    @property
    def to_arrive(self) -> Decimal:
        return self.pledged - self.received


@dataclass(frozen=True)
class FunderRow:
    funder: Funder
    lines: list[FunderLine]
    attributed_gbp: Decimal

    @property
    def value_gbp(self) -> Decimal:
        return total(line.value_gbp for line in self.lines)

    @property
    def gbp_credited(self) -> Decimal:
        return total(line.gbp_credited for line in self.lines)


def funder_rows(on: date, book: RateBook) -> list[FunderRow]:
    """Per funder and currency: pledged, received, converted (sold, and the pounds credited), and the value in GBP
    today (pounds credited plus what is not yet converted at today's reference rate). Five queries."""
    pledged = defaultdict(dict)
    for row in (
        Pledge.objects.filter(pledged_on__lte=on)
        .values("funder", "amount_currency")
        .annotate(total=Sum("amount"))
        .order_by()
    ):
        pledged[row["funder"]][row["amount_currency"]] = money_sum(row["total"])
    received = defaultdict(dict)
    for row in (
        Receipt.objects.filter(received_on__lte=on)
        .values("pledge__funder", "amount_currency")
        .annotate(total=Sum("amount"))
        .order_by()
    ):
        received[row["pledge__funder"]][row["amount_currency"]] = money_sum(row["total"])
    sold = defaultdict(dict)
    credited = defaultdict(dict)
    for row in (
        Conversion.objects.filter(converted_on__lte=on, gbp_credited_currency=BASE_CURRENCY)
        .values("receipt__pledge__funder", "amount_sold_currency")
        .annotate(sold=Sum("amount_sold"), credited=Sum("gbp_credited"))
        .order_by()
    ):
        funder_id, currency = row["receipt__pledge__funder"], row["amount_sold_currency"]
        sold[funder_id][currency] = money_sum(row["sold"])
        credited[funder_id][currency] = money_sum(row["credited"])
    attributed = attributed_by_funder(on)
    funder_ids = set(pledged) | set(received) | set(attributed)
    rows = []
    for funder in Funder.objects.filter(pk__in=funder_ids).order_by("name"):
        currencies = sorted(set(pledged[funder.pk]) | set(received[funder.pk]))
        lines = []
        for currency in currencies:
            funder_pledged = pledged[funder.pk].get(currency, ZERO)
            funder_received = received[funder.pk].get(currency, ZERO)
            funder_sold = sold[funder.pk].get(currency, ZERO)
            funder_credited = credited[funder.pk].get(currency, ZERO)
            rate = book.quote(currency, BASE_CURRENCY, on)
            value_gbp = funder_credited + rate.convert(funder_pledged - funder_sold)
            lines.append(
                FunderLine(currency, funder_pledged, funder_received, funder_sold, funder_credited, value_gbp, rate)
            )
        rows.append(FunderRow(funder, lines, attributed.get(funder.pk, ZERO)))
    return rows


@dataclass(frozen=True)
class AreaRow:
    area: ResearchArea
    award_count: int
    awarded_gbp: Decimal
    disbursed_gbp: Decimal

    @property
    def committed_gbp(self) -> Decimal:
        return self.awarded_gbp - self.disbursed_gbp


def area_rows(on: date) -> list[AreaRow]:
    """Awards by research area: how many, how much awarded, how much paid (grants.reads.allocation, by round and
    area, added up here by area). Every area is listed, with or without awards."""
    counted: dict[int, list] = defaultdict(lambda: [0, ZERO, ZERO])
    for group in awards_by_round_and_area(on):
        sums = counted[group.area_id]
        sums[0] += group.award_count
        sums[1] += group.awarded
        sums[2] += group.paid
    rows = []
    for area in ResearchArea.objects.order_by("name"):
        award_count, awarded, paid = counted.get(area.pk, (0, ZERO, ZERO))
        rows.append(AreaRow(area, award_count, awarded, paid))
    return rows


@dataclass(frozen=True)
class Portfolio:
    today: date
    pool: PoolPosition
    rounds: list[RoundPosition]
    current_round: Round | None
    funders: list[FunderRow]
    areas: list[AreaRow]
    exposure: FxExposure
    # The oldest `LISTED` of each, and how many there are in all.
    pledges_to_arrive: list[OutstandingPledge]
    cash_to_convert: list[UnconvertedReceipt]
    pledges_to_arrive_count: int = 0
    cash_to_convert_count: int = 0
    stale_rates: list[QuotedRate] = field(default_factory=list)
    # Every pledge ever made, at today's reference rates: the "above £27M", which the pool (cash held plus pledges
    # still to arrive, less nothing) is not once money has been paid out.
    pledged_gbp: Decimal = ZERO
    pledged_usd: Decimal = ZERO
    # The work waiting on the administrators and on researchers: reports to review, final reports overdue (the
    # oldest `LISTED` of each, and how many there are in all; the awards list finds every one).
    reports_waiting: list[MilestoneReport] = field(default_factory=list)
    final_reports_overdue: list[Milestone] = field(default_factory=list)
    reports_waiting_count: int = 0
    final_reports_overdue_count: int = 0

    @property
    def gbp_usd(self) -> QuotedRate | None:
        return self.pool.gbp_usd

    @property
    def rates(self) -> list[QuotedRate]:
        return self.pool.rates_used()

    def usd(self, amount_gbp: Decimal) -> Decimal:
        return self.pool.usd(amount_gbp)

    @property
    def committed_usd(self) -> Decimal:
        return self.usd(self.pool.committed_gbp)

    @property
    def disbursed_usd(self) -> Decimal:
        return self.usd(self.pool.disbursed_gbp)


def portfolio(today: date) -> Portfolio:
    """The whole portfolio as of `today`. Raises RateUnavailable when no reference rate is known for a currency held
    or pledged (the view says so instead of guessing)."""
    pledges = pledges_left(today)
    receipts = receipts_left(today)
    oldest = min([row.on for row in pledges[:1]] + [row.on for row in receipts[:1]] + [today])
    book = rate_book_for(today, since=oldest)
    pool = pool_position(today, book)
    rounds = list(Round.objects.order_by("number"))
    current = Round.objects.current()
    funders = funder_rows(today, book)
    waiting, overdue = reports_waiting_for_review(), final_reports_overdue(today)
    pledged: dict[str, Decimal] = defaultdict(Decimal)
    for row in funders:
        for line in row.lines:
            pledged[line.currency] += line.pledged
    return Portfolio(
        today=today,
        pool=pool,
        rounds=round_positions(pool, rounds),
        current_round=current,
        funders=funders,
        areas=area_rows(today),
        exposure=fx_exposure(pool, book, pledges, receipts),
        pledges_to_arrive=outstanding_pledges(pledges[:LISTED]),
        cash_to_convert=unconverted_receipts(receipts[:LISTED]),
        pledges_to_arrive_count=len(pledges),
        cash_to_convert_count=len(receipts),
        stale_rates=stale_rates(pool, today),
        pledged_gbp=total(book.quote(currency, "GBP", today).convert(amount) for currency, amount in pledged.items()),
        pledged_usd=total(book.quote(currency, "USD", today).convert(amount) for currency, amount in pledged.items()),
        reports_waiting=list(waiting[:LISTED]),
        final_reports_overdue=list(overdue[:LISTED]),
        reports_waiting_count=waiting.count(),
        final_reports_overdue_count=overdue.count(),
    )
